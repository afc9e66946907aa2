package keeper

import (
	"fmt"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/swaykeep/swaykeep/daemon/swayapi/swayapitest"
)

// Three accounts get tokens with exactly one login each, and every one is
// pinged before its timeout, for hours.
func TestThreeAccountsOneLoginEachPingedForHours(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, swayapitest.Options{})
		var sinks []*recSink
		var keepers []*Keeper
		var stops []func()
		for i := range 3 {
			s := h.sink()
			k, stop := h.start(h.account(fmt.Sprintf("acct%d", i), fmt.Sprintf("user%d", i), password), s)
			sinks, keepers, stops = append(sinks, s), append(keepers, k), append(stops, stop)
		}
		h.advance(6*time.Hour, 10*time.Second, sinks...)
		for i, k := range keepers {
			user := fmt.Sprintf("user%d", i)
			st := h.sim.Stats(user)
			if st.Logins != 1 || st.FailedLogins != 0 {
				t.Errorf("%s: %d logins, %d failed; want exactly 1", user, st.Logins, st.FailedLogins)
			}
			// One ping per half timeout (±10%): about 24 in 6 hours.
			if st.Pings < 20 || st.Pings > 28 || st.FailedPings != 0 {
				t.Errorf("%s: %d pings, %d failed; want about 24, none failed", user, st.Pings, st.FailedPings)
			}
			if st.Sessions != 1 {
				t.Errorf("%s: %d sessions alive", user, st.Sessions)
			}
			status := k.Status()
			if status.State != Active || status.Logins != 1 || status.Timeout != simTimeout {
				t.Errorf("%s: status %+v", user, status)
			}
			tok, exp := sinks[i].current()
			if tok.IsZero() || !exp.Equal(status.Expires) {
				t.Errorf("%s: sink holds %v until %v, status says %v", user, !tok.IsZero(), exp, status.Expires)
			}
			if len(sinks[i].tokens) != 1 {
				t.Errorf("%s: %d tokens published", user, len(sinks[i].tokens))
			}
		}
		if got := h.states("acct0"); !slices.Equal(got, []State{Pending, Active}) {
			t.Errorf("states %v, want [pending active]", got)
		}
		for _, stop := range stops {
			stop()
		}
		for i, s := range sinks {
			if tok, _ := s.current(); tok.IsZero() || !h.valid(tok) {
				t.Errorf("acct%d: Run's return removed or killed the token; it must leave it", i)
			}
		}
		if got := h.states("acct0"); got[len(got)-1] != Stopped {
			t.Errorf("last state %v, want stopped", got)
		}
	})
}

// A forced logout is followed by a new valid token within one ping
// interval, and the dead token is unpublished as soon as a ping finds it.
func TestForcedLogoutNewTokenWithinOnePingInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, swayapitest.Options{})
		s := h.sink()
		k, stop := h.start(h.account("alpha", "alice", password), s)
		defer stop()
		h.advance(time.Hour, 10*time.Second, s)
		old, _ := s.current()
		unpublished := s.unpublishes

		h.sim.ForceLogout("alice")
		deadline := time.Now().Add(pingInterval * 11 / 10)
		for time.Now().Before(deadline) {
			h.advance(time.Second, time.Second, s)
			if tok, _ := s.current(); !tok.IsZero() && tok != old {
				break
			}
		}
		tok, _ := s.current()
		if tok.IsZero() || tok == old {
			t.Fatalf("no new token within one ping interval; state %s", k.Status().State)
		}
		if st := h.sim.Stats("alice"); st.Logins != 2 || st.FailedPings != 1 {
			t.Errorf("stats %+v, want 2 logins and the 1 ping that found the session gone", st)
		}
		if n := s.unpublishes - unpublished; n != 1 {
			t.Errorf("%d unpublishes, want the dead token removed once", n)
		}
		if !h.valid(tok) {
			t.Error("the new token is not valid")
		}
	})
}

// A failed ping keeps the unexpired token and retries several times before
// expiry; at expiry the token is unpublished; once the server answers
// again, a login follows.
func TestPingFailuresKeepTokenUntilExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, swayapitest.Options{})
		s := h.sink()
		k, stop := h.start(h.account("alpha", "alice", password), s)
		defer stop()
		h.advance(time.Minute, time.Second, s)
		_, expires := s.current()

		h.sim.SetFaults(swayapitest.Faults{Errors5xx: 1 << 30})
		var sawDegraded bool
		for h.wall().Before(expires) {
			h.advance(time.Second, time.Second, s)
			tok, _ := s.current()
			st := k.Status().State
			sawDegraded = sawDegraded || st == Degraded
			if h.wall().Before(expires) && (tok.IsZero() || !st.HasToken()) {
				t.Fatalf("token dropped before expiry (state %s)", st)
			}
		}
		if !sawDegraded {
			t.Error("never degraded")
		}
		if st := h.sim.Stats("alice"); st.FailedPings < retriesBeforeExpiry {
			t.Errorf("%d ping attempts failed before expiry; want at least %d", st.FailedPings, retriesBeforeExpiry)
		}
		h.advance(2*time.Second, time.Second, s)
		if tok, _ := s.current(); !tok.IsZero() {
			t.Fatal("token still published after expiry")
		}
		if st := k.Status().State; st.HasToken() {
			t.Errorf("state %s after expiry", st)
		}

		h.advance(30*time.Minute, 10*time.Second, s)
		if st := k.Status().State; st != Backoff && st != Pending {
			t.Errorf("state %s while the server fails, want backoff", st)
		}
		h.sim.SetFaults(swayapitest.Faults{})
		h.advance(6*time.Minute, time.Second, s) // backoff cap is 5 minutes
		if st := k.Status().State; st != Active {
			t.Errorf("state %s after the server recovered, want active", st)
		}
		if st := h.sim.Stats("alice"); st.Logins != 2 {
			t.Errorf("%d logins, want 2", st.Logins)
		}
	})
}

// A burst of 5xx on ping degrades without losing the session; a burst at
// login backs off and then logs in.
func TestServerErrorBursts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, swayapitest.Options{})
		h.sim.SetFaults(swayapitest.Faults{Errors5xx: 3})
		s := h.sink()
		k, stop := h.start(h.account("alpha", "alice", password), s)
		defer stop()
		h.advance(5*time.Minute, time.Second, s)
		if st := k.Status().State; st != Active {
			t.Fatalf("state %s after a 5xx burst at login", st)
		}
		if st := h.sim.Stats("alice"); st.Logins != 1 || st.FailedLogins != 3 {
			t.Errorf("stats %+v, want 3 failed logins then 1", st)
		}
		if got := h.states("alpha"); !slices.Contains(got, Backoff) {
			t.Errorf("states %v, want a backoff", got)
		}

		h.sim.SetFaults(swayapitest.Faults{Errors5xx: 3})
		h.advance(2*time.Hour, 10*time.Second, s)
		if st := k.Status().State; st != Active {
			t.Fatalf("state %s after a 5xx burst at ping", st)
		}
		if st := h.sim.Stats("alice"); st.Logins != 1 || st.FailedPings != 3 {
			t.Errorf("stats %+v, want the session kept through 3 failed pings", st)
		}
		if len(s.tokens) != 1 {
			t.Errorf("%d tokens, want the one session kept", len(s.tokens))
		}

		// 429s on ping: Retry-After is honoured, the session is kept.
		before := h.sim.Stats("alice")
		h.sim.SetFaults(swayapitest.Faults{Errors429: 2, RetryAfter: 5 * time.Second})
		h.advance(pingInterval*11/10, time.Second, s)
		if st := k.Status().State; st != Active {
			t.Errorf("state %s after 429s on ping", st)
		}
		after := h.sim.Stats("alice")
		if after.Logins != 1 || after.FailedPings-before.FailedPings != 2 {
			t.Errorf("stats %+v -> %+v", before, after)
		}
	})
}

// A burst of 429 at login pauses the host's limiter and is not the
// account's one try: a wrong password is still tried exactly once.
func TestRateLimitBurstIsNotTheOneTry(t *testing.T) {
	for _, ra := range []time.Duration{0, 3 * time.Second} {
		t.Run(fmt.Sprintf("retry-after=%v", ra), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, swayapitest.Options{})
				h.sim.SetFaults(swayapitest.Faults{Errors429: 4, RetryAfter: ra})
				good, bad := h.sink(), h.sink()
				kg, stopg := h.start(h.account("good", "alice", password), good)
				defer stopg()
				kb, stopb := h.start(h.account("bad", "bob", "wrong-SENTINEL"), bad)
				defer stopb()
				h.advance(2*time.Hour, 10*time.Second, good, bad)
				if st := kg.Status().State; st != Active {
					t.Errorf("good: state %s", st)
				}
				if st := kb.Status().State; st != Rejected {
					t.Errorf("bad: state %s", st)
				}
				if st := h.sim.Totals(); st.Logins != 1 || st.FailedLogins != 4+1 {
					t.Errorf("totals %+v: want 4 rate-limited logins, 1 rejected, 1 good", st)
				}
				if c := h.sim.CurrentFaults(); c.Errors429 != 0 {
					t.Errorf("%d 429s left", c.Errors429)
				}
			})
		})
	}
}
