package swayapitest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// One test per fault (docs/simulator.md, "Faults").

func TestFaultErrors5xx(t *testing.T) {
	s := unlimited(Options{})
	tok := mustLogin(t, s, "alice", "default", "secret")
	s.SetFaults(Faults{Errors5xx: 2})
	wantStatus(t, "first", ping(t, s, tok), 503)
	wantStatus(t, "second", login(t, s, "alice", "default", "secret"), 503)
	wantStatus(t, "third", ping(t, s, tok), 200)
	if f := s.CurrentFaults(); f.Errors5xx != 0 {
		t.Errorf("faults left: %+v", f)
	}
	if st := s.Stats("alice"); st.FailedPings != 1 || st.FailedLogins != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestFaultErrors429(t *testing.T) {
	s := unlimited(Options{})
	tok := mustLogin(t, s, "alice", "default", "secret")
	s.SetFaults(Faults{Errors429: 1})
	r := ping(t, s, tok)
	wantStatus(t, "429 without Retry-After", r, 429)
	if h := r.header.Get("Retry-After"); h != "" {
		t.Errorf("Retry-After %q without RetryAfter", h)
	}
	s.SetFaults(Faults{Errors429: 1, RetryAfter: 1500 * time.Millisecond})
	r = ping(t, s, tok)
	wantStatus(t, "429 with Retry-After", r, 429)
	if h := r.header.Get("Retry-After"); h != "2" {
		t.Errorf("Retry-After %q, want 2 (1.5s rounded up)", h)
	}
	wantStatus(t, "after the burst", ping(t, s, tok), 200)
}

func TestFaultRetryAfterOnLoginLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New(Options{})
		s.AddUser("alice", "default", "secret")
		s.SetFaults(Faults{RetryAfter: 3 * time.Second})
		mustLogin(t, s, "alice", "default", "secret")
		r := login(t, s, "alice", "default", "secret")
		if r.status != 429 || r.header.Get("Retry-After") != "3" {
			t.Errorf("login limit: %d, Retry-After %q", r.status, r.header.Get("Retry-After"))
		}
	})
}

func TestFaultLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := unlimited(Options{})
		s.SetFaults(Faults{Latency: 5 * time.Second})
		start := time.Now()
		mustLogin(t, s, "alice", "default", "secret")
		if d := time.Since(start); d != 5*time.Second {
			t.Errorf("login took %v, want 5s", d)
		}
		// The wait ends with the request's context: no answer, no session.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "POST", base+"login",
			strings.NewReader(`{"username":"bob","domain":"default","password":"hunter2"}`))
		req.Header.Set("Content-Type", "application/json")
		start = time.Now()
		_, err := s.Transport().RoundTrip(req)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("RoundTrip error %v, want deadline exceeded", err)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("cancelled request took %v, want 1s", d)
		}
		if st := s.Stats("bob"); st.Logins != 0 || st.FailedLogins != 1 || st.Sessions != 0 {
			t.Errorf("bob %+v", st)
		}
	})
}

func TestFaultDrop(t *testing.T) {
	s := unlimited(Options{})
	tok := mustLogin(t, s, "alice", "default", "secret")
	s.SetFaults(Faults{Drop: 1})
	req, _ := http.NewRequest("POST", base+"ping", nil)
	req.Header.Set("Authorization", "DXAPI "+tok)
	if _, err := s.Transport().RoundTrip(req); !errors.Is(err, ErrDropped) {
		t.Errorf("dropped ping: %v, want ErrDropped", err)
	}
	wantStatus(t, "after the drop", ping(t, s, tok), 200)
	if st := s.Stats("alice"); st.FailedPings != 1 || st.Pings != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestFaultHTMLErrors(t *testing.T) {
	s := unlimited(Options{})
	s.SetFaults(Faults{HTMLErrors: true, Errors5xx: 1})
	for _, r := range []reply{
		login(t, s, "alice", "default", "secret"), // 503
		login(t, s, "alice", "default", "wrong"),  // 401
	} {
		if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.Contains(r.raw, "<html>") {
			t.Errorf("%d answer is not HTML: %q %s", r.status, r.header.Get("Content-Type"), r.raw)
		}
	}
	r := login(t, s, "alice", "default", "secret")
	if r.status != 200 || r.json["sessionToken"] == nil {
		t.Errorf("success is JSON even with HTMLErrors: %d %s", r.status, r.raw)
	}
}

func TestFaultExtraFields(t *testing.T) {
	s := unlimited(Options{})
	s.SetFaults(Faults{ExtraFields: true})
	r := login(t, s, "alice", "default", "secret")
	if r.json["accountCode"] == nil || r.json["sessionToken"] == nil || r.json["timeout"] != "00:30:00" {
		t.Errorf("login answer %s", r.raw)
	}
	r = login(t, s, "alice", "default", "wrong")
	if r.json["accountCode"] == nil || r.json["errorCode"] != "3" {
		t.Errorf("error answer %s", r.raw)
	}
}

func TestFaultsSkipControlEndpoints(t *testing.T) {
	s := unlimited(Options{})
	s.SetFaults(Faults{Errors5xx: 1, Drop: 1})
	wantStatus(t, "stats under faults", do(t, s, "GET", "http://sim.test/_sim/stats", nil, ""), 200)
	if f := s.CurrentFaults(); f.Errors5xx != 1 || f.Drop != 1 {
		t.Errorf("control request consumed faults: %+v", f)
	}
}
