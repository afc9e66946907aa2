package e2etest

import (
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Three accounts get valid token files with exactly one login each
// (issue 4, "Done when").
func TestThreeAccountsGetValidTokensWithOneLoginEach(t *testing.T) {
	users := Users("user", 3)
	sim := StartSimulator(t, SimOptions{Users: users})
	d := NewDir(t)
	d.WriteConfig(sim, users)
	daemon := d.StartDaemon()

	tokens := d.WaitTokens(users)
	daemon.WaitOutput("swaykeep ready")
	for _, u := range users {
		sim.RequireValid(t, "token file of "+u.Username, tokens[u.Username])
		st := sim.UserStats(t, u.Username)
		if st.Logins != 1 || st.FailedLogins != 0 || st.MaxSessions != 1 {
			t.Errorf("%s: %d logins, %d failed, %d sessions at most; want 1, 0, 1", u.Username, st.Logins, st.FailedLogins, st.MaxSessions)
		}
		fi, err := os.Stat(d.TokenPath(u.Username))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("token file of %s has mode %v, want 0600", u.Username, fi.Mode().Perm())
		}
	}
	daemon.Stop()
	if out := daemon.Output(); containsAny(out, tokens) {
		t.Error("the daemon's output holds a token")
	}
}

// A wrong password is tried once, and never again across three restarts
// (one of them after SIGKILL): the verdict is persisted in state_dir.
func TestWrongPasswordTriedOnceAcrossRestarts(t *testing.T) {
	good := User{Username: "alice", Domain: "default", Password: "alice-pw"}
	bad := User{Username: "mallory", Domain: "default", Password: "wrong-SENTINEL-pw"}
	sim := StartSimulator(t, SimOptions{Users: []User{good, {Username: "mallory", Password: "mallorys-real-pw"}}})
	d := NewDir(t)
	d.WriteConfig(sim, []User{good, bad})

	rejected := regexp.MustCompile(`account=mallory .*state=rejected`)
	stops := []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL, syscall.SIGTERM, syscall.SIGTERM}
	for run, sig := range stops {
		daemon := d.StartDaemon()
		daemon.WaitOutput("swaykeep ready")
		d.WaitTokens([]User{good})
		if run == 0 {
			daemon.WaitMatch(rejected)
		}
		st := d.WaitState("mallory", "rejected")
		if st.LastError == "" && run == 0 {
			t.Errorf("run %d: mallory is rejected with no last error", run)
		}
		if _, ok := ReadToken(t, d.TokenPath("mallory")); ok {
			t.Errorf("run %d: mallory has a token file", run)
		}
		ms := sim.UserStats(t, "mallory")
		if ms.FailedLogins != 1 || ms.Logins != 0 {
			t.Fatalf("run %d: mallory: %d failed and %d good logins, want 1 and 0", run, ms.FailedLogins, ms.Logins)
		}
		if as := sim.UserStats(t, "alice"); as.Logins != 1 {
			t.Errorf("run %d: alice logged in %d times, want 1 (the saved session is reused)", run, as.Logins)
		}
		if strings.Contains(daemon.Output(), "SENTINEL") {
			t.Errorf("run %d: the daemon's output holds the password", run)
		}
		if sig == syscall.SIGKILL {
			daemon.Kill()
		} else {
			daemon.Stop()
		}
	}
	if ms := sim.UserStats(t, "mallory"); ms.FailedLogins != 1 {
		t.Errorf("mallory: %d failed logins after %d runs, want 1", ms.FailedLogins, len(stops))
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func containsAny(s string, values map[string]string) bool {
	for _, v := range values {
		if v != "" && strings.Contains(s, v) {
			return true
		}
	}
	return false
}

// elapsed rounds a duration for reports.
func elapsed(d time.Duration) time.Duration { return d.Round(time.Millisecond) }

// Sessions are pinged before the server's timeout (auto = half of it), so
// they outlive it with their first login (issue 4, "Done when").
func TestSessionsPingedBeforeTimeout(t *testing.T) {
	const timeout = 3 * time.Second
	users := Users("ping", 3)
	sim := StartSimulator(t, SimOptions{Users: users, Timeout: timeout.String()})
	d := NewDir(t)
	d.WriteConfig(sim, users)
	daemon := d.StartDaemon()
	tokens := d.WaitTokens(users)
	loggedIn := time.Now()

	// Three pings at about 1.5 s each take the sessions past the timeout.
	for _, u := range users {
		sim.StatsEventually(t, u.Username, "3 pings", func(st Stats) bool { return st.Pings >= 3 })
	}
	if age := time.Since(loggedIn); age <= timeout {
		t.Fatalf("3 pings within %v, before the %v timeout: pinging too often", elapsed(age), timeout)
	}
	for _, u := range users {
		st := sim.UserStats(t, u.Username)
		if st.Logins != 1 || st.FailedPings != 0 {
			t.Errorf("%s: %d logins and %d failed pings past the timeout, want 1 and 0", u.Username, st.Logins, st.FailedPings)
		}
		tok, _ := ReadToken(t, d.TokenPath(u.Username))
		if tok != tokens[u.Username] {
			t.Errorf("%s: token changed although the session was kept alive", u.Username)
		}
		sim.RequireValid(t, "token of "+u.Username+" past the timeout", tok)
	}
	daemon.Stop()
}
