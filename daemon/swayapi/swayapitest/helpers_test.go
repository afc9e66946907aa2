package swayapitest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

const base = "http://sim.test/dxsca-web/"

// reply is one decoded answer.
type reply struct {
	status int
	header http.Header
	raw    string
	json   map[string]any
}

// do sends one request through the in-memory transport.
func do(t *testing.T, s *Simulator, method, url string, hdr map[string]string, body string) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Transport: s.Transport()}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	json.Unmarshal(b, &r.json)
	return r
}

var jsonCT = map[string]string{"Content-Type": "application/json", "Accept": "application/json"}

func login(t *testing.T, s *Simulator, user, domain, password string) reply {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"username": user, "domain": domain, "password": password})
	return do(t, s, "POST", base+"login", jsonCT, string(b))
}

func mustLogin(t *testing.T, s *Simulator, user, domain, password string) string {
	t.Helper()
	r := login(t, s, user, domain, password)
	tok, _ := r.json["sessionToken"].(string)
	if r.status != 200 || tok == "" {
		t.Fatalf("login %s: %d %s", user, r.status, r.raw)
	}
	return tok
}

func ping(t *testing.T, s *Simulator, tok string) reply {
	t.Helper()
	return do(t, s, "POST", base+"ping", map[string]string{"Authorization": "DXAPI " + tok}, "")
}

func logout(t *testing.T, s *Simulator, tok string) reply {
	t.Helper()
	return do(t, s, "POST", base+"logout", map[string]string{"Authorization": "DXAPI " + tok}, "")
}

// unlimited is a simulator without the login limit, for tests about
// something else.
func unlimited(o Options) *Simulator {
	o.LoginRate = -1
	s := New(o)
	s.AddUser("alice", "default", "secret")
	s.AddUser("bob", "default", "hunter2")
	return s
}

func wantStatus(t *testing.T, what string, r reply, status int) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: status %d, want %d (body %s)", what, r.status, status, r.raw)
	}
}
