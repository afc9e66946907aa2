// Package daemon is swaykeep's runtime: it holds one generation of config at
// a time, runs a keeper per account, reconciles on reload, serves the socket
// and reports to systemd (DESIGN.md §1, §3, §5, §6).
package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/swaykeep/swaykeep/config"
	"github.com/swaykeep/swaykeep/daemon/keeper"
	"github.com/swaykeep/swaykeep/daemon/metrics"
	"github.com/swaykeep/swaykeep/daemon/notify"
	"github.com/swaykeep/swaykeep/daemon/sink"
	"github.com/swaykeep/swaykeep/daemon/socket"
	"github.com/swaykeep/swaykeep/daemon/statedir"
	"github.com/swaykeep/swaykeep/daemon/watch"
)

// Options are the daemon's seams: everything that touches the outside world
// can be replaced by a test.
type Options struct {
	// Source is where the configuration comes from, at start and on every
	// reload.
	Source config.Source
	// Log is the daemon's logger; its level and format follow the config.
	Log *logrus.Logger
	// Transport returns the HTTP transport for the API client of one
	// (api_url, ca_file); nil means a real keep-alive transport. Tests pass
	// the simulator's in-memory transport.
	Transport func(apiURL, caFile string) (http.RoundTripper, error)
	// Now reads the wall clock; nil means time.Now.
	Now func() time.Time
	// Resolver resolves user and group names; nil means the OS's.
	Resolver sink.Resolver
	// Listener, when set, is the socket to serve (systemd socket
	// activation); the config's socket block is then ignored.
	Listener net.Listener
	// NoSocket disables the socket entirely (in-process tests).
	NoSocket bool
	// Reload triggers a reload when something is sent (SIGHUP).
	Reload <-chan struct{}
	// Notify reports to systemd (READY=1, RELOADING=1, STATUS=, STOPPING=1,
	// the watchdog); nil means nobody listens.
	Notify *notify.Notifier
}

// ConfigError is returned by Run when the configuration cannot be used at
// start: it does not load (Result holds the diagnostics), or it names
// something that does not exist, such as an unknown reader (Err). The
// command exits with EX_CONFIG (78), which systemd does not restart: trying
// again would not help.
type ConfigError struct {
	Result *config.Result // the load, when it had errors
	Err    error          // otherwise, what could not be applied
}

func (e *ConfigError) Error() string {
	if e.Err != nil {
		return "invalid configuration: " + e.Err.Error()
	}
	return fmt.Sprintf("invalid configuration: %d error(s)", len(e.Result.Diagnostics.Errs()))
}

func (e *ConfigError) Unwrap() error { return e.Err }

// errUnusable marks an apply error that is the configuration's fault (an
// unknown user or group, a group the daemon is not in), as opposed to the
// machine's (a socket that cannot be bound now).
var errUnusable = errors.New("configuration cannot be applied")

// Daemon runs one configuration generation at a time.
type Daemon struct {
	opts    Options
	log     *logrus.Logger
	events  *hub
	metrics *metrics.Metrics
	notify  *notify.Notifier
	probes  chan chan struct{} // watchdog probes answered by the supervisor loop
	reloads chan struct{}      // debounced watcher triggers

	// Set once by Run before anything else runs.
	limiters *keeper.Limiters
	store    *statedir.Store
	clients  *clients

	// reloadMu serialises generations: start-up, reloads, shutdown.
	reloadMu sync.Mutex
	// stopping is set, under reloadMu, once shutdown began: a reload that
	// waited for reloadMu meanwhile (SIGHUP or POST /v1/reload just before
	// SIGTERM) must not apply a generation after the keepers and the socket
	// are gone.
	stopping bool

	mu         sync.RWMutex // guards the fields below
	cfg        *config.Config
	files      []string
	replaced   chan struct{} // closed (and renewed) when a generation is in place
	down       bool          // shutdown began: keepers are stopping for good
	accounts   map[string]*account
	admins     socket.Principals
	lastReload ReloadResult
	runCtx     context.Context // the keepers' context; cancelled at shutdown
	wg         sync.WaitGroup  // every keeper goroutine

	// The daemon's own goroutines (event consumer, watcher, clock check,
	// watchdog), stopped when Run returns.
	auxCtx    context.Context
	aux       sync.WaitGroup
	watcher   *watch.Watcher // nil until watching starts (watch = true)
	listeners listeners
}

// New returns a daemon with opts. It does nothing until Run.
func New(opts Options) *Daemon {
	if opts.Log == nil {
		opts.Log = logrus.New()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Resolver == nil {
		opts.Resolver = sink.OSResolver{}
	}
	if opts.Notify == nil {
		opts.Notify = notify.New(opts.Log) // a no-op without NOTIFY_SOCKET
	}
	return &Daemon{
		opts:     opts,
		log:      opts.Log,
		events:   newHub(),
		metrics:  metrics.New(),
		notify:   opts.Notify,
		probes:   make(chan chan struct{}),
		reloads:  make(chan struct{}, 1),
		accounts: make(map[string]*account),
		replaced: make(chan struct{}),
	}
}

// Subscribe returns the daemon's stream of events (see keeper.Event) and a
// func to stop receiving it.
func (d *Daemon) Subscribe() (<-chan keeper.Event, func()) { return d.events.Subscribe() }

// Config returns the configuration generation in force, nil before start.
func (d *Daemon) Config() *config.Config {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.cfg
}

// Statuses returns every account's status, sorted by name.
func (d *Daemon) Statuses() []keeper.Status {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.cfg == nil {
		return nil // not started yet
	}
	out := make([]keeper.Status, 0, len(d.accounts))
	for _, a := range d.cfg.Accounts {
		if acct := d.accounts[a.Name]; acct != nil {
			out = append(out, acct.k.Status())
		}
	}
	return out
}

// errStartup wraps failures of the first generation that are not config
// diagnostics (an unusable state_dir, a socket that cannot be bound).
var errStartup = errors.New("start-up failed")
