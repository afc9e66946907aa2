package swayapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/swaykeep/swaykeep/config/secret"
	"github.com/swaykeep/swaykeep/daemon/swayapi/swayapitest"
)

// The outcome table again, this time against the simulator's own answers.

func TestAgainstSimulator(t *testing.T) {
	ctx := context.Background()
	s := newSim(swayapitest.Options{})
	c := newClient(t, s.Transport())

	sess, err := c.Login(ctx, alice)
	if err != nil || sess.Timeout != 30*time.Minute || sess.Token == "" {
		t.Fatalf("login: %+v %v", sess, err)
	}
	p, err := c.Ping(ctx, sess.Token)
	if err != nil || p.Token != sess.Token || p.Timeout != 30*time.Minute {
		t.Fatalf("ping: %v", err)
	}
	if err := c.Logout(ctx, sess.Token); err != nil {
		t.Fatalf("logout: %v", err)
	}
	for name, tc := range map[string]struct {
		err  error
		want error
	}{
		"ping after logout":   {pingErr(c, sess.Token), ErrSessionGone},
		"logout after logout": {c.Logout(ctx, sess.Token), ErrSessionGone},
		"ping of a stranger":  {pingErr(c, "c3RyYW5nZXI"), ErrSessionGone},
		"wrong password":      {loginErr(c, Credentials{Username: "alice", Domain: "default", Password: "nope"}), ErrRejected},
		"wrong domain":        {loginErr(c, Credentials{Username: "alice", Domain: "other", Password: sentinelPassword}), ErrRejected},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: %v, want %v", name, tc.err, tc.want)
		}
		noSecrets(t, tc.err, sess.Token)
	}
	var e *Error
	if err := loginErr(c, Credentials{Username: "alice", Password: "nope"}); !errors.As(err, &e) || e.Code != "3" || e.Description != "Incorrect username or password" {
		t.Errorf("wrong password: %#v", e)
	}

	s.SetDisabled("alice", true)
	if err := loginErr(c, alice); !errors.Is(err, ErrDisabled) {
		t.Errorf("disabled: %v", err)
	}
	s.SetDisabled("alice", false)

	sess, _ = c.Login(ctx, alice)
	s.ForceLogout("alice")
	if err := pingErr(c, sess.Token); !errors.Is(err, ErrSessionGone) {
		t.Errorf("forced logout: %v", err)
	}
	sess, _ = c.Login(ctx, alice)
	s.Restart()
	if err := pingErr(c, sess.Token); !errors.Is(err, ErrSessionGone) {
		t.Errorf("restart: %v", err)
	}

	// Faults: 5xx, 429 with Retry-After, HTML errors, drops, extra fields.
	sess, _ = c.Login(ctx, alice)
	s.SetFaults(swayapitest.Faults{Errors5xx: 1})
	if err := pingErr(c, sess.Token); !errors.Is(err, ErrTransient) {
		t.Errorf("5xx: %v", err)
	}
	s.SetFaults(swayapitest.Faults{Errors429: 1, RetryAfter: 4 * time.Second})
	if err := pingErr(c, sess.Token); !errors.Is(err, ErrRateLimited) {
		t.Errorf("429: %v", err)
	} else if d, _ := RetryAfter(err); d != 4*time.Second {
		t.Errorf("Retry-After %v", d)
	}
	s.SetFaults(swayapitest.Faults{HTMLErrors: true, Errors5xx: 1})
	if err := pingErr(c, sess.Token); !errors.Is(err, ErrTransient) {
		t.Errorf("HTML 503: %v", err)
	}
	if err := loginErr(c, Credentials{Username: "alice", Password: "nope"}); !errors.Is(err, ErrRejected) {
		t.Errorf("HTML 401 on login: %v", err)
	}
	if err := pingErr(c, "dead"); !errors.Is(err, ErrSessionGone) {
		t.Errorf("HTML 401 on ping: %v", err)
	}
	s.SetFaults(swayapitest.Faults{Drop: 1})
	if err := pingErr(c, sess.Token); !errors.Is(err, ErrTransient) || !errors.Is(err, swayapitest.ErrDropped) {
		t.Errorf("drop: %v", err)
	}
	s.SetFaults(swayapitest.Faults{ExtraFields: true})
	if p, err := c.Ping(ctx, sess.Token); err != nil || p.Token != sess.Token {
		t.Errorf("extra fields: %v", err)
	}
	if st := s.Stats("alice"); st.Logins != 4 || st.MaxSessions != 1 {
		t.Errorf("stats %+v", st)
	}
}

func pingErr(c *Client, tok secret.Secret) error {
	_, err := c.Ping(context.Background(), tok)
	return err
}

func loginErr(c *Client, cr Credentials) error {
	_, err := c.Login(context.Background(), cr)
	return err
}

func TestLoginLimitAgainstSimulator(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := swayapitest.New(swayapitest.Options{}) // 1 login/s per source IP
		s.AddUser("alice", "default", sentinelPassword)
		c := newClient(t, s.Transport())
		if err := loginErr(c, alice); err != nil {
			t.Fatal(err)
		}
		if err := loginErr(c, alice); !errors.Is(err, ErrRateLimited) {
			t.Errorf("second login within a second: %v", err)
		}
		time.Sleep(time.Second)
		if err := loginErr(c, alice); err != nil {
			t.Errorf("login a second later: %v", err)
		}
	})
}

func TestExpiryAgainstSimulator(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(swayapitest.Options{Timeout: 2 * time.Second})
		c := newClient(t, s.Transport())
		sess, err := c.Login(context.Background(), alice)
		if err != nil || sess.Timeout != 2*time.Second {
			t.Fatalf("login: %+v %v", sess, err)
		}
		time.Sleep(1900 * time.Millisecond)
		if err := pingErr(c, sess.Token); err != nil {
			t.Fatalf("ping in time: %v", err)
		}
		time.Sleep(3 * time.Second)
		if err := pingErr(c, sess.Token); !errors.Is(err, ErrSessionGone) {
			t.Errorf("ping after expiry: %v", err)
		}
	})
}

func TestRequestTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(swayapitest.Options{})
		s.SetFaults(swayapitest.Faults{Latency: time.Minute})
		c := newClient(t, s.Transport(), func(o *Options) { o.RequestTimeout = 3 * time.Second })
		start := time.Now()
		err := loginErr(c, alice)
		if !errors.Is(err, ErrTransient) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("slow login: %v", err)
		}
		if d := time.Since(start); d != 3*time.Second {
			t.Errorf("gave up after %v, want 3s", d)
		}
		// The caller's context wins when it ends first.
		ctx, cancel := context.WithCancel(context.Background())
		go func() { time.Sleep(time.Second); cancel() }()
		_, err = c.Ping(ctx, goodToken)
		if !errors.Is(err, ErrTransient) || !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled ping: %v", err)
		}
		// The default is 10s.
		c = newClient(t, s.Transport())
		start = time.Now()
		loginErr(c, alice)
		if d := time.Since(start); d != DefaultRequestTimeout {
			t.Errorf("default timeout %v", d)
		}
	})
}

func TestTimeoutFormsAgainstSimulator(t *testing.T) {
	for _, form := range swayapitest.TimeoutForms {
		s := newSim(swayapitest.Options{Timeout: 90 * time.Minute, TimeoutForm: form})
		sess, err := newClient(t, s.Transport()).Login(context.Background(), alice)
		want := 90 * time.Minute
		if form == "none" {
			want = 0
		}
		if err != nil || sess.Timeout != want {
			t.Errorf("form %s: timeout %v (%v), want %v", form, sess.Timeout, err, want)
		}
	}
}

// TestHeaderRules checks what goes on the wire (api/sway-auth.md, "Calls").
func TestHeaderRules(t *testing.T) {
	var got []*http.Request
	var bodies []string
	rt := handlerTransport{http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got, bodies = append(got, r), append(bodies, string(b))
		io.WriteString(w, `{"sessionToken":"`+goodToken.Reveal()+`","timeout":"00:30:00"}`)
	})}
	c := newClient(t, rt)
	ctx := context.Background()
	c.Login(ctx, alice)
	c.Ping(ctx, goodToken)
	c.Logout(ctx, goodToken)
	if len(got) != 3 {
		t.Fatalf("%d requests", len(got))
	}
	for i, want := range []string{"/dxsca-web/login", "/dxsca-web/ping", "/dxsca-web/logout"} {
		r := got[i]
		if r.Method != "POST" || r.URL.Path != want {
			t.Errorf("request %d: %s %s", i, r.Method, r.URL.Path)
		}
		if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "swaykeep/") {
			t.Errorf("%s: User-Agent %q", want, ua)
		}
		if r.Header.Get("Accept") != "application/json" {
			t.Errorf("%s: Accept %q", want, r.Header.Get("Accept"))
		}
	}
	login := got[0]
	if _, ok := login.Header["Authorization"]; ok {
		t.Error("login carries an Authorization header")
	}
	if login.Header.Get("Content-Type") != "application/json" {
		t.Errorf("login Content-Type %q", login.Header.Get("Content-Type"))
	}
	if bodies[0] != `{"username":"alice","domain":"default","password":"`+sentinelPassword+`"}` {
		t.Errorf("login body %s", bodies[0])
	}
	for i := 1; i < 3; i++ {
		if a := got[i].Header.Values("Authorization"); len(a) != 1 || a[0] != "DXAPI "+goodToken.Reveal() {
			t.Errorf("%s: Authorization %q", got[i].URL.Path, a)
		}
		if bodies[i] != "" || got[i].ContentLength != 0 {
			t.Errorf("%s: body %q", got[i].URL.Path, bodies[i])
		}
	}
	// A custom User-Agent replaces the default.
	got = nil
	newClient(t, rt, func(o *Options) { o.UserAgent = "probe/1" }).Ping(ctx, goodToken)
	if got[0].Header.Get("User-Agent") != "probe/1" {
		t.Errorf("User-Agent %q", got[0].Header.Get("User-Agent"))
	}
}

func TestPingAnswersAgainstSimulator(t *testing.T) {
	for _, answer := range swayapitest.PingAnswers {
		s := newSim(swayapitest.Options{PingAnswer: answer})
		c := newClient(t, s.Transport())
		sess, err := c.Login(context.Background(), alice)
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.Ping(context.Background(), sess.Token)
		want := time.Duration(0)
		if answer == "session" {
			want = 30 * time.Minute
		}
		if err != nil || p.Token != sess.Token || p.Timeout != want {
			t.Errorf("PingAnswer %q: %v, timeout %v, want %v", answer, err, p.Timeout, want)
		}
	}
}
