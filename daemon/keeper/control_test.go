package keeper

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/swaykeep/swaykeep/daemon/swayapi"
	"github.com/swaykeep/swaykeep/daemon/swayapi/swayapitest"
)

// SetSink publishes the current token to the new sink, with no login.
func TestSetSinkPublishesWithoutLogin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, swayapitest.Options{})
		s1 := h.sink()
		k, stop := h.start(h.account("alpha", "alice", password), s1)
		defer stop()
		h.advance(time.Minute, time.Second, s1)
		s2 := h.sink()
		k.SetSink(s2)
		synctest.Wait()
		t1, e1 := s1.current()
		t2, e2 := s2.current()
		if t2.IsZero() || t1 != t2 || !e1.Equal(e2) {
			t.Error("the new sink did not get the current token")
		}
		h.advance(time.Hour, 10*time.Second, s2)
		if st := h.sim.Stats("alice"); st.Logins != 1 {
			t.Errorf("%d logins", st.Logins)
		}
		if _, e := s2.current(); !e.After(e1) {
			t.Error("pings do not reach the new sink")
		}
	})
}

// SetTimings reschedules the next ping; a fixed interval is kept exactly.
func TestSetTimingsReschedules(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, swayapitest.Options{})
		s := h.sink()
		k, stop := h.start(h.account("alpha", "alice", password), s)
		defer stop()
		h.advance(time.Minute, time.Second, s)
		k.SetTimings(time.Minute, 5*time.Second)
		h.advance(10*time.Minute, time.Second, s)
		if st := h.sim.Stats("alice"); st.Pings < 10 || st.Pings > 11 || st.Logins != 1 {
			t.Errorf("stats %+v: want a ping a minute, no login", st)
		}
		k.SetTimings(time.Hour, 5*time.Second) // longer than the timeout: clamped
		h.advance(2*time.Hour, time.Minute, s)
		if st := h.sim.Stats("alice"); st.Logins != 1 || k.Status().State != Active {
			t.Errorf("stats %+v, state %s: an interval past the timeout must not lose the session", st, k.Status().State)
		}
	})
}

// Relogin of an active account logs the session out and logs in again.
func TestReloginActive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, swayapitest.Options{})
		s := h.sink()
		k, stop := h.start(h.account("alpha", "alice", password), s)
		defer stop()
		h.advance(time.Minute, time.Second, s)
		old, _ := s.current()
		k.Relogin()
		h.advance(2*time.Second, time.Second, s)
		tok, _ := s.current()
		if tok.IsZero() || tok == old || k.Status().State != Active {
			t.Errorf("after Relogin: new token %v, state %s", tok != old, k.Status().State)
		}
		if st := h.sim.Stats("alice"); st.Logins != 2 || st.Logouts != 1 || st.MaxSessions != 1 {
			t.Errorf("stats %+v", st)
		}
	})
}

// A server that sends no timeout: ping every 60s, said once in the log.
func TestNoServerTimeoutFallsBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, swayapitest.Options{TimeoutForm: "none"})
		s := h.sink()
		k, stop := h.start(h.account("alpha", "alice", password), s)
		defer stop()
		h.advance(time.Hour, 10*time.Second, s)
		if st := h.sim.Stats("alice"); st.Pings < 59 || st.Pings > 60 || st.Logins != 1 {
			t.Errorf("stats %+v: want a ping a minute", st)
		}
		if st := k.Status(); st.Timeout != 0 || st.State != Active {
			t.Errorf("status %+v", st)
		}
		h.logMu.Lock()
		n := strings.Count(h.logs.String(), "no usable session timeout")
		h.logMu.Unlock()
		if n != 1 {
			t.Errorf("fallback logged %d times, want once", n)
		}
	})
}

// Login timeouts (no answer within request_timeout) back off like any
// transient failure; logins are never concurrent for one account.
func TestSlowServer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, swayapitest.Options{})
		h.sim.SetFaults(swayapitest.Faults{Latency: time.Minute})
		s := h.sink()
		k, stop := h.start(h.account("alpha", "alice", password), s)
		defer stop()
		h.advance(3*time.Minute, time.Second, s)
		if st := k.Status(); st.State != Backoff || !strings.Contains(st.LastError, "transient") {
			t.Errorf("status %+v", st)
		}
		h.sim.SetFaults(swayapitest.Faults{})
		h.advance(6*time.Minute, time.Second, s)
		if st := h.sim.Stats("alice"); st.MaxSessions != 1 || k.Status().State != Active {
			t.Errorf("stats %+v, state %s", st, k.Status().State)
		}
	})
}

// Events carry no secret; Stopped is the last event.
func TestEventsCarryNoSecret(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, swayapitest.Options{})
		s := h.sink()
		_, stop := h.start(h.account("alpha", "alice", "wrong-SENTINEL"), s)
		h.advance(time.Minute, time.Second, s)
		stop()
		h.evMu.Lock()
		defer h.evMu.Unlock()
		for _, e := range h.events {
			if strings.Contains(e.Err, "SENTINEL") {
				t.Errorf("event leaks the password: %+v", e)
			}
		}
		if last := h.events[len(h.events)-1]; last.New != Stopped || last.Old != Rejected {
			t.Errorf("last event %+v", last)
		}
	})
}

// Run returns nil at once when its context is cancelled, even while a
// login waits for the limiter.
func TestStopWhileWaitingForLimiter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, swayapitest.Options{})
		h.lims.Pause("127.0.0.1", time.Hour)
		k, stop := h.start(h.account("alpha", "alice", password), h.sink())
		synctest.Wait()
		if st := k.Status().State; st != Pending {
			t.Errorf("state %s while the limiter is paused", st)
		}
		stop() // returns: no leak, no hang
		if _, _, err := k.Token(context.Background(), 0, true); err == nil {
			t.Error("token from a keeper that never logged in")
		}
	})
}

// A wrong base URL (404) backs off long, with an error that says where to
// look, instead of hammering the server.
func TestBadRequestBacksOffLong(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, swayapitest.Options{})
		c, err := swayapi.New(swayapi.Options{BaseURL: "http://127.0.0.1/wrong-base/", Transport: h.sim.Transport()})
		if err != nil {
			t.Fatal(err)
		}
		h.client = c
		a := h.account("alpha", "alice", password)
		a.APIURL = "http://127.0.0.1/wrong-base/"
		s := h.sink()
		k, stop := h.start(a, s)
		defer stop()
		h.advance(10*time.Minute, 10*time.Second, s)
		st := k.Status()
		if st.State != Backoff || !strings.Contains(st.LastError, "api_url") || st.NextAttempt.Sub(h.wall()) < 3*time.Minute {
			t.Errorf("status %+v", st)
		}
		if st.Logins != 1 {
			t.Errorf("%d logins tried in 10 minutes, want 1", st.Logins)
		}
	})
}
