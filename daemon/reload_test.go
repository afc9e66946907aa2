package daemon

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/swaykeep/swaykeep/config"
	"github.com/swaykeep/swaykeep/daemon/keeper"
	"github.com/swaykeep/swaykeep/daemon/swayapi/swayapitest"
)

// logins returns each user's login count at the simulator.
func logins(r *rig, users ...string) map[string]int {
	out := make(map[string]int)
	for _, u := range users {
		out[u] = r.sim.Stats(u).Logins
	}
	return out
}

func TestReloadAddsAccountInNewFileOthersUntouched(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newSim("alice", "bob", "carol")
		r := newRig(t, sim, map[string]string{"main.hcl": baseConfig, "a.hcl": accounts("alice", "bob")})
		r.start()
		aliceTok := r.token("alice")
		st, _ := os.Stat(filepath.Join(r.tokens, "alice.token"))

		r.write("c.hcl", accounts("carol"))
		res := r.d.Reload(context.Background())
		if !res.OK || !res.Changed {
			t.Fatalf("reload: %+v", res)
		}
		r.settle(time.Second)
		if r.token("carol") == "" {
			t.Fatal("carol has no token after the reload")
		}
		if got := logins(r, "alice", "bob", "carol"); got["alice"] != 1 || got["bob"] != 1 || got["carol"] != 1 {
			t.Errorf("logins = %v, want 1 each", got)
		}
		st2, _ := os.Stat(filepath.Join(r.tokens, "alice.token"))
		if r.token("alice") != aliceTok || !os.SameFile(st, st2) {
			t.Error("alice's token file was rewritten by a reload that did not concern her")
		}
	})
}

func TestReloadBrokenFileKeepsEverything(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newSim("alice")
		r := newRig(t, sim, map[string]string{"main.hcl": baseConfig, "a.hcl": accounts("alice")})
		r.start()
		tok := r.token("alice")
		r.write("a.hcl", `account "alice" {`+"\n  username = \"alice\"\n  password = \"oops") // half-saved
		res := r.d.Reload(context.Background())
		if res.OK || !strings.Contains(res.Diagnostics, "a.hcl") {
			t.Fatalf("reload of a broken file: OK=%v diagnostics=%q", res.OK, res.Diagnostics)
		}
		r.settle(time.Hour)
		if r.token("alice") == "" || r.stateOf("alice") != keeper.Active {
			t.Fatalf("alice lost her session after a broken reload: state %s", r.stateOf("alice"))
		}
		if sim.Stats("alice").Logins != 1 || sim.Stats("alice").Logouts != 0 {
			t.Errorf("stats after a broken reload: %+v", sim.Stats("alice"))
		}
		// Fixed again: nothing to do, the configuration is the one running.
		r.write("a.hcl", accounts("alice"))
		if res := r.d.Reload(context.Background()); !res.OK || res.Changed {
			t.Errorf("reload of the fixed file: %+v", res)
		}
		_ = tok
	})
}

func TestReloadRemovesAccount(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newSim("alice", "bob")
		r := newRig(t, sim, map[string]string{"main.hcl": baseConfig, "a.hcl": accounts("alice"), "b.hcl": accounts("bob")})
		r.start()
		if err := os.Remove(filepath.Join(r.dir, "b.hcl")); err != nil {
			t.Fatal(err)
		}
		if res := r.d.Reload(context.Background()); !res.OK {
			t.Fatalf("reload: %+v", res)
		}
		r.settle(time.Second)
		if r.token("bob") != "" {
			t.Error("bob's token file is still there")
		}
		if st := sim.Stats("bob"); st.Logouts != 1 || st.Sessions != 0 {
			t.Errorf("bob at the simulator: %+v, want 1 logout and no session", st)
		}
		if sim.Stats("alice").Logins != 1 {
			t.Error("alice logged in again")
		}
	})
}

func TestReloadModeOnlyRewritesWithoutLogin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newSim("alice")
		r := newRig(t, sim, map[string]string{"main.hcl": baseConfig, "a.hcl": accounts("alice")})
		r.start()
		tok := r.token("alice")
		r.write("a.hcl", `account "alice" {
  username = "alice"
  password = "alice-pw"
  token_file {
    path = "{{tokens}}/alice.token"
    mode = "0640"
  }
}
`)
		res := r.d.Reload(context.Background())
		if !res.OK || len(res.Diff.Accounts) != 1 || res.Diff.Accounts[0].What != config.SinksChanged {
			t.Fatalf("reload: %+v", res)
		}
		r.settle(time.Second)
		fi, err := os.Stat(filepath.Join(r.tokens, "alice.token"))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o640 {
			t.Errorf("mode %04o, want 0640", fi.Mode().Perm())
		}
		if r.token("alice") != tok || sim.Stats("alice").Logins != 1 {
			t.Errorf("a mode change logged in again: logins %d", sim.Stats("alice").Logins)
		}
	})
}

func TestReloadPasswordChangeOneLogoutOneLogin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newSim("alice")
		root := t.TempDir()
		pw := filepath.Join(root, "alice.pw")
		if err := os.WriteFile(pw, []byte("alice-pw\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		r := newRig(t, sim, map[string]string{"main.hcl": baseConfig, "a.hcl": `account "alice" {
  username = "alice"
  password = file("` + pw + `")
}
`})
		r.start()
		old := r.token("alice")
		// The password is rotated at the broker, then in the file behind file().
		sim.SetPassword("alice", "default", "new-pw")
		if err := os.WriteFile(pw, []byte("new-pw\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		res := r.d.Reload(context.Background())
		if !res.OK || len(res.Diff.Accounts) != 1 || res.Diff.Accounts[0].What&config.LoginChanged == 0 {
			t.Fatalf("reload: %+v", res)
		}
		r.settle(time.Second)
		st := sim.Stats("alice")
		if st.Logins != 2 || st.Logouts != 1 {
			t.Errorf("stats %+v, want 2 logins (one new) and 1 logout", st)
		}
		if tok := r.token("alice"); tok == "" || tok == old {
			t.Error("no new token after the password change")
		}
	})
}

func TestReloadRejectedRetriedAtOnceWhenPasswordFixed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newSim("alice")
		r := newRig(t, sim, map[string]string{"main.hcl": baseConfig, "a.hcl": `account "alice" {
  username = "alice"
  password = "wrong"
}
`})
		r.start()
		r.settle(24 * time.Hour)
		if st := sim.Stats("alice"); st.FailedLogins != 1 || r.stateOf("alice") != keeper.Rejected {
			t.Fatalf("wrong password: %+v, state %s; want one try and rejected", st, r.stateOf("alice"))
		}
		r.write("a.hcl", accounts("alice"))
		r.d.Reload(context.Background())
		r.settle(time.Second)
		if r.stateOf("alice") != keeper.Active || r.token("alice") == "" {
			t.Errorf("state %s after fixing the password", r.stateOf("alice"))
		}
	})
}

func TestReloadIdenticalDoesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newSim("alice")
		r := newRig(t, sim, map[string]string{"main.hcl": baseConfig, "a.hcl": accounts("alice")})
		r.start()
		// Reformatting and comments change the files, not the configuration.
		r.write("a.hcl", "# alice\n"+accounts("alice"))
		if res := r.d.Reload(context.Background()); !res.OK || res.Changed {
			t.Fatalf("reload: %+v", res)
		}
		if st := sim.Stats("alice"); st.Logins != 1 || st.Logouts != 0 {
			t.Errorf("stats %+v", st)
		}
	})
}

func TestReloadTimingsOnlyReschedules(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newSim("alice")
		r := newRig(t, sim, map[string]string{"main.hcl": baseConfig, "a.hcl": accounts("alice")})
		r.start()
		r.write("a.hcl", strings.Replace(accounts("alice"), "}", "  ping_interval = \"1m\"\n}", 1))
		res := r.d.Reload(context.Background())
		if !res.OK || len(res.Diff.Accounts) != 1 || res.Diff.Accounts[0].What != config.TimingsChanged {
			t.Fatalf("reload: %+v", res)
		}
		before := sim.Stats("alice").Pings
		r.settle(time.Hour)
		if got := sim.Stats("alice").Pings - before; got < 50 {
			t.Errorf("%d pings in an hour at ping_interval 1m", got)
		}
		if sim.Stats("alice").Logins != 1 {
			t.Error("a timing change logged in again")
		}
	})
}

// TestReloadChurnLeaksNothing adds and removes an account 1,000 times; the
// synctest bubble fails the test if any goroutine is left behind.
func TestReloadChurnLeaksNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newSim("alice", "bob")
		r := newRig(t, sim, map[string]string{"main.hcl": baseConfig, "a.hcl": accounts("alice")})
		r.start()
		for i := range 1000 {
			if i%2 == 0 {
				r.write("b.hcl", accounts("bob"))
			} else {
				os.Remove(filepath.Join(r.dir, "b.hcl"))
			}
			if res := r.d.Reload(context.Background()); !res.OK || !res.Changed {
				t.Fatalf("reload %d: %+v", i, res)
			}
		}
		r.settle(time.Second)
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		if sim.Stats("alice").Logins != 1 {
			t.Error("churn of another account logged alice in again")
		}
	})
}

// TestReloadLoginChangeKeepsAccountVisible: while a reload replaces an
// account's session (old one logged out first, then a new login), the
// account stays known on the socket, and a token request that waits gets the
// new token instead of a 404 or "stopped".
func TestReloadLoginChangeKeepsAccountVisible(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newSim("alice")
		r := newRig(t, sim, map[string]string{"main.hcl": baseConfig, "a.hcl": accounts("alice")})
		r.start()
		old := r.token("alice")
		sim.SetPassword("alice", "default", "new-pw")
		r.write("a.hcl", strings.Replace(accounts("alice"), "alice-pw", "new-pw", 1))
		sim.SetFaults(swayapitest.Faults{Latency: 3 * time.Second}) // a slow logout: a wide window

		go r.d.Reload(context.Background())
		r.settle(time.Second) // the old session is being logged out
		if _, ok := r.d.Account("alice"); !ok {
			t.Fatal("alice is unknown while her session is replaced")
		}
		type answer struct {
			tok string
			err error
		}
		got := make(chan answer, 1)
		go func() {
			tok, _, err := r.d.Token(context.Background(), "alice", 0, true)
			got <- answer{tok.Reveal(), err}
		}()
		r.settle(time.Minute)
		sim.SetFaults(swayapitest.Faults{})
		a := <-got
		if a.err != nil || a.tok == "" || a.tok == old {
			t.Fatalf("token during the replacement: %q, %v; want the new token", a.tok, a.err)
		}
		if a.tok != r.token("alice") {
			t.Error("the answer is not the published token")
		}
	})
}
