package daemon

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/swaykeep/swaykeep/config"
)

// slowLogout delays every logout by delay, as a distant or busy API does, so
// that a reload's retiring of old sessions takes longer than a login.
type slowLogout struct {
	rt    http.RoundTripper
	delay time.Duration
}

func (s slowLogout) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, "/logout") {
		t := time.NewTimer(s.delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
	}
	return s.rt.RoundTrip(req)
}

// startSlowLogout is rig.start with logouts that take delay.
func (r *rig) startSlowLogout(delay time.Duration) {
	r.t.Helper()
	log := logrus.New()
	log.SetOutput(syncWriter{r.log})
	src := config.Source{Path: r.dir, Getenv: func(string) (string, bool) { return "", false }}
	r.d = New(Options{
		Source: src,
		Log:    log,
		Transport: func(string, string) (http.RoundTripper, error) {
			return slowLogout{rt: r.sim.Transport(), delay: delay}, nil
		},
		NoSocket: true,
		Now:      r.now,
	})
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.done = make(chan error, 1)
	go func() { r.done <- r.d.Run(ctx) }()
	r.t.Cleanup(func() { r.stop() })
	r.settle(time.Second)
}

// tokenOf returns the token the daemon holds for an account.
func tokenOf(t *testing.T, d *Daemon, name string) string {
	t.Helper()
	tok, _, err := d.Token(context.Background(), name, 0, false)
	if err != nil {
		t.Fatalf("token of %s: %v", name, err)
	}
	return tok.Reveal()
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// accountWithFile declares an account whose one raw token file is path.
func accountWithFile(name, user, path string) string {
	return `account "` + name + `" {
  username = "` + user + `"
  password = "` + user + `-pw"
  token_file {
    path = "` + path + `"
  }
}
`
}

// TestReloadRenamedAccountKeepsSharedTokenFile: an account renamed (removed
// under one name, added under another) keeps its token file path. The new
// account's token must be in the file after the reload: the old account's
// retiring (logout, then removal of its files) must not delete it.
func TestReloadRenamedAccountKeepsSharedTokenFile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newSim("alice", "bob")
		r := newRig(t, sim, map[string]string{"main.hcl": baseConfig,
			"a.hcl": accountWithFile("alpha", "alice", "{{tokens}}/desk.token")})
		r.startSlowLogout(2 * time.Second)
		path := filepath.Join(r.tokens, "desk.token")
		if readFile(t, path) == "" {
			t.Fatal("alpha published no token")
		}
		r.write("a.hcl", accountWithFile("beta", "bob", "{{tokens}}/desk.token"))
		if res := r.d.Reload(context.Background()); !res.OK {
			t.Fatalf("reload: %+v", res)
		}
		r.settle(10 * time.Second)
		if got, want := readFile(t, path), tokenOf(t, r.d, "beta"); got != want {
			t.Errorf("desk.token holds %d bytes, want beta's token (alpha's retiring removed it?)", len(got))
		}
		if st := sim.Stats("alice"); st.Logouts != 1 {
			t.Errorf("alice: %+v, want logged out", st)
		}
	})
}

// TestReloadTokenFilePassesFromReloggedToReconfigured: in one reload, an
// account whose login fields change gives its token file path to another
// account whose token files change. The second account's token must end up
// in that file, not be removed by the first one's retiring.
func TestReloadTokenFilePassesFromReloggedToReconfigured(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newSim("alice", "alice2", "carol")
		r := newRig(t, sim, map[string]string{"main.hcl": baseConfig,
			"a.hcl": accountWithFile("alpha", "alice", "{{tokens}}/shared.token"),
			"c.hcl": accountWithFile("carol", "carol", "{{tokens}}/carol.token")})
		r.startSlowLogout(2 * time.Second)
		r.write("a.hcl", accountWithFile("alpha", "alice2", "{{tokens}}/alpha.token"))
		r.write("c.hcl", accountWithFile("carol", "carol", "{{tokens}}/shared.token"))
		res := r.d.Reload(context.Background())
		if !res.OK {
			t.Fatalf("reload: %+v", res)
		}
		r.settle(10 * time.Second)
		if got, want := readFile(t, filepath.Join(r.tokens, "shared.token")), tokenOf(t, r.d, "carol"); got != want {
			t.Errorf("shared.token holds %d bytes, want carol's token", len(got))
		}
		if readFile(t, filepath.Join(r.tokens, "carol.token")) != "" {
			t.Error("carol.token is no longer declared but still there")
		}
		if got, want := readFile(t, filepath.Join(r.tokens, "alpha.token")), tokenOf(t, r.d, "alpha"); got != want {
			t.Error("alpha.token does not hold alpha's new token")
		}
		if st := sim.Stats("carol"); st.Logins != 1 {
			t.Errorf("carol logged in %d times, want 1", st.Logins)
		}
	})
}

// TestReloadAfterShutdownAppliesNothing: a reload that was waiting while the
// daemon shut down (SIGHUP or POST /v1/reload just before SIGTERM) must not
// apply a generation afterwards: no account retired (logged out, files
// removed) nor started once the daemon has stopped.
func TestReloadAfterShutdownAppliesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newSim("alice", "bob")
		r := newRig(t, sim, map[string]string{"main.hcl": baseConfig, "a.hcl": accounts("alice")})
		r.start()
		tok := r.token("alice")
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		r.write("a.hcl", accounts("bob"))
		res := r.d.Reload(context.Background())
		r.settle(time.Second)
		if res.OK {
			t.Errorf("reload after shutdown: %+v, want refused", res)
		}
		if r.token("alice") != tok || sim.Stats("alice").Logouts != 0 {
			t.Error("a reload after shutdown logged alice out or removed her token file")
		}
		if cfg := r.d.Config(); cfg.Account("bob") != nil {
			t.Error("a reload after shutdown installed a new generation")
		}
	})
}

// TestReloadTokenFilesMovedBetweenRunningAccounts: token file paths move
// between accounts that keep their sessions, in a chain (beta takes alpha's
// file) and in a cycle (carol and dave swap theirs). Every file ends up with
// its new owner's token and nobody logs in again.
func TestReloadTokenFilesMovedBetweenRunningAccounts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newSim("alice", "bob", "carol", "dave")
		r := newRig(t, sim, map[string]string{"main.hcl": baseConfig,
			"a.hcl": accountWithFile("alpha", "alice", "{{tokens}}/p.token"),
			"b.hcl": accountWithFile("beta", "bob", "{{tokens}}/q.token"),
			"c.hcl": accountWithFile("carol", "carol", "{{tokens}}/c.token"),
			"d.hcl": accountWithFile("dave", "dave", "{{tokens}}/d.token")})
		r.startSlowLogout(2 * time.Second)
		r.write("a.hcl", accountWithFile("alpha", "alice", "{{tokens}}/a.token"))
		r.write("b.hcl", accountWithFile("beta", "bob", "{{tokens}}/p.token"))
		r.write("c.hcl", accountWithFile("carol", "carol", "{{tokens}}/d.token"))
		r.write("d.hcl", accountWithFile("dave", "dave", "{{tokens}}/c.token"))
		if res := r.d.Reload(context.Background()); !res.OK {
			t.Fatalf("reload: %+v", res)
		}
		r.settle(10 * time.Second)
		for file, owner := range map[string]string{"a": "alpha", "p": "beta", "d": "carol", "c": "dave"} {
			if got, want := readFile(t, filepath.Join(r.tokens, file+".token")), tokenOf(t, r.d, owner); got != want {
				t.Errorf("%s.token holds %d bytes, want %s's token", file, len(got), owner)
			}
		}
		if readFile(t, filepath.Join(r.tokens, "q.token")) != "" {
			t.Error("q.token is no longer declared but still there")
		}
		for _, u := range []string{"alice", "bob", "carol", "dave"} {
			if st := sim.Stats(u); st.Logins != 1 || st.Logouts != 0 {
				t.Errorf("%s: %+v, want one login and no logout", u, st)
			}
		}
	})
}

// TestReloadRemovedAccountLeavesMetrics: an account removed by a reload
// leaves the metrics output, instead of coming back as "stopped" when its
// retired keeper's last event is consumed after the daemon forgot it.
func TestReloadRemovedAccountLeavesMetrics(t *testing.T) {
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
		rec := httptest.NewRecorder()
		r.d.metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		out := rec.Body.String()
		if strings.Contains(out, `account="bob"`) {
			t.Error("the removed account bob is still in the metrics")
		}
		if !strings.Contains(out, `swaykeep_accounts{state="stopped"} 0`) {
			t.Error("the removed account is counted as stopped")
		}
	})
}
