package swayapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/swaykeep/swaykeep/config/secret"
	"github.com/swaykeep/swaykeep/daemon/swayapi/swayapitest"
)

const goodToken = secret.Secret("tok-ABC.def_123~+/=")

// TestOutcomeTable has one case per row of api/sway-auth.md, "How to
// classify outcomes", with every status and body variant the row names.
func TestOutcomeTable(t *testing.T) {
	htmlPage := "<html><body><h1>Bad Gateway</h1></body></html>"
	code3 := `{"errorCode":"3","description":"Incorrect username or password"}`
	for _, tc := range []struct {
		row, name string
		op        string
		status    int
		header    map[string]string
		body      string
		want      error
		code      string
	}{
		{"login 401 whatever its body", "code 3", "login", 401, nil, code3, ErrRejected, "3"},
		{"login 401 whatever its body", "another code", "login", 401, nil, `{"errorCode":"32","description":"x"}`, ErrRejected, "32"},
		{"login 401 whatever its body", "numeric code", "login", 401, nil, `{"errorCode":3}`, ErrRejected, "3"},
		{"login 401 whatever its body", "no body", "login", 401, nil, "", ErrRejected, ""},
		{"login 401 whatever its body", "HTML", "login", 401, map[string]string{"Content-Type": "text/html"}, htmlPage, ErrRejected, ""},
		{"login 403", "json", "login", 403, nil, `{"errorCode":"2"}`, ErrDisabled, "2"},
		{"login 403", "empty", "login", 403, nil, "", ErrDisabled, ""},
		{"ping 401 or 403", "ping 401", "ping", 401, nil, `{"errorCode":"1"}`, ErrSessionGone, "1"},
		{"ping 401 or 403", "ping 403", "ping", 403, nil, "", ErrSessionGone, ""},
		{"logout, any answer", "logout 401", "logout", 401, nil, "", ErrSessionGone, ""},
		{"logout, any answer", "logout 200 {}", "logout", 200, nil, "{}", nil, ""},
		{"logout, any answer", "logout 204", "logout", 204, nil, "", nil, ""},
		{"logout, any answer", "logout 200 HTML", "logout", 200, nil, htmlPage, nil, ""},
		{"logout, any answer", "logout 500", "logout", 500, nil, "", ErrTransient, ""},
		{"429", "login", "login", 429, nil, "", ErrRateLimited, ""},
		{"429", "ping", "ping", 429, map[string]string{"Retry-After": "7"}, "", ErrRateLimited, ""},
		{"429", "logout", "logout", 429, nil, "", ErrRateLimited, ""},
		{"5xx", "500", "login", 500, nil, `{"errorCode":"500"}`, ErrTransient, "500"},
		{"5xx", "502 HTML", "ping", 502, nil, htmlPage, ErrTransient, ""},
		{"5xx", "503", "ping", 503, nil, "", ErrTransient, ""},
		{"5xx", "504", "login", 504, nil, "", ErrTransient, ""},
		{"non-JSON body", "login 200 HTML", "login", 200, nil, htmlPage, ErrTransient, ""},
		{"non-JSON body", "ping 200 HTML", "ping", 200, nil, htmlPage, ErrTransient, ""},
		{"non-JSON body", "login 200 text", "login", 200, nil, "OK", ErrTransient, ""},
		{"timeout", "408", "ping", 408, nil, "", ErrTransient, ""},
	} {
		t.Run(tc.row+"/"+tc.name, func(t *testing.T) {
			c := newClient(t, scripted(tc.status, tc.header, tc.body))
			err := callOp(c, tc.op)
			noSecrets(t, err, goodToken)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("%s: %v, want success", tc.op, err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("%s %d: %v, want %v", tc.op, tc.status, err, tc.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.Status != tc.status || e.Code != tc.code || e.Op != tc.op {
				t.Errorf("error %#v: want status %d code %q", e, tc.status, tc.code)
			}
			assertOneClass(t, err)
		})
	}
	// "400, 404, 405, 406, 415" (and 409, 412, 413, other 4xx, 3xx): bad request.
	for _, status := range []int{400, 404, 405, 406, 409, 412, 413, 415, 410, 422, 301, 302, 307, 308} {
		for _, op := range []string{"login", "ping", "logout"} {
			err := callOp(newClient(t, scripted(status, map[string]string{"Location": "http://elsewhere.test/"}, `{"errorCode":"4"}`)), op)
			if !errors.Is(err, ErrBadRequest) {
				t.Errorf("%s %d: %v, want ErrBadRequest", op, status, err)
			}
		}
	}
}

func callOp(c *Client, op string) error {
	ctx := context.Background()
	switch op {
	case "login":
		_, err := c.Login(ctx, alice)
		return err
	case "ping":
		_, err := c.Ping(ctx, goodToken)
		return err
	case "logout":
		return c.Logout(ctx, goodToken)
	}
	panic(op)
}

// assertOneClass checks that an error matches exactly one outcome class.
func assertOneClass(t *testing.T, err error) {
	t.Helper()
	n := 0
	for _, k := range []error{ErrRejected, ErrDisabled, ErrSessionGone, ErrRateLimited, ErrTransient, ErrBadRequest} {
		if errors.Is(err, k) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%v matches %d classes", err, n)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"5", 5 * time.Second},
		{" 120 ", 2 * time.Minute},
		{"0", 0},
		{"-3", 0},
		{"soon", 0},
		{"99999999999", maxRetryAfter},
		{now.Add(-time.Hour).UTC().Format(http.TimeFormat), 0},
	} {
		if got := parseRetryAfter(tc.header, now); got != tc.want {
			t.Errorf("Retry-After %q: %v, want %v", tc.header, got, tc.want)
		}
	}
	// HTTP-date, through the client: about 30s from now.
	date := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	_, err := newClient(t, scripted(429, map[string]string{"Retry-After": date}, "")).Login(context.Background(), alice)
	if d, ok := RetryAfter(err); !ok || d < 28*time.Second || d > 31*time.Second {
		t.Errorf("HTTP-date Retry-After: %v %v", d, ok)
	}
	_, err = newClient(t, scripted(429, map[string]string{"Retry-After": "3"}, "")).Ping(context.Background(), goodToken)
	if d, ok := RetryAfter(err); !ok || d != 3*time.Second {
		t.Errorf("seconds Retry-After: %v %v", d, ok)
	}
	_, err = newClient(t, scripted(429, nil, "")).Ping(context.Background(), goodToken)
	if _, ok := RetryAfter(err); ok {
		t.Error("RetryAfter without a header")
	}
}

func TestNewRefusesBadBaseURLs(t *testing.T) {
	for _, u := range []string{"", "api.swaycharts.io/dxsca-web", "ftp://x/dxsca-web/", "https://user:pw@x/dxsca-web/", "https://x/dxsca-web/?a=b", "http://"} {
		if _, err := New(Options{BaseURL: u}); err == nil {
			t.Errorf("New(%q) succeeded", u)
		} else if strings.Contains(err.Error(), "pw@") {
			t.Errorf("error shows user info: %v", err)
		}
	}
	if _, err := New(Options{BaseURL: "https://x/dxsca-web", CAFile: "/nonexistent/ca.pem"}); err == nil {
		t.Error("missing CA file accepted")
	}
}

func TestEndpointsFromBaseURL(t *testing.T) {
	for _, base := range []string{"https://api.test/dxsca-web", "https://api.test/dxsca-web/"} {
		c, err := New(Options{BaseURL: base})
		if err != nil {
			t.Fatal(err)
		}
		if c.login != "https://api.test/dxsca-web/login" || c.ping != "https://api.test/dxsca-web/ping" || c.logout != "https://api.test/dxsca-web/logout" {
			t.Errorf("%s: %s %s %s", base, c.login, c.ping, c.logout)
		}
	}
}

func TestObserve(t *testing.T) {
	type obs struct {
		op     string
		status int
	}
	var got []obs
	rec := func(o *Options) {
		o.Observe = func(op string, status int, d time.Duration) {
			if d < 0 {
				t.Errorf("negative duration")
			}
			got = append(got, obs{op, status})
		}
	}
	s := newSim(swayapitest.Options{})
	c := newClient(t, s.Transport(), rec)
	ctx := context.Background()
	sess, err := c.Login(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	c.Ping(ctx, sess.Token)
	c.Logout(ctx, sess.Token)
	c.Ping(ctx, sess.Token)
	want := []obs{{"login", 200}, {"ping", 200}, {"logout", 200}, {"ping", 401}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("observed %v, want %v", got, want)
	}
	got = nil
	c = newClient(t, failingTransport{}, rec)
	c.Ping(ctx, goodToken)
	if fmt.Sprint(got) != fmt.Sprint([]obs{{"ping", 0}}) {
		t.Errorf("no answer observed as %v", got)
	}
}

type failingTransport struct{}

func (failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("connection reset by peer")
}
