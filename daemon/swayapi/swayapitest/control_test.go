package swayapitest

import (
	"testing"
	"time"
)

const ctl = "http://sim.test/_sim/"

func TestControlUsers(t *testing.T) {
	s := unlimited(Options{})
	wantStatus(t, "add", do(t, s, "POST", ctl+"users", jsonCT, `{"username":"carol","domain":"default","password":"pw1"}`), 200)
	tok := mustLogin(t, s, "carol", "default", "pw1")
	wantStatus(t, "password", do(t, s, "POST", ctl+"users/carol/password", jsonCT, `{"password":"pw2"}`), 200)
	wantStatus(t, "session stays", ping(t, s, tok), 200)
	wantStatus(t, "old password", login(t, s, "carol", "default", "pw1"), 401)
	mustLogin(t, s, "carol", "default", "pw2")

	wantStatus(t, "unknown user", do(t, s, "POST", ctl+"users/nobody/password", jsonCT, `{"password":"x"}`), 404)
	wantStatus(t, "no username", do(t, s, "POST", ctl+"users", jsonCT, `{"password":"x"}`), 400)
	wantStatus(t, "unknown field", do(t, s, "POST", ctl+"users", jsonCT, `{"username":"d","passwd":"x"}`), 400)
	wantStatus(t, "not JSON", do(t, s, "POST", ctl+"users", jsonCT, `carol`), 400)
}

func TestControlForcedLogout(t *testing.T) {
	s := unlimited(Options{})
	a := mustLogin(t, s, "alice", "default", "secret")
	b := mustLogin(t, s, "bob", "default", "hunter2")
	wantStatus(t, "logout alice", do(t, s, "POST", ctl+"users/alice/logout", nil, ""), 200)
	wantStatus(t, "alice", ping(t, s, a), 401)
	wantStatus(t, "bob", ping(t, s, b), 200)
	wantStatus(t, "logout all", do(t, s, "POST", ctl+"logout", nil, ""), 200)
	wantStatus(t, "bob after all", ping(t, s, b), 401)
	wantStatus(t, "unknown user", do(t, s, "POST", ctl+"users/nobody/logout", nil, ""), 404)
}

func TestControlDisableEnable(t *testing.T) {
	s := unlimited(Options{})
	a := mustLogin(t, s, "alice", "default", "secret")
	wantStatus(t, "disable", do(t, s, "POST", ctl+"users/alice/disable", nil, ""), 200)
	wantStatus(t, "ping", ping(t, s, a), 401)
	wantStatus(t, "login", login(t, s, "alice", "default", "secret"), 403)
	wantStatus(t, "enable", do(t, s, "POST", ctl+"users/alice/enable", nil, ""), 200)
	mustLogin(t, s, "alice", "default", "secret")
}

func TestControlFaults(t *testing.T) {
	s := unlimited(Options{})
	r := do(t, s, "PUT", ctl+"faults", jsonCT, `{"errors_5xx":2,"errors_429":1,"retry_after":"2s","latency":"10ms","drop":1,"html_errors":true,"extra_fields":true}`)
	wantStatus(t, "set", r, 200)
	want := Faults{Errors5xx: 2, Errors429: 1, RetryAfter: 2 * time.Second, Latency: 10 * time.Millisecond, Drop: 1, HTMLErrors: true, ExtraFields: true}
	if got := s.CurrentFaults(); got != want {
		t.Errorf("faults %+v, want %+v", got, want)
	}
	r = do(t, s, "GET", ctl+"faults", nil, "")
	if r.json["retry_after"] != "2s" || r.json["errors_5xx"] != float64(2) {
		t.Errorf("GET faults: %s", r.raw)
	}
	wantStatus(t, "clear", do(t, s, "DELETE", ctl+"faults", nil, ""), 200)
	if got := s.CurrentFaults(); got != (Faults{}) {
		t.Errorf("after DELETE: %+v", got)
	}
	wantStatus(t, "POST works too", do(t, s, "POST", ctl+"faults", jsonCT, `{"errors_5xx":1}`), 200)
	wantStatus(t, "injected", ping(t, s, "x"), 503)
	wantStatus(t, "bad duration", do(t, s, "PUT", ctl+"faults", jsonCT, `{"latency":"soon"}`), 400)
	wantStatus(t, "negative count", do(t, s, "PUT", ctl+"faults", jsonCT, `{"drop":-1}`), 400)
	wantStatus(t, "typo", do(t, s, "PUT", ctl+"faults", jsonCT, `{"errors5xx":1}`), 400)
}

func TestControlRestart(t *testing.T) {
	s := unlimited(Options{})
	a := mustLogin(t, s, "alice", "default", "secret")
	wantStatus(t, "restart", do(t, s, "POST", ctl+"restart", nil, ""), 200)
	wantStatus(t, "ping after restart", ping(t, s, a), 401)
}

func TestControlStats(t *testing.T) {
	s := unlimited(Options{})
	tok := mustLogin(t, s, "alice", "default", "secret")
	ping(t, s, tok)
	login(t, s, "bob", "default", "wrong")
	r := do(t, s, "GET", ctl+"stats", nil, "")
	wantStatus(t, "stats", r, 200)
	totals, _ := r.json["totals"].(map[string]any)
	users, _ := r.json["users"].(map[string]any)
	alice, _ := users["alice"].(map[string]any)
	bob, _ := users["bob"].(map[string]any)
	if totals["logins"] != float64(1) || totals["failed_logins"] != float64(1) || totals["sessions"] != float64(1) {
		t.Errorf("totals: %s", r.raw)
	}
	if alice["pings"] != float64(1) || alice["max_sessions"] != float64(1) || bob["failed_logins"] != float64(1) {
		t.Errorf("users: %s", r.raw)
	}
	r = do(t, s, "GET", ctl+"stats/alice", nil, "")
	if r.status != 200 || r.json["logins"] != float64(1) || r.json["sessions"] != float64(1) {
		t.Errorf("stats/alice: %d %s", r.status, r.raw)
	}
	wantStatus(t, "unknown", do(t, s, "GET", ctl+"stats/nobody", nil, ""), 404)
	wantStatus(t, "wrong method", do(t, s, "POST", ctl+"stats", nil, ""), 405)
}
