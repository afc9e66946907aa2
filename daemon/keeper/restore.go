package keeper

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/swaykeep/swaykeep/daemon/statedir"
	"github.com/swaykeep/swaykeep/daemon/swayapi"
)

// restore takes up what the state store saved for this account (DESIGN.md
// §3, "Persistence"): a verdict for the same login fields stands; an
// unexpired session of the same login fields is verified with one ping and
// reused without a login; anything else is discarded. Whenever no session is
// reused, the sink is cleared: its files may hold a token of an earlier run
// that nobody vouches for.
func (k *Keeper) restore() {
	rec, ok := k.load()
	switch {
	case !ok:
	case rec.Fingerprint != k.fp:
		k.log.Info("login fields changed since the saved state: discarding it")
		k.deleteState()
	case rec.Verdict == statedir.VerdictRejected:
		k.unpublish()
		k.verdictAt = rec.VerdictAt
		k.setState(Rejected, fmt.Errorf("%w at %s (saved verdict; not retried until the login fields change or an admin asks)",
			swayapi.ErrRejected, rec.VerdictAt.Format(time.RFC3339)), false)
		k.markReady()
		return
	case rec.Verdict == statedir.VerdictDisabled:
		k.unpublish()
		k.verdictAt = rec.VerdictAt
		k.retry = deadline{k.momentAt(rec.VerdictAt), DisabledRetry}
		k.setState(Disabled, fmt.Errorf("%w at %s (saved verdict)", swayapi.ErrDisabled, rec.VerdictAt.Format(time.RFC3339)), false)
		k.markReady()
		return
	case !rec.Token.IsZero():
		// A last success "in the future" means the clock was stepped back
		// since: count it from now (the verifying ping re-bases it anyway).
		last := rec.LastSuccess
		if now := k.moment().wall; last.After(now) {
			last = now
		}
		s := &session{tok: rec.Token, timeout: rec.Timeout, issued: rec.Issued, last: k.momentAt(last)}
		if k.left(k.expiry(s)) > 0 {
			// Ping at once; Ready is closed when it answered.
			k.sess = s
			k.verifying = true
			return
		}
		k.log.Debug("saved session expired: discarding it")
	}
	k.unpublish()
	k.markReady()
}

func (k *Keeper) load() (statedir.Record, bool) {
	if k.cfg.Store == nil {
		return statedir.Record{}, false
	}
	rec, ok, err := k.cfg.Store.Load(k.name)
	if err != nil {
		k.log.WithError(err).Warn("cannot read saved state: starting afresh")
		return statedir.Record{}, false
	}
	return rec, ok
}

// save writes the account's session and verdict to the store. A failure is
// logged: the session goes on, only a restart would cost a login.
func (k *Keeper) save() {
	if k.cfg.Store == nil {
		return
	}
	rec := statedir.Record{Account: k.name, Fingerprint: k.fp, APIURL: k.cfg.Account.APIURL, CAFile: k.cfg.Account.CAFile}
	if s := k.sess; s != nil {
		rec.Token, rec.Timeout, rec.Issued, rec.LastSuccess = s.tok, s.timeout, s.issued, s.last.wall
		if k.published {
			rec.Files = k.sinkFiles()
		}
	}
	switch k.state() {
	case Rejected:
		rec.Verdict, rec.VerdictAt = statedir.VerdictRejected, k.verdictAt
	case Disabled:
		rec.Verdict, rec.VerdictAt = statedir.VerdictDisabled, k.verdictAt
	}
	if err := k.cfg.Store.Save(rec); err != nil {
		k.log.WithError(err).Warn("cannot save state")
	}
}

func (k *Keeper) deleteState() {
	if k.cfg.Store == nil {
		return
	}
	if err := k.cfg.Store.Delete(k.name); err != nil {
		k.log.WithError(err).Warn("cannot delete saved state")
	}
}

// sinkFiles returns the token file paths, recorded so that a later start can
// remove files of a session it does not resume. A sink may say which paths
// it writes (a Paths method); otherwise the account's declared files count.
func (k *Keeper) sinkFiles() []string {
	if p, ok := k.currentSink().(interface{ Paths() []string }); ok {
		return p.Paths()
	}
	var files []string
	for _, f := range k.cfg.Account.TokenFiles {
		files = append(files, f.Path)
	}
	return files
}

// Logout ends the session after Run returned (logout_on_exit, an account
// removed from the config): one best-effort logout, then the token is
// unpublished and the saved state forgotten. Errors of unpublishing and
// forgetting are returned; the logout's answer is not (it is tried once and
// forgotten whatever it says).
func (k *Keeper) Logout(ctx context.Context) error {
	k.mu.Lock()
	running := k.started && !k.done
	k.mu.Unlock()
	if running {
		return fmt.Errorf("log out %s: the keeper is still running", k.name)
	}
	// Unpublish first: the token is about to die, so nobody may be handed
	// it while the logout is under way (and a logout that hangs must not
	// keep the files).
	var errs []error
	k.mu.Lock()
	k.pub = publication{}
	k.broadcastLocked()
	k.mu.Unlock()
	k.published = false
	if err := k.currentSink().Unpublish(); err != nil {
		errs = append(errs, fmt.Errorf("log out %s: %w", k.name, err))
	}
	if s := k.sess; s != nil {
		k.logoutQuietly(ctx, s)
		k.sess = nil
	}
	k.mu.Lock()
	k.fillStatusLocked(Stopped, nil)
	k.mu.Unlock()
	if k.cfg.Store != nil {
		if err := k.cfg.Store.Delete(k.name); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
