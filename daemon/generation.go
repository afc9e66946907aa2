package daemon

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/swaykeep/swaykeep/config"
	"github.com/swaykeep/swaykeep/daemon/socket"
)

// ReloadResult is the outcome of one load of the configuration, as the
// reload answer, status, metrics and systemd STATUS= report it.
type ReloadResult struct {
	Time    time.Time
	OK      bool
	Changed bool        // false: the loaded configuration was identical
	Diff    config.Diff // what was applied (secrets masked)
	// Diagnostics are the rendered warnings and errors (never a secret).
	Diagnostics string
	// Err says why the reload failed, when it did.
	Err string
}

// Summary describes the result in one line, as systemd's STATUS= ends
// ("last reload " + Summary) and `swaykeep reload` prints it:
// "ok at 16:30:05: 1 added, 0 changed, 0 removed", "ok at 16:30:05: no
// changes", "failed at 16:31:10: the configuration has 2 error(s)".
func (r ReloadResult) Summary() string {
	at := r.Time.Format(time.TimeOnly)
	switch {
	case r.Time.IsZero():
		return ""
	case !r.OK:
		return "failed at " + at + ": " + r.Err
	case !r.Changed:
		return "ok at " + at + ": no changes"
	}
	var add, change, remove int
	for _, ch := range r.Diff.Accounts {
		switch ch.Kind {
		case config.Added:
			add++
		case config.Removed:
			remove++
		default:
			change++
		}
	}
	return fmt.Sprintf("ok at %s: %d added, %d changed, %d removed", at, add, change, remove)
}

// load reads the configuration through the daemon's source.
func (d *Daemon) load() (*config.Result, string) {
	res := config.Load(d.opts.Source)
	var buf bytes.Buffer
	if len(res.Diagnostics) > 0 {
		res.WriteDiagnostics(&buf, false)
	}
	return res, buf.String()
}

// Reload loads the configuration anew and applies the difference. A
// configuration with errors changes nothing: the running generation goes on
// untouched and the diagnostics are reported (DESIGN.md §5).
func (d *Daemon) Reload(ctx context.Context) ReloadResult {
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	if d.stopping {
		// Shutdown holds or held reloadMu: nothing of a new generation may
		// start, bind or retire any more.
		return ReloadResult{Time: d.opts.Now(), Err: "the daemon is stopping; nothing was reloaded"}
	}
	// systemd sees every reload, a failed one too: RELOADING=1, then READY=1.
	d.notify.Reloading()
	defer d.notify.Ready()
	res, diags := d.load()
	r := ReloadResult{Time: d.opts.Now(), Diagnostics: diags}
	files := res.Files
	if res.Diagnostics.HasErrors() {
		r.Err = fmt.Sprintf("the configuration has %d error(s); the running configuration is unchanged", len(res.Diagnostics.Errs()))
		d.log.WithField("diagnostics", diags).Error("reload failed: " + r.Err)
	} else if diff, err := d.apply(ctx, res.Config); err != nil {
		r.Err = err.Error() + "; the running configuration is unchanged"
		d.log.WithError(err).Error("reload failed")
	} else {
		r.OK, r.Changed, r.Diff = true, !diff.IsEmpty(), diff
		if r.Changed {
			d.log.WithField("changes", r.Summary()).Info("configuration reloaded")
		} else {
			d.log.Debug("configuration reloaded: no changes")
		}
	}
	d.mu.Lock()
	d.lastReload = r
	if r.OK {
		d.files = files
	} else {
		// A broken load may have stopped before reading everything: keep
		// watching what the running generation was loaded from, too.
		files = append(files, d.files...)
	}
	d.mu.Unlock()
	d.watchFiles(files)
	d.metrics.ReloadResult(r.OK, r.Time)
	d.updateStatus()
	return r
}

// apply makes next the running generation: it diffs by account name and
// touches only what changed (DESIGN.md §5). Everything the new generation
// needs (token file sets, resolved names, API clients, a new socket) is
// built first; if any of it fails, nothing running is touched.
func (d *Daemon) apply(ctx context.Context, next *config.Config) (config.Diff, error) {
	d.mu.RLock()
	prev := d.cfg
	d.mu.RUnlock()
	diff := config.Compare(prev, next)

	// Build.
	preps := make(map[string]*prepared)
	for _, ch := range diff.Accounts {
		needsNew := ch.Kind == config.Added ||
			ch.Kind == config.Changed && ch.What&(config.LoginChanged|config.SinksChanged|config.ReadersChanged) != 0
		if !needsNew {
			continue
		}
		p, err := d.prepare(next.Account(ch.Name))
		if err != nil {
			return diff, fmt.Errorf("%w: %w", errUnusable, err)
		}
		preps[ch.Name] = p
	}
	// Names resolve when applied: the readers of an account whose
	// configuration did not change are resolved again, so a user or group
	// created since the last reload gets its access now.
	reresolved := make(map[string]bool)
	d.mu.RLock()
	current := maps.Clone(d.accounts)
	d.mu.RUnlock()
	for _, a := range next.Accounts {
		cur := current[a.Name]
		if preps[a.Name] != nil || cur == nil || a.Readers.IsZero() {
			continue
		}
		ids, _, err := d.resolve("readers of "+a.Name, a.Readers)
		if err != nil || principalsEqual(ids, cur.readers) {
			continue // a failing lookup keeps what the account has
		}
		p, err := d.prepare(a)
		if err != nil {
			return diff, fmt.Errorf("%w: %w", errUnusable, err)
		}
		preps[a.Name] = p
		reresolved[a.Name] = true
	}
	admins, _, err := d.resolve("admins", next.Daemon.Admins)
	if err != nil {
		return diff, fmt.Errorf("%w: %w", errUnusable, err)
	}
	swapSocket, err := d.prepareSocket(prev, next)
	if err != nil {
		return diff, err
	}

	// Swap.
	var retiring []*account
	var added, starting []*prepared
	var handover []handover
	d.mu.Lock()
	for _, ch := range diff.Accounts {
		old := d.accounts[ch.Name]
		switch {
		case ch.Kind == config.Removed:
			retiring = append(retiring, old)
			delete(d.accounts, ch.Name)
			d.metrics.Forget(ch.Name)
		case ch.Kind == config.Added:
			added = append(added, preps[ch.Name])
		case ch.What&config.LoginChanged != 0:
			// A new session: the old one is unpublished and logged out
			// first, so the account never holds two. The old entry stays
			// until the new keeper replaces it, so the account never looks
			// unknown on the socket meanwhile.
			retiring = append(retiring, old)
			starting = append(starting, preps[ch.Name])
		default:
			if h := d.reconfigure(old, next.Account(ch.Name), ch.What, preps[ch.Name]); h.p != nil {
				handover = append(handover, h)
			}
		}
	}
	for name := range reresolved {
		d.log.WithField("account", name).Info("readers resolved anew: access changed")
		handover = append(handover, d.reconfigure(d.accounts[name], next.Account(name), config.ReadersChanged, preps[name]))
	}
	// An added account starts now, unless it takes a token file path that
	// an account of the running generation holds: then it waits below.
	held := make(map[string]bool)
	for _, a := range retiring {
		for _, path := range a.sink.Paths() {
			held[path] = true
		}
	}
	for _, h := range handover {
		for _, path := range h.a.sink.Paths() {
			held[path] = true
		}
	}
	for _, p := range added {
		if slices.ContainsFunc(p.sink.Paths(), func(path string) bool { return held[path] }) {
			starting = append(starting, p)
		} else {
			d.start(p)
		}
	}
	d.cfg = next
	d.admins = admins
	d.mu.Unlock()
	swapSocket()
	d.applyDaemonSettings(prev, next)

	// Stop what is gone, then hand token files over and start what replaces
	// it. A token file path may pass from one account to another between
	// generations (an account renamed, files reshuffled): its old owner must
	// have removed it before its new owner writes it, or the new token is
	// deleted behind its keeper's back.
	d.retireAll(ctx, retiring)
	d.handOver(handover)
	d.mu.Lock()
	for _, p := range starting {
		d.start(p)
	}
	// Wake socket callers waiting on a keeper this generation replaced.
	close(d.replaced)
	d.replaced = make(chan struct{})
	d.mu.Unlock()
	d.clients.prune(next)
	return diff, nil
}

// principalsEqual reports whether two resolved blocks grant the same ids.
func principalsEqual(a, b socket.Principals) bool {
	return slices.Equal(a.UIDs, b.UIDs) && slices.Equal(a.GIDs, b.GIDs)
}

// handover is a running account's move to a new token file set.
type handover struct {
	a *account
	p *prepared
}

// reconfigure applies a change that needs no new session: readers and
// timings at once; new token files (and their permissions) through the
// handover it returns, which handOver applies. The caller holds d.mu.
func (d *Daemon) reconfigure(a *account, next *config.Account, what config.What, p *prepared) handover {
	if p != nil {
		a.readers = p.readers
	}
	if what&config.TimingsChanged != 0 {
		a.k.SetTimings(next.PingInterval, next.RequestTimeout)
	}
	a.cfg = next
	return handover{a: a, p: p}
}

// handOver moves accounts to their new token file sets. For each account
// the keeper switches first and the old set is retired after (RemoveExcept
// removes the files no longer declared), so an unpublish racing the switch
// still reaches every file. A path that passes from one account to another
// is removed by its old owner before its new owner switches and writes it;
// only when accounts swap paths among themselves (a cycle) do the rest retire
// their old sets before switching.
func (d *Daemon) handOver(hs []handover) {
	pending := hs
	for len(pending) > 0 {
		// Paths the pending old sets still hold and will give up.
		giving := make(map[string]*account)
		for _, h := range pending {
			keep := h.p.sink.Paths()
			for _, path := range h.a.sink.Paths() {
				if !slices.Contains(keep, path) {
					giving[path] = h.a
				}
			}
		}
		var ready, rest []handover
		for _, h := range pending {
			if slices.ContainsFunc(h.p.sink.Paths(), func(path string) bool {
				from, ok := giving[path]
				return ok && from != h.a
			}) {
				rest = append(rest, h)
			} else {
				ready = append(ready, h)
			}
		}
		if len(ready) == 0 {
			// A cycle: retire every old set first, then switch.
			for _, h := range rest {
				d.retireSet(h)
			}
			d.switchSets(rest)
			return
		}
		d.switchSets(ready)
		for _, h := range ready {
			d.retireSet(h)
		}
		pending = rest
	}
}

// switchSets makes the keepers publish into their new sets.
func (d *Daemon) switchSets(hs []handover) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, h := range hs {
		h.a.k.SetSink(h.p.sink)
	}
}

// retireSet removes the files of an account's old set that its new set does
// not declare, and retires it: a late publish into it touches no file.
func (d *Daemon) retireSet(h handover) {
	if err := h.a.sink.RemoveExcept(h.p.sink.Paths()); err != nil {
		d.log.WithField("account", h.a.cfg.Name).WithError(err).Warn("remove token files no longer declared")
	}
	d.mu.Lock()
	h.a.sink = h.p.sink
	d.mu.Unlock()
}
