package daemon

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/swaykeep/swaykeep/config"
	"github.com/swaykeep/swaykeep/daemon/keeper"
	"github.com/swaykeep/swaykeep/daemon/sink"
	"github.com/swaykeep/swaykeep/daemon/swayapi/swayapitest"
)

// rig is a daemon running in-process against the simulator's handler, for
// tests inside a synctest bubble: no network, no socket, no watcher, so
// hours of virtual time pass in milliseconds.
type rig struct {
	t        *testing.T
	dir      string // config directory
	tokens   string // token file directory
	state    string // state_dir
	sim      *swayapitest.Simulator
	d        *Daemon
	log      *strings.Builder
	cancel   context.CancelFunc
	done     chan error
	err      error
	now      func() time.Time // injected wall clock, nil = time.Now
	resolver sink.Resolver    // nil = the OS's
}

// newRig writes files (name → content, with {{tokens}} and {{state}}
// replaced) into a config directory and prepares a daemon on it.
func newRig(t *testing.T, sim *swayapitest.Simulator, files map[string]string) *rig {
	t.Helper()
	root := t.TempDir()
	r := &rig{
		t:      t,
		dir:    filepath.Join(root, "etc"),
		tokens: filepath.Join(root, "tokens"),
		state:  filepath.Join(root, "state"),
		sim:    sim,
		log:    &strings.Builder{},
	}
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		r.write(name, content)
	}
	return r
}

// write writes one config file.
func (r *rig) write(name, content string) {
	r.t.Helper()
	content = strings.NewReplacer("{{tokens}}", r.tokens, "{{state}}", r.state).Replace(content)
	if err := os.WriteFile(filepath.Join(r.dir, name), []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// start runs the daemon until stop.
func (r *rig) start() {
	r.t.Helper()
	log := logrus.New()
	log.SetOutput(syncWriter{r.log})
	src := config.Source{Path: r.dir, Getenv: func(string) (string, bool) { return "", false }}
	r.d = New(Options{
		Source:    src,
		Log:       log,
		Transport: func(string, string) (http.RoundTripper, error) { return r.sim.Transport(), nil },
		NoSocket:  true,
		Now:       r.now,
		Resolver:  r.resolver,
	})
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.done = make(chan error, 1)
	go func() { r.done <- r.d.Run(ctx) }()
	r.t.Cleanup(func() { r.stop() })
	r.settle(time.Second)
}

// settle lets d of virtual time pass and waits for every goroutine to block.
func (r *rig) settle(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

// stop stops the daemon as SIGTERM would, and returns Run's error. It may be
// called more than once.
func (r *rig) stop() error {
	r.cancel()
	if err, ok := <-r.done; ok {
		r.err = err
		close(r.done)
	}
	return r.err
}

// token reads an account's raw token file; "" when it does not exist.
func (r *rig) token(name string) string {
	b, err := os.ReadFile(filepath.Join(r.tokens, name+".token"))
	if os.IsNotExist(err) {
		return ""
	}
	if err != nil {
		r.t.Fatal(err)
	}
	return string(b)
}

// state returns an account's state.
func (r *rig) stateOf(name string) keeper.State {
	for _, s := range r.d.Statuses() {
		if s.Account == name {
			return s.State
		}
	}
	return ""
}

// syncWriter serialises writes to a strings.Builder.
type syncWriter struct{ b *strings.Builder }

var logMu = make(chan struct{}, 1)

func (w syncWriter) Write(p []byte) (int, error) {
	logMu <- struct{}{}
	defer func() { <-logMu }()
	return w.b.Write(p)
}

// accounts returns HCL declaring one account per user, password user+"-pw".
func accounts(users ...string) string {
	var b strings.Builder
	for _, u := range users {
		fmt.Fprintf(&b, "account %q {\n  username = %q\n  password = %q\n}\n", u, u, u+"-pw")
	}
	return b.String()
}

const baseConfig = `
daemon {
  state_dir  = "{{state}}"
  login_rate = 100
  watch      = false
}

defaults {
  api_url = "http://127.0.0.1/dxsca-web"
  token_file {
    path = "{{tokens}}/${account.name}.token"
  }
}
`

func newSim(users ...string) *swayapitest.Simulator {
	sim := swayapitest.New(swayapitest.Options{Timeout: 30 * time.Minute, LoginRate: -1})
	for _, u := range users {
		sim.AddUser(u, "default", u+"-pw")
	}
	return sim
}

// logText returns what the daemon logged so far.
func (r *rig) logText() string {
	logMu <- struct{}{}
	defer func() { <-logMu }()
	return r.log.String()
}
