package e2etest

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// restartBudget is the bound: 20 saved sessions reused, with 0 new
// logins, all verified within 5 seconds of the restart.
const restartBudget = 5 * time.Second

// Restarting with state_dir, after SIGTERM and after SIGKILL, reuses every
// saved session after one verifying ping each, with no login, and leaves the
// token files as they were (issue 4, "Done when").
func TestRestartReusesSessions(t *testing.T) {
	users := Users("acct", 20)
	sim := StartSimulator(t, SimOptions{Users: users})
	d := NewDir(t)
	d.WriteConfig(sim, users)

	daemon := d.StartDaemon()
	tokens := d.WaitTokens(users)
	daemon.WaitOutput("swaykeep ready")
	for _, u := range users {
		sim.RequireValid(t, "token file of "+u.Username, tokens[u.Username])
	}

	// SIGKILL first, so the killed daemon is the one that logged in: what
	// it saved at login is all the next start has. Not subtests: the Dir and
	// its processes belong to this test.
	daemon = restartAndVerify(t, sim, d, daemon, users, tokens, "SIGKILL")
	daemon = restartAndVerify(t, sim, d, daemon, users, tokens, "SIGTERM")
	daemon.Stop()
}

// restartAndVerify stops daemon with SIGTERM or SIGKILL, starts a new one on
// the same Dir, and checks that every saved session is reused: one ping
// each, no login, token files unchanged and valid, within restartBudget.
func restartAndVerify(t *testing.T, sim *Simulator, d *Dir, daemon *Process, users []User, tokens map[string]string, how string) *Process {
	t.Helper()
	inodes := make(map[string]uint64)
	before := sim.Stats(t).Users
	for _, u := range users {
		inodes[u.Username] = inode(t, d.TokenPath(u.Username))
	}
	if how == "SIGKILL" {
		daemon.Kill()
	} else {
		daemon.Stop()
	}

	daemon = d.StartDaemon()
	var ready time.Duration
	EventuallyWithin(t, 2*restartBudget, "every saved session verified with a ping", func() bool {
		if ready == 0 && contains(daemon.Output(), "swaykeep ready") {
			ready = time.Since(daemon.Started())
		}
		all := sim.Stats(t)
		for _, u := range users {
			if all.Users[u.Username].Pings <= before[u.Username].Pings {
				return false
			}
		}
		return ready != 0
	})
	verified := time.Since(daemon.Started())
	t.Logf("restart after %s: ready %v and all %d sessions verified %v after the new process started", how, elapsed(ready), len(users), elapsed(verified))
	if verified > restartBudget {
		t.Errorf("restart after %s: sessions verified after %v, want within %v", how, elapsed(verified), restartBudget)
	}

	after := sim.Stats(t).Users
	for _, u := range users {
		st, was := after[u.Username], before[u.Username]
		if st.Logins != was.Logins || st.FailedLogins != was.FailedLogins {
			t.Errorf("after %s: %s: %d logins (%d failed), want %d (%d): the saved session must be reused", how, u.Username, st.Logins, st.FailedLogins, was.Logins, was.FailedLogins)
		}
		if st.Pings != was.Pings+1 {
			t.Errorf("after %s: %s: %d pings at restart, want exactly 1", how, u.Username, st.Pings-was.Pings)
		}
		tok, ok := ReadToken(t, d.TokenPath(u.Username))
		if !ok || tok != tokens[u.Username] {
			t.Errorf("after %s: %s: token file missing or changed across the restart", how, u.Username)
			continue
		}
		sim.RequireValid(t, "token file of "+u.Username+" after restart", tok)
		if ino := inode(t, d.TokenPath(u.Username)); ino != inodes[u.Username] {
			t.Errorf("after %s: %s: token file rewritten at restart though its content did not change", how, u.Username)
		}
	}
	return daemon
}

// logout_on_exit = true: SIGTERM logs out every session and removes the
// token files (issue 4, "Done when").
func TestLogoutOnExit(t *testing.T) {
	users := Users("lo", 5)
	sim := StartSimulator(t, SimOptions{Users: users})
	d := NewDir(t)
	d.WriteConfig(sim, users, "logout_on_exit = true")
	daemon := d.StartDaemon()
	d.WaitTokens(users)
	daemon.WaitOutput("swaykeep ready")

	daemon.Stop()
	all := sim.Stats(t)
	if all.Totals.Logouts != len(users) {
		t.Errorf("%d logouts at the simulator, want %d", all.Totals.Logouts, len(users))
	}
	for _, u := range users {
		st := all.Users[u.Username]
		if st.Logouts != 1 || st.Sessions != 0 {
			t.Errorf("%s: %d logouts, %d sessions alive; want 1 and 0", u.Username, st.Logouts, st.Sessions)
		}
		if _, ok := ReadToken(t, d.TokenPath(u.Username)); ok {
			t.Errorf("%s: token file still exists after logout_on_exit", u.Username)
		}
	}
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}
