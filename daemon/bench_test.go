package daemon

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/swaykeep/swaykeep/config"
	"github.com/swaykeep/swaykeep/daemon/keeper"
	"github.com/swaykeep/swaykeep/daemon/swayapi/swayapitest"
)

// BenchmarkRestart1000 measures what state_dir is for (DESIGN.md §3,
// "Persistence"): a daemon with 1,000 accounts is started once (1,000
// logins), then stopped and started again, and each restart must reuse
// every saved session: one verifying ping per account, no login. ns/op is
// one restart, from New to all 1,000 accounts active again; the stop before
// it is not timed (reported as stop-s). Reported as well: the first start
// (first-start-s, 1,000 logins with login_rate far above the API's 1/s, so
// it measures the daemon, not the limiter), the logins and pings of each
// restart (logins/op must be 0) and, over loopback, the connections the
// daemon dialed per restart.
//
// Unlike the tests, this runs in real time, outside a synctest bubble: the
// daemon's own work (state files, token files, keepers) is what is
// measured. Two transports: the simulator in memory (the daemon alone) and
// a real loopback server with the daemon's own keep-alive transport (plus
// HTTP and connection reuse, capped at 16 connections per host, so
// dials/op shows whether the cap holds). Figures: docs/performance.md.
//
// Token files go to a tmpfs (/dev/shm) as they go to /run under the
// packaged unit; state_dir is on disk as /var/lib/swaykeep is, except in the
// state=tmpfs variants, which show how much of a restart is the fsyncs of
// saving 1,000 sessions.
func BenchmarkRestart1000(b *testing.B) {
	for _, v := range []struct {
		name         string
		loopback     bool
		stateOnTmpfs bool
	}{
		{"inmemory/state=disk", false, false},
		{"inmemory/state=tmpfs", false, true},
		{"loopback/state=disk", true, false},
		{"loopback/state=tmpfs", true, true},
	} {
		b.Run(v.name, func(b *testing.B) { benchRestart(b, 1000, v.loopback, v.stateOnTmpfs) })
	}
}

// tmpfsDir is a fresh directory on /dev/shm, or on the test's temporary
// directory where there is none.
func tmpfsDir(b *testing.B) string {
	dir, err := os.MkdirTemp("/dev/shm", "swaykeep-bench-")
	if err != nil {
		b.Logf("no tmpfs at /dev/shm (%v): using the test's temporary directory", err)
		return b.TempDir()
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func benchRestart(b *testing.B, n int, loopback, stateOnTmpfs bool) {
	users := make([]string, n)
	for i := range users {
		users[i] = fmt.Sprintf("user%04d", i)
	}
	sim := newSim(users...) // 30 min timeout, no login limit
	fleet := &benchFleet{sim: sim, n: n, etc: b.TempDir(), state: b.TempDir(), tokens: tmpfsDir(b),
		apiURL: "http://127.0.0.1/dxsca-web"}
	if stateOnTmpfs {
		fleet.state = tmpfsDir(b)
	}
	if loopback {
		srv := swayapitest.NewServer(sim)
		b.Cleanup(srv.Close)
		fleet.srv, fleet.apiURL = srv, srv.URL
	}
	fleet.writeConfig(b, users)

	begin := time.Now()
	d := fleet.start(b)
	fleet.waitActive(b, d)
	firstStart := time.Since(begin)
	if got := sim.Totals().Logins; got != n {
		b.Fatalf("first start: %d logins, want %d", got, n)
	}

	var stopTime time.Duration
	before := sim.Totals()
	dials := fleet.dials()
	for b.Loop() {
		b.StopTimer()
		t0 := time.Now()
		d.stop(b)
		stopTime += time.Since(t0)
		b.StartTimer()

		d = fleet.start(b)
		fleet.waitActive(b, d)
	}
	b.StopTimer()
	d.stop(b)
	after := sim.Totals()
	per := func(v int) float64 { return float64(v) / float64(b.N) }
	// After the loop: its first call resets the timer and the metrics.
	b.ReportMetric(firstStart.Seconds(), "first-start-s")
	b.ReportMetric(stopTime.Seconds()/float64(b.N), "stop-s")
	b.ReportMetric(per(after.Logins-before.Logins), "logins/op")
	b.ReportMetric(per(after.Pings-before.Pings), "pings/op")
	if loopback {
		b.ReportMetric(per(fleet.dials()-dials), "dials/op")
	}
	if after.Logins != before.Logins {
		b.Errorf("%d new logins over %d restarts, want 0: saved sessions were not reused", after.Logins-before.Logins, b.N)
	}
}

// benchFleet is the config directory, token files and state_dir of a fleet
// of n accounts on one simulator.
type benchFleet struct {
	sim    *swayapitest.Simulator
	srv    *swayapitest.Server // nil: in-memory transport
	n      int
	etc    string // config directory
	state  string // state_dir
	tokens string // token file directory
	apiURL string
}

func (f *benchFleet) writeConfig(b *testing.B, users []string) {
	b.Helper()
	main := fmt.Sprintf(`
daemon {
  state_dir  = %q
  login_rate = 100000
  watch      = false
}

defaults {
  api_url = %q
  token_file {
    path = "%s/${account.name}.token"
  }
}
`, f.state, f.apiURL, f.tokens)
	for name, content := range map[string]string{"main.hcl": main, "accounts.hcl": accounts(users...)} {
		if err := os.WriteFile(filepath.Join(f.etc, name), []byte(content), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// dials is how many connections the loopback server has accepted.
func (f *benchFleet) dials() int {
	if f.srv == nil {
		return 0
	}
	return f.srv.Connections()
}

// benchDaemon is one run of a daemon.
type benchDaemon struct {
	d      *Daemon
	cancel context.CancelFunc
	done   chan error
}

// start runs a new daemon on the fleet's config, as a process start would.
func (f *benchFleet) start(b *testing.B) *benchDaemon {
	b.Helper()
	log := logrus.New()
	log.SetOutput(io.Discard)
	opts := Options{
		Source:   config.Source{Path: f.etc, Getenv: func(string) (string, bool) { return "", false }},
		Log:      log,
		NoSocket: true,
	}
	if f.srv == nil {
		opts.Transport = func(string, string) (http.RoundTripper, error) { return f.sim.Transport(), nil }
	} // else nil: the daemon's own keep-alive transport
	ctx, cancel := context.WithCancel(context.Background())
	bd := &benchDaemon{d: New(opts), cancel: cancel, done: make(chan error, 1)}
	go func() { bd.done <- bd.d.Run(ctx) }()
	return bd
}

// waitActive polls until all of the fleet's accounts are active. Polling
// every few milliseconds bounds the measurement's resolution, which is
// plenty for a figure in tenths of seconds.
func (f *benchFleet) waitActive(b *testing.B, bd *benchDaemon) {
	b.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		select {
		case err := <-bd.done:
			b.Fatalf("daemon exited before all accounts were active: %v", err)
		default:
		}
		if bd.d.Config() != nil {
			active := 0
			for _, s := range bd.d.Statuses() {
				if s.State == keeper.Active {
					active++
				}
			}
			if active == f.n {
				return
			}
			if time.Now().After(deadline) {
				b.Fatalf("%d of %d accounts active after 5 minutes", active, f.n)
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stop stops the daemon as SIGTERM would and waits for Run to return.
func (bd *benchDaemon) stop(b *testing.B) {
	b.Helper()
	bd.cancel()
	if err := <-bd.done; err != nil {
		b.Fatalf("daemon stopped with %v", err)
	}
}
