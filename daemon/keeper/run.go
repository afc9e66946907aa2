package keeper

import (
	"context"
	"errors"
	"time"
)

// forever is what step returns when only a request can wake the loop.
const forever time.Duration = -1

// Run keeps the session until ctx is cancelled, then emits the Stopped event
// and returns nil. It leaves the token files as they are: whether to log out
// and remove them is the daemon's decision (Logout). Run may be called once.
func (k *Keeper) Run(ctx context.Context) error {
	k.mu.Lock()
	if k.started {
		k.mu.Unlock()
		return errors.New("keeper of " + k.name + " already started")
	}
	k.started = true
	k.mu.Unlock()
	defer k.markReady()

	// The first event announces the account (metrics and the event stream
	// count accounts per state from events).
	k.setState(Pending, nil, false)
	k.restore()
	for ctx.Err() == nil {
		k.applyRequests(ctx)
		if ctx.Err() != nil {
			break
		}
		d := k.step(ctx)
		if d == 0 {
			continue
		}
		k.sleep(ctx, d)
	}
	k.stop()
	return nil
}

// sleep waits d (forever when negative), a request, or ctx's end.
func (k *Keeper) sleep(ctx context.Context, d time.Duration) {
	var timer <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ctx.Done():
	case <-k.kick:
	case <-timer:
	}
}

// step does what is due (at most one request to the server) and returns 0,
// or returns how long to sleep until something is due.
func (k *Keeper) step(ctx context.Context) time.Duration {
	if s := k.sess; s != nil {
		expiry := k.expiry(s)
		if k.left(expiry) <= 0 {
			// Never leave a token published past its expiry. The server may
			// be unreachable: the login that follows backs off if so.
			k.dropSession(Pending, errors.New("session expired: no successful request within the server's timeout"))
			return 0
		}
		next := deadline{s.last, s.pingIn}
		if s.retry != nil {
			next = *s.retry
		}
		if k.left(next) <= 0 {
			k.ping(ctx)
			return 0
		}
		wait := min(k.left(next), k.left(expiry))
		if k.takeWant() {
			// A Token caller wants a fresh ping; still never more than one
			// a second (DESIGN.md §3).
			spacing := k.left(deadline{k.lastPing, MinPing})
			if spacing <= 0 {
				k.ping(ctx)
				return 0
			}
			wait = min(wait, spacing)
		}
		return wait
	}
	if k.takeWant() {
		k.finishAttempt() // no session to ping: let Token callers look again
	}
	switch k.state() {
	case Rejected:
		return forever // until the login fields change (a new keeper) or Relogin
	case Backoff, Disabled:
		if left := k.left(k.retry); left > 0 {
			return left
		}
	}
	k.login(ctx)
	return 0
}

// applyRequests takes what Relogin, SetTimings and SetSink asked for.
func (k *Keeper) applyRequests(ctx context.Context) {
	k.mu.Lock()
	relogin, retime, resink := k.relogin, k.retime, k.resink
	k.relogin, k.retime, k.resink = false, false, false
	k.mu.Unlock()

	if resink && k.published && k.sess != nil {
		k.publish(false, nil) // to the new sink; unchanged files are not rewritten
	}
	if retime {
		k.mu.Lock()
		k.pingEvery, k.reqTimeout = k.pingCfg, k.reqTO
		k.mu.Unlock()
		if k.sess != nil {
			k.sess.pingIn = k.pingAfter(k.sess.timeout, k.pingEvery)
			k.log.WithField("next_ping", k.sess.pingIn).Debug("timings changed")
		}
	}
	if relogin {
		k.log.Info("login requested by an admin")
		if s := k.sess; s != nil {
			k.unpublish()
			k.sess = nil
			k.logoutQuietly(ctx, s)
		}
		k.verifying = false
		k.markReady()
		k.loginFails, k.pingFails = 0, 0
		k.verdictAt = time.Time{}
		k.retry = deadline{}
		k.setState(Pending, nil, false)
		k.save()
	}
}

// stop reports the end of Run. Files and saved state stay as they are.
func (k *Keeper) stop() {
	k.mu.Lock()
	k.done = true
	k.mu.Unlock()
	k.setStateForce(Stopped, nil)
}

// takeWant reports whether a Token caller asked for a fresh ping.
func (k *Keeper) takeWant() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.want
}

// finishAttempt records that a ping or login completed, which serves every
// Token caller that asked before: they share this one request.
func (k *Keeper) finishAttempt() {
	k.mu.Lock()
	k.attempts++
	k.want = false
	k.broadcastLocked()
	k.mu.Unlock()
}

func (k *Keeper) state() State {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.status.State
}

func (k *Keeper) requestTimeout() time.Duration {
	if k.reqTimeout <= 0 {
		return 10 * time.Second
	}
	return k.reqTimeout
}

func (k *Keeper) currentSink() Sink {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.sink
}

// left returns how long until d is due (<= 0: due).
func (k *Keeper) left(d deadline) time.Duration { return d.in - k.since(d.from) }

func (k *Keeper) expiry(s *session) deadline {
	return deadline{s.last, effectiveTimeout(s.timeout, k.pingEvery)}
}

// after returns a deadline d from now.
func (k *Keeper) after(d time.Duration) deadline { return deadline{k.moment(), d} }

// wallOf returns the wall time at which d is due.
func wallOf(d deadline) time.Time { return d.from.wall.Add(d.in) }

func (k *Keeper) warnOnce(flag *bool, format string, args ...any) {
	if !*flag {
		*flag = true
		k.log.Warnf(format, args...)
	}
}
