package swayapitest

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestLoginPingLogout(t *testing.T) {
	s := unlimited(Options{})
	r := login(t, s, "alice", "default", "secret")
	wantStatus(t, "login", r, 200)
	tok, _ := r.json["sessionToken"].(string)
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{20,}$`).MatchString(tok) {
		t.Errorf("token %q is not URL-safe", tok)
	}
	if r.json["timeout"] != "00:30:00" {
		t.Errorf("timeout = %v, want \"00:30:00\"", r.json["timeout"])
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	p := ping(t, s, tok)
	wantStatus(t, "ping", p, 200)
	if p.json["sessionToken"] != tok || p.json["timeout"] != "00:30:00" {
		t.Errorf("ping answer %s", p.raw)
	}
	wantStatus(t, "logout", logout(t, s, tok), 200)
	wantStatus(t, "ping after logout", ping(t, s, tok), 401)
	wantStatus(t, "logout after logout", logout(t, s, tok), 401)
	want := Stats{Logins: 1, Pings: 1, FailedPings: 1, Logouts: 1, MaxSessions: 1}
	if got := s.Stats("alice"); got != want {
		t.Errorf("stats %+v, want %+v", got, want)
	}
}

func TestAuthorizationForms(t *testing.T) {
	s := unlimited(Options{})
	tok := mustLogin(t, s, "alice", "default", "secret")
	for name, hdr := range map[string]string{
		"none":         "",
		"bearer":       "Bearer " + tok,
		"lower-case":   "dxapi " + tok,
		"two spaces":   "DXAPI  " + tok,
		"no token":     "DXAPI",
		"quoted":       `DXAPI "` + tok + `"`,
		"unknown":      "DXAPI unknown-token",
		"token alone":  tok,
		"trailing spc": "DXAPI " + tok + " ",
	} {
		h := map[string]string{}
		if hdr != "" {
			h["Authorization"] = hdr
		}
		wantStatus(t, name, do(t, s, "POST", base+"ping", h, ""), 401)
	}
	req := httptest.NewRequest("POST", "/dxsca-web/ping", nil)
	req.Header.Add("Authorization", "DXAPI "+tok)
	req.Header.Add("Authorization", "DXAPI "+tok)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != 401 {
		t.Errorf("two Authorization headers: %d, want 401", rec.Code)
	}
	wantStatus(t, "DXAPI <token>", ping(t, s, tok), 200)
}

func TestLoginRefusals(t *testing.T) {
	s := unlimited(Options{})
	for _, tc := range []struct {
		name   string
		method string
		path   string
		hdr    map[string]string
		body   string
		status int
		code   string
	}{
		{"wrong password", "POST", "login", jsonCT, `{"username":"alice","domain":"default","password":"nope"}`, 401, "3"},
		{"wrong domain", "POST", "login", jsonCT, `{"username":"alice","domain":"other","password":"secret"}`, 401, "3"},
		{"unknown user", "POST", "login", jsonCT, `{"username":"carol","domain":"default","password":"secret"}`, 401, "3"},
		{"no fields", "POST", "login", jsonCT, `{}`, 401, "3"},
		{"text/plain", "POST", "login", map[string]string{"Content-Type": "text/plain"}, `{"username":"alice","domain":"default","password":"secret"}`, 415, ""},
		{"form", "POST", "login", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, `username=alice`, 415, ""},
		{"no content type", "POST", "login", nil, `{"username":"alice","domain":"default","password":"secret"}`, 415, ""},
		{"not json", "POST", "login", jsonCT, `username=alice`, 415, ""},
		{"json array", "POST", "login", jsonCT, `["alice"]`, 415, ""},
		{"number field", "POST", "login", jsonCT, `{"username":1,"domain":"default","password":"secret"}`, 400, ""},
		{"GET login", "GET", "login", nil, "", 405, ""},
		{"GET ping", "GET", "ping", nil, "", 405, ""},
		{"unknown call", "POST", "accounts", jsonCT, "", 404, ""},
		{"outside base", "POST", "http://sim.test/login", jsonCT, "", 404, ""},
		{"accept html", "POST", "login", map[string]string{"Content-Type": "application/json", "Accept": "text/html"}, `{"username":"alice","domain":"default","password":"secret"}`, 406, ""},
		{"oversized", "POST", "login", jsonCT, `{"username":"` + strings.Repeat("a", maxRequestBody) + `"}`, 413, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := tc.path
			if !strings.HasPrefix(url, "http") {
				url = base + url
			}
			r := do(t, s, tc.method, url, tc.hdr, tc.body)
			wantStatus(t, tc.name, r, tc.status)
			code, ok := r.json["errorCode"].(string)
			if !ok {
				t.Errorf("errorCode is not a JSON string: %s", r.raw)
			}
			if tc.code != "" && code != tc.code {
				t.Errorf("errorCode %q, want %q", code, tc.code)
			}
			if tc.status == 401 && r.json["description"] != "Incorrect username or password" {
				t.Errorf("description: %s", r.raw)
			}
			if tc.status == 405 && r.header.Get("Allow") != "POST" {
				t.Errorf("Allow = %q", r.header.Get("Allow"))
			}
		})
	}
	if st := s.Stats("alice"); st.Logins != 0 || st.Sessions != 0 {
		t.Errorf("refused logins made a session: %+v", st)
	}
}

func TestExpiryAfterInactivity(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := unlimited(Options{Timeout: 2 * time.Second})
		tok := mustLogin(t, s, "alice", "default", "secret")
		for i := range 5 { // each ping resets the timer: 5 × 1.5s > 2s
			time.Sleep(1500 * time.Millisecond)
			wantStatus(t, "ping in time", ping(t, s, tok), 200)
			_ = i
		}
		time.Sleep(2 * time.Second) // exactly the timeout: still alive
		wantStatus(t, "ping at the timeout", ping(t, s, tok), 200)
		time.Sleep(3 * time.Second)
		wantStatus(t, "ping 3s after the last request", ping(t, s, tok), 401)
		if st := s.Stats("alice"); st.Sessions != 0 || st.Pings != 6 || st.FailedPings != 1 {
			t.Errorf("stats %+v", st)
		}
		// Logout of an expired session is a 401 too.
		tok = mustLogin(t, s, "alice", "default", "secret")
		time.Sleep(2*time.Second + time.Millisecond)
		wantStatus(t, "logout after expiry", logout(t, s, tok), 401)
	})
}

func TestLoginLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New(Options{})
		s.AddUser("alice", "default", "secret")
		s.AddUser("bob", "default", "hunter2")
		mustLogin(t, s, "alice", "default", "secret")
		r := login(t, s, "bob", "default", "hunter2")
		wantStatus(t, "second login within a second", r, 429)
		if r.header.Get("Retry-After") != "" {
			t.Errorf("Retry-After sent without a RetryAfter fault")
		}
		time.Sleep(time.Second)
		mustLogin(t, s, "bob", "default", "hunter2")
		// A wrong password counts against the limit too.
		time.Sleep(time.Second)
		wantStatus(t, "wrong password", login(t, s, "bob", "default", "x"), 401)
		wantStatus(t, "after a wrong password", login(t, s, "bob", "default", "hunter2"), 429)
		if st := s.Stats("bob"); st.Logins != 1 || st.FailedLogins != 3 { // 429, 401, 429
			t.Errorf("bob %+v", st)
		}
	})
}

func TestLoginLimitPerSourceIP(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New(Options{LoginRate: 2, LoginBurst: 2})
		s.AddUser("alice", "default", "secret")
		body := `{"username":"alice","domain":"default","password":"secret"}`
		from := func(addr string) int {
			req := httptest.NewRequest("POST", "/dxsca-web/login", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.RemoteAddr = addr
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			return rec.Code
		}
		for i, want := range []int{200, 200, 429} { // burst 2
			if got := from("10.0.0.1:1000"); got != want {
				t.Errorf("10.0.0.1 login %d: %d, want %d", i, got, want)
			}
		}
		if got := from("10.0.0.2:1000"); got != 200 {
			t.Errorf("another source IP: %d, want 200", got)
		}
		time.Sleep(500 * time.Millisecond) // 2/s: one token back
		if got := from("10.0.0.1:2000"); got != 200 {
			t.Errorf("10.0.0.1 after 0.5s: %d, want 200", got)
		}
	})
}

func TestUnlimitedLogins(t *testing.T) {
	s := unlimited(Options{ConcurrentSessions: true})
	for range 20 {
		mustLogin(t, s, "alice", "default", "secret")
	}
	if st := s.Stats("alice"); st.Sessions != 20 || st.MaxSessions != 20 {
		t.Errorf("stats %+v", st)
	}
}

func TestOneSessionPerUser(t *testing.T) {
	s := unlimited(Options{})
	first := mustLogin(t, s, "alice", "default", "secret")
	second := mustLogin(t, s, "alice", "default", "secret")
	wantStatus(t, "old session", ping(t, s, first), 401)
	wantStatus(t, "new session", ping(t, s, second), 200)
	if st := s.Stats("alice"); st.Sessions != 1 || st.MaxSessions != 1 || st.Logins != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestConcurrentSessions(t *testing.T) {
	s := unlimited(Options{ConcurrentSessions: true})
	first := mustLogin(t, s, "alice", "default", "secret")
	second := mustLogin(t, s, "alice", "default", "secret")
	mustLogin(t, s, "bob", "default", "hunter2")
	wantStatus(t, "first", ping(t, s, first), 200)
	wantStatus(t, "second", ping(t, s, second), 200)
	if st := s.Stats("alice"); st.Sessions != 2 || st.MaxSessions != 2 {
		t.Errorf("alice %+v", st)
	}
	if st := s.Totals(); st.Sessions != 3 || st.MaxSessions != 3 || st.Logins != 3 {
		t.Errorf("totals %+v", st)
	}
}

func TestForceLogout(t *testing.T) {
	s := unlimited(Options{})
	a := mustLogin(t, s, "alice", "default", "secret")
	b := mustLogin(t, s, "bob", "default", "hunter2")
	s.ForceLogout("alice")
	wantStatus(t, "alice after forced logout", ping(t, s, a), 401)
	wantStatus(t, "bob", ping(t, s, b), 200)
	s.ForceLogoutAll()
	wantStatus(t, "bob after logout of all", ping(t, s, b), 401)
	mustLogin(t, s, "alice", "default", "secret") // a forced-out user may log in again
}

func TestSetDisabled(t *testing.T) {
	s := unlimited(Options{})
	tok := mustLogin(t, s, "alice", "default", "secret")
	s.SetDisabled("alice", true)
	wantStatus(t, "ping of a disabled user", ping(t, s, tok), 401)
	wantStatus(t, "login of a disabled user", login(t, s, "alice", "default", "secret"), 403)
	wantStatus(t, "wrong password of a disabled user", login(t, s, "alice", "default", "x"), 401)
	s.SetDisabled("alice", false)
	mustLogin(t, s, "alice", "default", "secret")
}

func TestSetPassword(t *testing.T) {
	s := unlimited(Options{})
	tok := mustLogin(t, s, "alice", "default", "secret")
	s.SetPassword("alice", "", "rotated")
	wantStatus(t, "session survives a password change", ping(t, s, tok), 200)
	wantStatus(t, "old password", login(t, s, "alice", "default", "secret"), 401)
	mustLogin(t, s, "alice", "default", "rotated")
}

func TestRestart(t *testing.T) {
	s := unlimited(Options{})
	a := mustLogin(t, s, "alice", "default", "secret")
	s.Restart()
	wantStatus(t, "ping after restart", ping(t, s, a), 401)
	if st := s.Stats("alice"); st.Logins != 1 || st.Sessions != 0 {
		t.Errorf("stats after restart %+v", st)
	}
	mustLogin(t, s, "alice", "default", "secret")
}

func TestTimeoutForms(t *testing.T) {
	for _, tc := range []struct {
		form    string
		timeout time.Duration
		want    any // as decoded into any
	}{
		{"", 30 * time.Minute, "00:30:00"},
		{"hms", 30 * time.Minute, "00:30:00"},
		{"hms", 26*time.Hour + 5*time.Minute + 8*time.Second, "26:05:08"},
		{"hms", 1500 * time.Millisecond, "00:00:01.5"},
		{"iso", 30 * time.Minute, "PT30M"},
		{"iso", 26*time.Hour + 2*time.Second, "PT26H2S"},
		{"iso", 500 * time.Millisecond, "PT0.5S"},
		{"millis", 30 * time.Minute, float64(1800000)},
		{"string-millis", 30 * time.Minute, "1800000"},
		{"none", 30 * time.Minute, nil},
	} {
		s := unlimited(Options{Timeout: tc.timeout, TimeoutForm: tc.form})
		r := login(t, s, "alice", "default", "secret")
		got, present := r.json["timeout"]
		if got != tc.want || present != (tc.want != nil) {
			t.Errorf("form %q of %v: timeout %#v (present %v), want %#v; body %s", tc.form, tc.timeout, got, present, tc.want, r.raw)
		}
		tok, _ := r.json["sessionToken"].(string)
		if p := ping(t, s, tok); p.json["timeout"] != tc.want {
			t.Errorf("form %q: ping timeout %#v", tc.form, p.json["timeout"])
		}
	}
}

func TestUnknownTimeoutFormPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New accepted an unknown TimeoutForm")
		}
	}()
	New(Options{TimeoutForm: "weeks"})
}

func TestOutsideBaseIsNotFound(t *testing.T) {
	s := unlimited(Options{})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != 404 {
		t.Errorf("GET /: %d", rec.Code)
	}
}

func TestPingAnswers(t *testing.T) {
	for answer, want := range map[string]string{"": "session", "session": "session", "{}": "{}", "empty": ""} {
		s := unlimited(Options{PingAnswer: answer})
		tok := mustLogin(t, s, "alice", "default", "secret")
		r := ping(t, s, tok)
		wantStatus(t, "ping "+answer, r, 200)
		got := r.raw
		if want == "session" {
			if r.json["sessionToken"] != tok {
				t.Errorf("PingAnswer %q: %s", answer, r.raw)
			}
			continue
		}
		if got != want {
			t.Errorf("PingAnswer %q: body %q, want %q", answer, got, want)
		}
		wantStatus(t, "session still alive", logout(t, s, tok), 200)
	}
}
