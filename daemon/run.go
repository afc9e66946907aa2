package daemon

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/swaykeep/swaykeep/config"
	"github.com/swaykeep/swaykeep/daemon/keeper"
	"github.com/swaykeep/swaykeep/daemon/logging"
	"github.com/swaykeep/swaykeep/daemon/notify"
	"github.com/swaykeep/swaykeep/daemon/sink"
	"github.com/swaykeep/swaykeep/daemon/statedir"
	"github.com/swaykeep/swaykeep/daemon/watch"
)

const (
	// maxRequestTimeout backs up the per-account request_timeout, which
	// keepers apply through the context.
	maxRequestTimeout = 10 * time.Minute
	// debounce is how long the watcher waits after the last change of a
	// burst (DESIGN.md §5: editors write several times per save).
	debounce = 250 * time.Millisecond
	// clockCheck is how often the daemon compares the wall clock with the
	// monotonic one to notice a suspended machine (DESIGN.md §3).
	clockCheck = 5 * time.Second
	// readyWait bounds how long start-up waits for restored sessions to be
	// verified before it reports READY=1 anyway.
	readyWait = 60 * time.Second
	// reloadTimeout bounds a reload asked for over the socket (removed
	// accounts are logged out within it).
	reloadTimeout = 2 * time.Minute
	// socketDrain bounds how long shutdown waits for socket requests.
	socketDrain = 5 * time.Second
	// savedLogoutTimeout bounds the logouts of saved sessions that start-up
	// drops (accounts removed or changed while the daemon was down), all
	// together; savedLogoutParallel is how many run at once.
	savedLogoutTimeout  = 10 * time.Second
	savedLogoutParallel = 16
)

// Run loads the configuration, reconciles the saved state, starts a keeper
// per account and the socket, reports READY=1, and then serves until ctx is
// cancelled (SIGTERM, SIGINT), reloading on Options.Reload, on the config
// watcher and on request. It returns *ConfigError when the configuration
// cannot be loaded at start.
func (d *Daemon) Run(ctx context.Context) error {
	d.reloadMu.Lock()
	res, diags := d.load()
	if res.Diagnostics.HasErrors() {
		d.reloadMu.Unlock()
		return &ConfigError{Result: res}
	}
	if diags != "" {
		d.log.Warn("configuration warnings:\n" + diags)
	}
	cfg := res.Config
	if err := logging.Configure(d.log, cfg.Daemon.LogFormat, cfg.Daemon.LogLevel); err != nil {
		d.reloadMu.Unlock()
		return fmt.Errorf("%w: %w", errStartup, err)
	}
	if cfg.Daemon.StateDir != "" {
		st, err := statedir.Open(cfg.Daemon.StateDir)
		if err != nil {
			d.reloadMu.Unlock()
			return fmt.Errorf("%w: %w", errStartup, err)
		}
		d.store = st
	}
	d.limiters = keeper.NewLimiters(cfg.Daemon.LoginRate)
	d.clients = &clients{transport: d.opts.Transport, observe: d.metrics.ObserveRequest}
	runCtx, stopKeepers := context.WithCancel(context.WithoutCancel(ctx))
	defer stopKeepers()
	d.runCtx = runCtx

	auxCtx, stopAux := context.WithCancel(context.WithoutCancel(ctx))
	d.auxCtx = auxCtx
	defer func() { stopAux(); d.aux.Wait() }()
	d.aux.Go(func() { d.consumeEvents(auxCtx) })

	d.sweepTemps(cfg)
	d.reconcileSaved(ctx, cfg)
	if _, err := d.apply(ctx, cfg); err != nil {
		d.reloadMu.Unlock()
		d.shutdown(false)
		if errors.Is(err, errUnusable) {
			return &ConfigError{Err: err}
		}
		return fmt.Errorf("%w: %w", errStartup, err)
	}
	d.mu.Lock()
	d.files = res.Files
	d.lastReload = ReloadResult{Time: d.opts.Now(), OK: true, Diagnostics: diags}
	d.mu.Unlock()
	d.watchFiles(res.Files)
	d.reloadMu.Unlock()

	d.waitReady(ctx)
	d.metrics.ReloadResult(true, d.opts.Now())
	if ctx.Err() == nil { // stopped during start-up: STOPPING=1 follows, not READY=1
		d.notify.Ready()
	}
	d.updateStatus()
	d.log.WithField("accounts", len(cfg.Accounts)).Info("swaykeep ready")

	d.aux.Go(func() {
		// Reloads run here, not in the supervisor loop, so a long one
		// (logging out many removed accounts) never starves the watchdog.
		for {
			select {
			case <-auxCtx.Done():
				return
			case <-d.reloads:
				d.Reload(auxCtx)
			}
		}
	})
	d.aux.Go(func() { keeper.WatchClock(auxCtx, d.opts.Now, clockCheck, d.checkExpiries) })
	d.aux.Go(func() { d.notify.Watchdog(auxCtx, notify.Probe(d.probes, d.notify.WatchdogInterval()/4)) })

	for {
		select {
		case <-ctx.Done():
			d.notify.Stopping()
			d.log.Info("stopping")
			d.reloadMu.Lock()
			defer d.reloadMu.Unlock()
			d.stopping = true
			d.shutdown(d.Config().Daemon.LogoutOnExit)
			return nil
		case <-d.opts.Reload:
			d.requestReload()
		case reply := <-d.probes:
			close(reply)
		}
	}
}

// requestReload asks the reloader for a reload; requests that arrive while
// one is pending are one request.
func (d *Daemon) requestReload() {
	select {
	case d.reloads <- struct{}{}:
	default:
	}
}

// waitReady waits until every keeper has verified or discarded its restored
// session, so READY=1 means "every token file on disk is valid or gone".
func (d *Daemon) waitReady(ctx context.Context) {
	d.mu.RLock()
	var ready []<-chan struct{}
	for _, a := range d.accounts {
		ready = append(ready, a.k.Ready())
	}
	d.mu.RUnlock()
	t := time.NewTimer(readyWait)
	defer t.Stop()
	for _, r := range ready {
		select {
		case <-r:
		case <-ctx.Done():
			return
		case <-t.C:
			d.log.Warn("start-up: some restored sessions are still being verified; reporting ready anyway")
			return
		}
	}
}

// shutdown stops every keeper and the socket. With logout, every session is
// logged out in parallel within shutdown_timeout and its token files are
// removed; without, token files stay valid until the server's timeout and
// the next start resumes them (DESIGN.md §3 "Stop").
func (d *Daemon) shutdown(logout bool) {
	d.mu.Lock()
	d.down = true
	close(d.replaced) // token requests waiting for a replaced keeper answer now
	accts := make([]*account, 0, len(d.accounts))
	for _, a := range d.accounts {
		accts = append(accts, a)
	}
	d.mu.Unlock()
	// Keepers first: a socket request waiting for a token is answered at
	// once ("stopped") instead of holding the socket's drain.
	for _, a := range accts {
		a.cancel()
	}
	d.wg.Wait()
	d.closeListeners()
	if !logout {
		return
	}
	timeout := 10 * time.Second
	if cfg := d.Config(); cfg != nil {
		timeout = cfg.Daemon.ShutdownTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	d.retireAll(ctx, accts)
}

// checkExpiries re-judges every session's expiry (the wall clock jumped).
func (d *Daemon) checkExpiries() {
	d.mu.RLock()
	defer d.mu.RUnlock()
	d.log.Info("wall clock jumped ahead (suspend?): re-checking every session's expiry")
	for _, a := range d.accounts {
		a.k.CheckExpiry()
	}
}

// sweepTemps removes temporary files that killed writers left next to the
// token files.
func (d *Daemon) sweepTemps(cfg *config.Config) {
	var paths []string
	for _, a := range cfg.Accounts {
		for _, tf := range a.TokenFiles {
			paths = append(paths, tf.Path)
		}
	}
	if removed, err := sink.Sweep(paths); err != nil {
		d.log.WithError(err).Warn("sweep leftover temporary token files")
	} else if len(removed) > 0 {
		d.log.WithField("files", len(removed)).Info("removed temporary files left by an interrupted write")
	}
}

// reconcileSaved settles the saved state of a previous run before any keeper
// starts: a session whose account is gone, or whose login fields changed, is
// logged out (best effort) and its files removed; token files a still
// configured account no longer declares are removed. Sessions that match
// are left for their keepers, which verify them with one ping.
func (d *Daemon) reconcileSaved(ctx context.Context, cfg *config.Config) {
	if d.store == nil {
		return
	}
	recs, err := d.store.All()
	if err != nil {
		d.log.WithError(err).Warn("read saved sessions")
	}
	var dropped []statedir.Record
	for _, rec := range recs {
		log := d.log.WithField("account", rec.Account)
		a := cfg.Account(rec.Account)
		if a != nil && d.store.Fingerprint(a) == rec.Fingerprint {
			var stale []string
			for _, p := range rec.Files {
				if !declares(a, p) {
					stale = append(stale, p)
				}
			}
			if err := sink.RemoveFiles(stale); err != nil {
				log.WithError(err).Warn("remove token files no longer declared")
			}
			continue
		}
		if err := sink.RemoveFiles(rec.Files); err != nil {
			log.WithError(err).Warn("remove token files of a session no longer configured")
		}
		dropped = append(dropped, rec)
	}
	// Logged out in parallel within one bound: one request timeout per
	// account, one after the other, would hold a fleet's start-up past
	// systemd's start timeout when the API does not answer.
	lctx, cancel := context.WithTimeout(ctx, savedLogoutTimeout)
	defer cancel()
	sem := make(chan struct{}, savedLogoutParallel)
	var wg sync.WaitGroup
	for _, rec := range dropped {
		if rec.Token.IsZero() || rec.APIURL == "" {
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-lctx.Done():
			continue // out of time: the server's timeout ends the session
		}
		wg.Go(func() {
			defer func() { <-sem }()
			d.logoutSaved(lctx, rec)
		})
	}
	wg.Wait()
	for _, rec := range dropped {
		log := d.log.WithField("account", rec.Account)
		if err := d.store.Delete(rec.Account); err != nil {
			log.WithError(err).Warn("forget saved session")
		}
		log.Info("start-up: dropped the saved session of an account that is gone or whose login fields changed")
	}
}

func declares(a *config.Account, path string) bool {
	for _, tf := range a.TokenFiles {
		if tf.Path == path {
			return true
		}
	}
	return false
}

// logoutSaved logs out a saved session that no keeper will take over.
func (d *Daemon) logoutSaved(ctx context.Context, rec statedir.Record) {
	if !rec.LastSuccess.IsZero() && rec.Timeout > 0 && d.opts.Now().After(rec.LastSuccess.Add(rec.Timeout)) {
		return // expired already
	}
	client, err := d.clients.get(&config.Account{Name: rec.Account, APIURL: rec.APIURL, CAFile: rec.CAFile})
	if err != nil {
		return
	}
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := client.Logout(lctx, rec.Token); err != nil {
		d.log.WithField("account", rec.Account).WithError(err).Debug("logout of a saved session")
	}
}

// consumeEvents feeds the event stream to metrics and systemd status.
func (d *Daemon) consumeEvents(ctx context.Context) {
	evs, cancel := d.events.Subscribe()
	defer func() { cancel() }() // the latest subscription
	// STATUS= counts every account: recount at most once a second, not per
	// event (a restart of 1,000 accounts is 1,000 events within a second).
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	dirty := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if dirty {
				d.updateStatus()
				dirty = false
			}
		case ev, ok := <-evs:
			if !ok {
				// Fell behind: resubscribe; status is recomputed from the
				// keepers, so nothing is lost but intermediate steps.
				evs, cancel = d.events.Subscribe()
				continue
			}
			// A retired keeper's last events (Stopped) arrive after apply
			// forgot its account's series: they must not bring them back.
			if d.lookup(ev.Account) != nil {
				d.metrics.Observe(ev)
			}
			dirty = true
		}
	}
}

// updateStatus sends systemd the counts per state and the last reload.
func (d *Daemon) updateStatus() {
	counts := make(map[keeper.State]int)
	d.mu.RLock()
	for _, a := range d.accounts {
		counts[a.k.Status().State]++
	}
	last := d.lastReload
	d.mu.RUnlock()
	d.notify.Status(notify.StatusLine(counts, last.Summary()))
}

// watchFiles points the watcher at the files of the last load, starting
// the watcher the first time the configuration asks for it. With
// watch = false, the configuration is reloaded only on request.
func (d *Daemon) watchFiles(files []string) {
	cfg := d.Config()
	if cfg != nil && !cfg.Daemon.Watch {
		return
	}
	if d.watcher == nil {
		w, err := watch.New(d.log)
		if err != nil {
			d.log.WithError(err).Warn("cannot watch the configuration; reload with SIGHUP or swaykeep reload")
			return
		}
		d.watcher = w
		d.aux.Go(func() {
			<-d.auxCtx.Done()
			w.Close()
		})
		d.aux.Go(func() {
			watch.Debounce(d.auxCtx, w.Events(), debounce, func() {
				if d.Config().Daemon.Watch {
					d.requestReload()
				}
			})
		})
	}
	if err := d.watcher.Set(files); err != nil {
		d.log.WithError(err).Warn("watch configuration files")
	}
}
