package keeper

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/swaykeep/swaykeep/config/secret"
	"github.com/swaykeep/swaykeep/daemon/statedir"
	"github.com/swaykeep/swaykeep/daemon/swayapi/swayapitest"
)

// A wrong password is tried exactly once over 24 hours of virtual time and
// across 3 restarts with a state store; a new password (new login fields)
// and an admin's Relogin try again.
func TestWrongPasswordTriedOnceAcrossRestarts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, swayapitest.Options{}).withStore()
		a := h.account("alpha", "alice", password)
		a.Password = "wrong-SENTINEL"
		for run := range 4 { // the first run and 3 restarts
			s := h.sink()
			k, stop := h.start(a, s)
			h.advance(6*time.Hour, time.Minute, s)
			if st := k.Status(); st.State != Rejected {
				t.Fatalf("run %d: state %s", run, st.State)
			}
			if run > 0 && k.Status().Logins != 0 {
				t.Errorf("run %d: the restarted keeper logged in", run)
			}
			if tok, _ := s.current(); !tok.IsZero() {
				t.Errorf("run %d: a token is published", run)
			}
			stop()
		}
		if st := h.sim.Stats("alice"); st.FailedLogins != 1 || st.Logins != 0 {
			t.Fatalf("stats %+v: want exactly one try in 24 hours and 3 restarts", st)
		}
		rec, ok, err := h.store.Load("alpha")
		if err != nil || !ok || rec.Verdict != statedir.VerdictRejected || !rec.Token.IsZero() {
			t.Errorf("saved %+v, %v, %v; want a rejected verdict", rec, ok, err)
		}

		// An admin asks: tried once more (still wrong), then left alone.
		s := h.sink()
		k, stop := h.start(a, s)
		synctest.Wait()
		k.Relogin()
		h.advance(time.Hour, time.Minute, s)
		if st := h.sim.Stats("alice"); st.FailedLogins != 2 || k.Status().State != Rejected {
			t.Errorf("after Relogin: stats %+v, state %s; want one more try", st, k.Status().State)
		}
		stop()

		// The password is fixed in the config: new login fields, new try.
		a.Password = password
		s = h.sink()
		k, stop = h.start(a, s)
		defer stop()
		h.advance(time.Minute, time.Second, s)
		if st := k.Status().State; st != Active {
			t.Errorf("with the right password: state %s", st)
		}
		if rec, _, _ := h.store.Load("alpha"); rec.Verdict != "" || rec.Token.IsZero() {
			t.Errorf("saved %+v after a good login", rec)
		}
	})
}

// The password changes on the server and the platform ends the session:
// the keeper's next ping finds it gone, its login with the old password is
// rejected once, and the new password (a new keeper, as after a reload)
// logs in.
func TestPasswordChangedOnServer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, swayapitest.Options{}).withStore()
		a := h.account("alpha", "alice", password)
		s := h.sink()
		k, stop := h.start(a, s)
		h.advance(time.Hour, time.Minute, s)

		h.sim.SetPassword("alice", "", "new-SENTINEL")
		h.sim.ForceLogout("alice")
		h.advance(pingInterval*11/10, 10*time.Second, s)
		if st := k.Status().State; st != Rejected {
			t.Fatalf("state %s, want rejected", st)
		}
		if tok, _ := s.current(); !tok.IsZero() {
			t.Error("the dead token is still published")
		}
		h.advance(12*time.Hour, time.Minute, s)
		if st := h.sim.Stats("alice"); st.FailedLogins != 1 || st.Logins != 1 {
			t.Errorf("stats %+v: want the old password tried once", st)
		}
		stop()

		a2 := *a
		a2.Password = secret.Secret("new-SENTINEL")
		s2 := h.sink()
		k2, stop2 := h.start(&a2, s2)
		defer stop2()
		h.advance(time.Minute, time.Second, s2)
		if st := k2.Status().State; st != Active {
			t.Errorf("new password: state %s", st)
		}
		if st := h.sim.Stats("alice"); st.Logins != 2 {
			t.Errorf("stats %+v", st)
		}
	})
}

// REST access switched off: the ping finds the session gone, the login
// answers 403 (disabled), which is retried only after hours; when access is
// back, that retry logs in. The verdict survives a restart.
func TestDisabledRetriedRarely(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, swayapitest.Options{}).withStore()
		a := h.account("alpha", "alice", password)
		s := h.sink()
		k, stop := h.start(a, s)
		h.advance(time.Minute, time.Second, s)
		h.sim.SetDisabled("alice", true)
		h.advance(pingInterval*11/10, 10*time.Second, s)
		if st := k.Status(); st.State != Disabled || st.NextAttempt.Sub(h.wall()) < 5*time.Hour {
			t.Fatalf("status %+v, want disabled with a retry hours away", st)
		}
		if tok, _ := s.current(); !tok.IsZero() {
			t.Error("token of a disabled user still published")
		}
		stop()

		s = h.sink()
		k, stop = h.start(a, s)
		defer stop()
		h.advance(3*time.Hour, time.Minute, s)
		if st := h.sim.Stats("alice"); st.FailedLogins != 1 || k.Status().State != Disabled {
			t.Fatalf("stats %+v, state %s: want still the one 403 after a restart", st, k.Status().State)
		}
		h.advance(DisabledRetry, time.Minute, s)
		if st := h.sim.Stats("alice"); st.FailedLogins != 2 {
			t.Errorf("stats %+v: want one retry after %v", st, DisabledRetry)
		}
		h.sim.SetDisabled("alice", false)
		h.advance(DisabledRetry+time.Minute, time.Minute, s)
		if st := k.Status().State; st != Active {
			t.Errorf("state %s after access was restored", st)
		}
	})
}
