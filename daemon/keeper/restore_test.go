package keeper

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/swaykeep/swaykeep/daemon/swayapi/swayapitest"
)

// runOnce logs an account in with a store and stops, leaving a saved session.
func runOnce(h *harness, name, user string, d time.Duration) *recSink {
	s := h.sink()
	_, stop := h.start(h.account(name, user, password), s)
	h.advance(d, time.Second, s)
	stop()
	return s
}

// A restart reuses a saved, unexpired session: one verifying ping, no
// login, the same token published; Ready closes once the ping answered.
func TestRestoredSessionVerifiedWithOnePing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, swayapitest.Options{}).withStore()
		first := runOnce(h, "alpha", "alice", 20*time.Minute)
		before := h.sim.Stats("alice")

		h.sim.SetFaults(swayapitest.Faults{Latency: 2 * time.Second})
		s := h.sink()
		k, stop := h.start(h.account("alpha", "alice", password), s)
		defer stop()
		synctest.Wait()
		select {
		case <-k.Ready():
			t.Fatal("ready before the verifying ping answered")
		default:
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		select {
		case <-k.Ready():
		default:
			t.Fatal("not ready after the verifying ping answered")
		}
		h.sim.SetFaults(swayapitest.Faults{})
		after := h.sim.Stats("alice")
		if after.Logins != before.Logins || after.Pings != before.Pings+1 {
			t.Errorf("restart cost %d logins and %d pings; want 0 and 1", after.Logins-before.Logins, after.Pings-before.Pings)
		}
		tok, _ := s.current()
		old, _ := first.current()
		if tok.IsZero() || tok != old || k.Status().State != Active {
			t.Errorf("restored token published: %v, same: %v, state %s", !tok.IsZero(), tok == old, k.Status().State)
		}
		if st := k.Status(); st.Logins != 0 || st.Issued.IsZero() {
			t.Errorf("status %+v", st)
		}
		h.advance(time.Hour, 10*time.Second, s)
		if st := h.sim.Stats("alice"); st.Logins != 1 {
			t.Errorf("%d logins in all", st.Logins)
		}
	})
}

// A saved session the server no longer knows (it restarted): the verifying
// ping answers 401, Ready closes, a login follows.
func TestRestoredSessionGoneLogsIn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, swayapitest.Options{}).withStore()
		runOnce(h, "alpha", "alice", time.Minute)
		h.sim.Restart()
		s := h.sink()
		k, stop := h.start(h.account("alpha", "alice", password), s)
		defer stop()
		h.advance(time.Second, time.Second, s)
		<-k.Ready()
		if st := h.sim.Stats("alice"); st.Logins != 2 || k.Status().State != Active {
			t.Errorf("stats %+v, state %s", st, k.Status().State)
		}
	})
}

// Saved sessions that expired, or belong to other login fields, are
// discarded without a ping: their files are cleared and a login follows.
func TestRestoredSessionDiscarded(t *testing.T) {
	for _, tc := range []struct {
		name  string
		apply func(h *harness)
	}{
		{"expired", func(h *harness) { time.Sleep(31 * time.Minute) }},
		{"password changed", func(h *harness) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, swayapitest.Options{}).withStore()
				runOnce(h, "alpha", "alice", time.Minute)
				tc.apply(h)
				before := h.sim.Stats("alice")
				a := h.account("alpha", "alice", password)
				if tc.name == "password changed" {
					h.sim.SetPassword("alice", "", "new-SENTINEL")
					a.Password = "new-SENTINEL"
				}
				s := h.sink()
				k, stop := h.start(a, s)
				defer stop()
				synctest.Wait()
				<-k.Ready()
				h.advance(time.Second, time.Second, s)
				after := h.sim.Stats("alice")
				if after.Pings+after.FailedPings != before.Pings+before.FailedPings {
					t.Error("a discarded session was pinged")
				}
				if after.Logins != before.Logins+1 || k.Status().State != Active {
					t.Errorf("logins %d -> %d, state %s", before.Logins, after.Logins, k.Status().State)
				}
				if s.unpublishes == 0 {
					t.Error("the files of the discarded session were not cleared")
				}
			})
		})
	}
}

// A saved, unexpired session while the server is unreachable stays
// published (degraded) and Ready closes: the daemon must not wait for the
// server to come back.
func TestRestoredSessionServerDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, swayapitest.Options{}).withStore()
		runOnce(h, "alpha", "alice", time.Minute)
		h.sim.SetFaults(swayapitest.Faults{Drop: 1 << 30})
		s := h.sink()
		k, stop := h.start(h.account("alpha", "alice", password), s)
		defer stop()
		synctest.Wait()
		<-k.Ready()
		if tok, _ := s.current(); tok.IsZero() || k.Status().State != Degraded {
			t.Errorf("state %s, token published %v; want degraded with the token", k.Status().State, !tok.IsZero())
		}
		h.sim.SetFaults(swayapitest.Faults{})
		h.advance(5*time.Minute, time.Second, s)
		if st := h.sim.Stats("alice"); st.Logins != 1 || k.Status().State != Active {
			t.Errorf("stats %+v, state %s", st, k.Status().State)
		}
	})
}

// Logout after Run: one logout request, files removed, saved state gone.
func TestLogoutAfterRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, swayapitest.Options{}).withStore()
		s := h.sink()
		k, stop := h.start(h.account("alpha", "alice", password), s)
		h.advance(time.Minute, time.Second, s)
		if err := k.Logout(context.Background()); err == nil {
			t.Error("Logout while running succeeded")
		}
		stop()
		if err := k.Logout(context.Background()); err != nil {
			t.Fatal(err)
		}
		if tok, _ := s.current(); !tok.IsZero() {
			t.Error("token still published")
		}
		if st := h.sim.Stats("alice"); st.Logouts != 1 || st.Sessions != 0 {
			t.Errorf("stats %+v", st)
		}
		if _, ok, _ := h.store.Load("alpha"); ok {
			t.Error("saved state not forgotten")
		}
	})
}
