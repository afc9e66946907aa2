package daemon

import (
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestStartupLogsOutRemovedSessionsInParallel: sessions saved by a previous
// run for accounts no longer configured are logged out before READY=1, but
// an API that does not answer must not hold start-up for one request
// timeout per account (a fleet would never get past systemd's start
// timeout, and each restart would begin again).
func TestStartupLogsOutRemovedSessionsInParallel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var users []string
		for i := range 30 {
			users = append(users, fmt.Sprintf("u%02d", i))
		}
		sim := newSim(users...)
		r := newRig(t, sim, map[string]string{"main.hcl": baseConfig, "a.hcl": accounts(users...)})
		r.start()
		if err := r.stop(); err != nil { // no logout_on_exit: sessions saved
			t.Fatal(err)
		}
		for _, u := range users[1:] {
			if r.token(u) == "" {
				t.Fatalf("%s has no token file after the first run", u)
			}
		}

		// The second run keeps one account; the API never answers a logout.
		r.write("a.hcl", accounts(users[0]))
		r2 := newRig(t, sim, nil)
		r2.dir, r2.tokens, r2.state = r.dir, r.tokens, r.state
		began := time.Now()
		r2.startSlowLogout(time.Hour)
		for r2.d.Config() == nil && time.Since(began) < time.Hour {
			r2.settle(time.Second)
		}
		if took := time.Since(began); took > 30*time.Second {
			t.Errorf("start-up took %v with 29 unanswered logouts", took)
		}
		for _, u := range users[1:] {
			if r2.token(u) != "" {
				t.Errorf("%s's token file is left after its account was removed", u)
			}
		}
		if strings.Contains(r2.log.String(), "-pw") {
			t.Error("a password in the log")
		}
	})
}

// TestStartupLogsOutRemovedSessions: with an API that answers, every saved
// session of a removed account is logged out once and its files removed.
func TestStartupLogsOutRemovedSessions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		users := []string{"alice", "bob", "carol", "dave"}
		sim := newSim(users...)
		r := newRig(t, sim, map[string]string{"main.hcl": baseConfig, "a.hcl": accounts(users...)})
		r.start()
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		r.write("a.hcl", accounts("alice"))
		r2 := newRig(t, sim, nil)
		r2.dir, r2.tokens, r2.state = r.dir, r.tokens, r.state
		r2.start()
		for _, u := range users[1:] {
			if st := sim.Stats(u); st.Logouts != 1 || st.Sessions != 0 || r2.token(u) != "" {
				t.Errorf("%s: %+v, file %q; want logged out once, file removed", u, st, r2.token(u))
			}
		}
		if st := sim.Stats("alice"); st.Logins != 1 || st.Logouts != 0 {
			t.Errorf("alice: %+v, want her session resumed", st)
		}
	})
}
