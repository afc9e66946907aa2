package daemon

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/swaykeep/swaykeep/daemon/keeper"
	"github.com/swaykeep/swaykeep/daemon/sink"
)

func TestRestartReusesValidSessionsWithoutLogin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var users []string
		for i := range 20 {
			users = append(users, fmt.Sprintf("user%02d", i))
		}
		sim := newSim(users...)
		r := newRig(t, sim, map[string]string{"main.hcl": baseConfig, "a.hcl": accounts(users...)})
		r.start()
		before := make(map[string]string)
		for _, u := range users {
			before[u] = r.token(u)
		}
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		r.settle(5 * time.Minute) // down for a while, well within the 30 min timeout

		r.start()
		for _, u := range users {
			st := sim.Stats(u)
			if st.Logins != 1 {
				t.Errorf("%s: %d logins across a restart, want 1", u, st.Logins)
			}
			if r.token(u) != before[u] || r.stateOf(u) != keeper.Active {
				t.Errorf("%s: token not reused (state %s)", u, r.stateOf(u))
			}
		}
	})
}

func TestRestartAfterExpiryLogsInAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newSim("alice")
		r := newRig(t, sim, map[string]string{"main.hcl": baseConfig, "a.hcl": accounts("alice")})
		r.start()
		r.stop()
		r.settle(time.Hour) // the session expired while the daemon was down
		r.start()
		if st := sim.Stats("alice"); st.Logins != 2 {
			t.Errorf("logins %d, want 2 (the saved session expired)", st.Logins)
		}
		if r.token("alice") == "" {
			t.Error("no token after re-login")
		}
	})
}

func TestWrongPasswordTriedOnceAcrossRestarts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newSim("alice")
		r := newRig(t, sim, map[string]string{"main.hcl": baseConfig, "a.hcl": `account "alice" {
  username = "alice"
  password = "wrong"
}
`})
		for range 3 {
			r.start()
			r.settle(8 * time.Hour)
			if r.stateOf("alice") != keeper.Rejected {
				t.Errorf("state %s, want rejected", r.stateOf("alice"))
			}
			r.stop()
		}
		if st := sim.Stats("alice"); st.FailedLogins != 1 {
			t.Errorf("wrong password tried %d times over 24h and 3 restarts, want 1", st.FailedLogins)
		}
	})
}

func TestLogoutOnExit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newSim("alice", "bob")
		r := newRig(t, sim, map[string]string{
			"main.hcl": `
daemon {
  state_dir      = "{{state}}"
  login_rate     = 100
  watch          = false
  logout_on_exit = true
}
defaults {
  api_url = "http://127.0.0.1/dxsca-web"
  token_file {
    path = "{{tokens}}/${account.name}.token"
  }
}
`, "a.hcl": accounts("alice", "bob")})
		r.start()
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		for _, u := range []string{"alice", "bob"} {
			if st := sim.Stats(u); st.Logouts != 1 || st.Sessions != 0 {
				t.Errorf("%s: %+v, want logged out", u, st)
			}
			if r.token(u) != "" {
				t.Errorf("%s: token file left after logout_on_exit", u)
			}
		}
	})
}

// TestSuspendUnpublishesExpiredToken: Go's timers stop while a machine is
// suspended, the wall clock does not. After a "suspend" longer than the
// session timeout, the daemon-wide clock check must notice at once, remove
// the dead token and log in again.
func TestSuspendUnpublishesExpiredToken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var skew atomic.Int64
		now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
		sim := newSim("alice")
		r := newRig(t, sim, map[string]string{"main.hcl": baseConfig, "a.hcl": accounts("alice")})
		r.now = now
		r.start()
		old := r.token("alice")
		// The machine sleeps for 2 hours; the simulator's sessions expire.
		skew.Store(int64(2 * time.Hour))
		sim.Restart()
		r.settle(clockCheck + time.Second)
		if tok := r.token("alice"); tok == old {
			t.Fatal("the expired token is still published after the wall clock jumped")
		}
		r.settle(5 * time.Second)
		if r.token("alice") == "" || sim.Stats("alice").Logins != 2 {
			t.Errorf("after resume: state %s, logins %d", r.stateOf("alice"), sim.Stats("alice").Logins)
		}
	})
}

// TestUnknownGroupAtStartIsConfigError: a token file's group that does not
// exist is the configuration's fault; the daemon exits with EX_CONFIG
// rather than being restarted in a loop by systemd.
func TestUnknownGroupAtStartIsConfigError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newSim("alice")
		r := newRig(t, sim, map[string]string{"main.hcl": baseConfig, "a.hcl": `account "alice" {
  username = "alice"
  password = "alice-pw"
  token_file {
    path  = "{{tokens}}/alice.token"
    group = "no-such-group-swaykeep-test"
  }
}
`})
		r.start()
		err := r.stop()
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Err == nil || !strings.Contains(err.Error(), "no-such-group-swaykeep-test") {
			t.Fatalf("Run = %v, want a *ConfigError naming the group", err)
		}
		if sim.Stats("alice").Logins != 0 {
			t.Error("logged in with a configuration that cannot be applied")
		}
	})
}

// TestUnknownReaderResolvedOnReload: a reader that does not exist yet is
// skipped with a warning; once the user exists, a reload of the unchanged
// configuration grants it access, without a login.
func TestUnknownReaderResolvedOnReload(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newSim("alice")
		r := newRig(t, sim, map[string]string{"main.hcl": baseConfig, "a.hcl": `account "alice" {
  username = "alice"
  password = "alice-pw"
  readers {
    users = ["trader"]
  }
}
`})
		users := map[string]int{}
		r.resolver = sink.MapResolver{Users: users, Groups: map[string]int{}}
		r.start()
		if r.stateOf("alice") != keeper.Active {
			t.Fatalf("state %s: an unknown reader must not stop the account", r.stateOf("alice"))
		}
		if a, _ := r.d.Account("alice"); len(a.Readers.UIDs) != 0 {
			t.Fatalf("readers %v before the user exists", a.Readers)
		}
		if !strings.Contains(r.logText(), `no user named \"trader\"`) {
			t.Errorf("no warning about the unknown reader:\n%s", r.logText())
		}
		users["trader"] = 4242 // useradd trader
		if res := r.d.Reload(context.Background()); !res.OK {
			t.Fatalf("reload: %+v", res)
		}
		r.settle(time.Second)
		if a, _ := r.d.Account("alice"); len(a.Readers.UIDs) != 1 || a.Readers.UIDs[0] != 4242 {
			t.Errorf("readers %v after the user was created and the daemon reloaded", a.Readers)
		}
		if sim.Stats("alice").Logins != 1 {
			t.Error("resolving a reader logged in again")
		}
	})
}
