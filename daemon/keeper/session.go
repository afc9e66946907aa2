package keeper

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/swaykeep/swaykeep/daemon/swayapi"
)

// login logs in once, through the host's limiter, and handles the outcome
// per api/sway-auth.md ("How to classify outcomes"). It runs only on the
// keeper's goroutine, so one account never has two logins at once.
func (k *Keeper) login(ctx context.Context) {
	// A retry from backoff or disabled keeps its state until it succeeds:
	// two log lines per retry of a long outage would drown the log.
	if st := k.state(); st != Backoff && st != Disabled {
		k.setState(Pending, nil, false)
	}
	if err := k.cfg.Limiters.Wait(ctx, k.host); err != nil {
		return // stopping
	}
	a := k.cfg.Account
	start := k.moment()
	k.mu.Lock()
	k.status.Logins++
	k.relogin = false // this login is what a Relogin during the wait asked for
	k.mu.Unlock()
	lctx, cancel := context.WithTimeout(ctx, k.requestTimeout())
	res, err := k.cfg.Client.Login(lctx, swayapi.Credentials{Username: a.Username, Domain: a.Domain, Password: a.Password})
	cancel()
	if ctx.Err() != nil {
		return // stopping: the cancellation says nothing about the account
	}
	k.count("login", err)
	defer k.finishAttempt()
	switch {
	case err == nil:
		k.loginFails = 0
		k.verdictAt = time.Time{}
		if res.Timeout <= 0 {
			k.warnOnce(&k.warnedFallback, "the server sent no usable session timeout: pinging every %v", FallbackPing)
		}
		k.sess = &session{tok: res.Token, timeout: res.Timeout, issued: start.wall, last: start}
		k.sess.pingIn = k.pingAfter(res.Timeout, k.pingEvery)
		k.publish(true, nil)
		k.save()
	case errors.Is(err, swayapi.ErrRateLimited):
		// The host's limit, not this account's fault: slow every login to
		// the host and try again through the limiter. Not the one try.
		ra, _ := swayapi.RetryAfter(err)
		d := k.cfg.Limiters.Pause(k.host, ra)
		k.log.WithField("pause", d).Debug("login rate-limited by the server")
		k.setError(err)
	case errors.Is(err, swayapi.ErrRejected):
		k.verdictAt = k.moment().wall
		k.setState(Rejected, err, false)
		k.save()
	case errors.Is(err, swayapi.ErrDisabled):
		k.verdictAt = k.moment().wall
		k.retry = k.after(DisabledRetry)
		k.setState(Disabled, err, false)
		k.save()
	case errors.Is(err, swayapi.ErrBadRequest):
		// Not the server's mood: the request or the base URL is wrong.
		// Retrying soon cannot help; say where to look.
		k.loginFails++
		k.retry = k.after(k.jitter(BadRequestBackoff, pingJitter))
		k.setState(Backoff, fmt.Errorf("%w (is api_url right?)", err), false)
	default: // transient, and anything unclassified
		k.loginFails++
		k.retry = k.after(k.fullJitter(k.loginFails-1, backoffBase, backoffCap, backoffMin))
		k.setState(Backoff, err, false)
	}
}

// ping pings the session once and handles the outcome.
func (k *Keeper) ping(ctx context.Context) {
	s := k.sess
	start := k.moment()
	k.lastPing = start
	pctx, cancel := k.pingContext(ctx, k.expiry(s))
	res, err := k.cfg.Client.Ping(pctx, s.tok)
	cancel()
	if ctx.Err() != nil {
		return
	}
	k.count("ping", err)
	defer k.finishAttempt()
	defer func() {
		if k.verifying {
			k.verifying = false
			k.markReady()
		}
	}()
	switch {
	case err == nil:
		k.pingFails = 0
		s.retry = nil
		newToken := !res.Token.IsZero() && res.Token != s.tok
		if newToken {
			s.tok = res.Token
		}
		if res.Timeout > 0 {
			s.timeout = res.Timeout
		}
		s.last = start
		s.pingIn = k.pingAfter(s.timeout, k.pingEvery)
		if k.left(k.expiry(s)) <= 0 {
			// The wall clock jumped past the expiry while the ping was in
			// flight (a suspend): when the server reset its timer is
			// unknown, so trust nothing. The next step drops the session.
			k.log.Debug("clock jumped during a ping: not trusting its answer")
			return
		}
		k.log.WithField("next_ping", s.pingIn).Debug("ping ok")
		k.publish(newToken, nil)
		k.save()
	case errors.Is(err, swayapi.ErrSessionGone):
		// 401/403: forced logout, expiry on the server, revoked access. The
		// token is dead; a login follows at once (a 403 there is Disabled).
		k.dropSession(Pending, err)
	default:
		// Transient, 429 or a 400-class answer: the session may well be
		// alive, so keep the token until it expires and retry so that
		// several tries fall before that.
		k.pingFails++
		left := k.left(k.expiry(s))
		if left <= 0 {
			// Expired while the ping was under way (cut short at expiry,
			// or by a clock jump): the next step drops the session.
			k.log.WithError(err).Debug("ping failed at expiry")
			return
		}
		d, ok := swayapi.RetryAfter(err)
		if !ok {
			ceil := min(backoffCap, left/retriesBeforeExpiry)
			d = k.fullJitter(k.pingFails-1, pingRetryMin, max(ceil, pingRetryMin), pingRetryMin)
		}
		r := k.after(d)
		s.retry = &r
		k.log.WithError(err).WithField("retry_in", d).Debug("ping failed")
		if k.verifying && !k.published {
			k.publish(false, err) // restored and unexpired: believed valid
		} else {
			k.setState(Degraded, err, false)
		}
	}
}

// pingContext bounds a ping by the request timeout and by the session's
// expiry, so that a slow answer never keeps a token published past it: on
// the monotonic clock through the deadline, and on the wall clock through a
// watcher that CheckExpiry wakes (after a suspend, the deadline's timer is
// late by the time the machine slept).
func (k *Keeper) pingContext(ctx context.Context, expiry deadline) (context.Context, context.CancelFunc) {
	pctx, cancel := context.WithTimeout(ctx, min(k.requestTimeout(), max(k.left(expiry), 0)))
	go func() {
		for {
			select {
			case <-pctx.Done():
				return
			case <-k.jump:
				if k.left(expiry) <= 0 {
					cancel()
					return
				}
			}
		}
	}()
	return pctx, cancel
}

// dropSession unpublishes the token and forgets the session.
func (k *Keeper) dropSession(next State, err error) {
	k.unpublish()
	k.sess = nil
	k.pingFails = 0
	k.setState(next, err, false)
	k.save()
}

// publish hands the session's token to the sink and records it for Token.
// The state becomes Active, or Degraded while pings are failing (cause is
// the failure). A sink failure is logged and kept as the last error; the
// next successful ping publishes again.
func (k *Keeper) publish(newToken bool, cause error) {
	s := k.sess
	exp := k.expiry(s)
	k.mu.Lock()
	k.pub = publication{tok: s.tok, expires: exp, timeout: exp.in}
	k.knownTimeout = exp.in
	k.broadcastLocked()
	k.mu.Unlock()
	k.published = true
	err := cause
	if serr := k.currentSink().Publish(s.tok, s.issued, wallOf(exp)); serr != nil {
		k.log.WithError(serr).Error("publish token")
		err = serr
	}
	st := Active
	if s.retry != nil {
		st = Degraded
	}
	k.setState(st, err, newToken)
}

// unpublish removes the token from the sink and from Token.
func (k *Keeper) unpublish() {
	k.mu.Lock()
	k.pub = publication{}
	k.broadcastLocked()
	k.mu.Unlock()
	k.published = false
	if err := k.currentSink().Unpublish(); err != nil {
		k.log.WithError(err).Error("unpublish token")
	}
}

// logoutQuietly logs a session out, best effort: tried once, forgotten
// whatever the answer (api/sway-auth.md).
func (k *Keeper) logoutQuietly(ctx context.Context, s *session) {
	lctx, cancel := context.WithTimeout(ctx, k.requestTimeout())
	defer cancel()
	if err := k.cfg.Client.Logout(lctx, s.tok); err != nil {
		k.log.WithError(err).Debug("logout failed (ignored)")
	}
}

// setError records err without a state change.
func (k *Keeper) setError(err error) {
	k.mu.Lock()
	k.status.LastError = err.Error()
	k.mu.Unlock()
}

// setState moves to state st and emits one Event when the state or the
// token changed. err, when not nil, becomes the last error; becoming Active
// without error clears it.
func (k *Keeper) setState(st State, err error, newToken bool) {
	k.mu.Lock()
	old := k.status.State
	k.fillStatusLocked(st, err)
	ev := k.eventLocked(old, newToken)
	k.mu.Unlock()
	if old != st || newToken {
		k.report(ev, old != st)
	}
}

// setStateForce emits the event even when the state did not change.
func (k *Keeper) setStateForce(st State, err error) {
	k.mu.Lock()
	old := k.status.State
	k.fillStatusLocked(st, err)
	ev := k.eventLocked(old, false)
	k.mu.Unlock()
	k.report(ev, old != st)
}

func (k *Keeper) fillStatusLocked(st State, err error) {
	k.status.State = st
	switch {
	case err != nil:
		k.status.LastError = err.Error()
	case st == Active:
		k.status.LastError = ""
	}
	s := k.sess
	k.status.Expires, k.status.Issued, k.status.LastSuccess, k.status.Timeout = time.Time{}, time.Time{}, time.Time{}, 0
	if s != nil {
		k.status.Issued, k.status.LastSuccess, k.status.Timeout = s.issued, s.last.wall, s.timeout
		if k.published {
			k.status.Expires = wallOf(k.expiry(s))
		}
	}
	k.status.NextAttempt = time.Time{}
	switch {
	case s != nil && s.retry != nil:
		k.status.NextAttempt = wallOf(*s.retry)
	case s != nil:
		k.status.NextAttempt = wallOf(deadline{s.last, s.pingIn})
	case st == Backoff || st == Disabled:
		k.status.NextAttempt = wallOf(k.retry)
	}
	k.broadcastLocked()
}

func (k *Keeper) eventLocked(old State, newToken bool) Event {
	return Event{
		Time:      k.moment().wall,
		Account:   k.name,
		Old:       old,
		New:       k.status.State,
		Published: k.published,
		NewToken:  newToken,
		Expires:   k.status.Expires,
		Err:       k.status.LastError,
	}
}

// report logs a state change (one info line) and emits the event.
func (k *Keeper) report(ev Event, stateChanged bool) {
	if stateChanged {
		e := k.log.WithField("state", ev.New)
		if !ev.Expires.IsZero() {
			e = e.WithField("expires", ev.Expires.Format(time.RFC3339))
		}
		if ev.Err != "" {
			e = e.WithField("error", ev.Err)
		}
		e.Infof("%s -> %s", ev.Old, ev.New)
	} else if ev.NewToken {
		k.log.WithField("state", ev.New).Debug("new token")
	}
	if k.cfg.Emit != nil {
		k.cfg.Emit(ev)
	}
}

// Result names the outcome class of a login or ping, for metrics labels:
// ok, rejected, disabled, session_gone, rate_limited, bad_request or
// transient.
func Result(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, swayapi.ErrRejected):
		return "rejected"
	case errors.Is(err, swayapi.ErrDisabled):
		return "disabled"
	case errors.Is(err, swayapi.ErrSessionGone):
		return "session_gone"
	case errors.Is(err, swayapi.ErrRateLimited):
		return "rate_limited"
	case errors.Is(err, swayapi.ErrBadRequest):
		return "bad_request"
	default:
		return "transient"
	}
}

func (k *Keeper) count(op string, err error) {
	if k.cfg.Count != nil {
		k.cfg.Count(op, Result(err))
	}
}
