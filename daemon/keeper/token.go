package keeper

import (
	"context"
	"fmt"
	"time"

	"github.com/swaykeep/swaykeep/config/secret"
)

// Token returns the published token and its expiry, if it stays valid at
// least minValid. A token that does not makes the keeper ping once (or log
// in again, if the ping finds the session gone); concurrent callers share
// that one request. A minValid longer than the session timeout fails with
// ErrTooLong at once: no ping can give that.
//
// Without a (long enough) token, wait=false returns a *NoTokenError carrying
// the state and the last error; wait=true waits until a token good enough is
// published or ctx ends (then the error wraps ctx's).
func (k *Keeper) Token(ctx context.Context, minValid time.Duration, wait bool) (secret.Secret, time.Time, error) {
	asked := false
	var seen uint64
	for {
		k.mu.Lock()
		p, ch, done := k.pub, k.changed, k.attempts
		st, lastErr, timeout := k.status.State, k.status.LastError, k.knownTimeout
		var left time.Duration
		if p.ok() {
			left = k.left(p.expires)
			timeout = p.timeout
		}
		if p.ok() && left > 0 && left >= minValid {
			k.mu.Unlock()
			return p.tok, wallOf(p.expires), nil
		}
		if timeout > 0 && minValid > timeout {
			k.mu.Unlock()
			return "", time.Time{}, fmt.Errorf("token of %s valid for %v: %w (%v)", k.name, minValid, ErrTooLong, timeout)
		}
		noToken := &NoTokenError{Account: k.name, State: st, LastError: lastErr}
		answered := asked && done > seen // the ping we asked for completed
		kick := false
		switch {
		case k.done:
			// Stopped: nobody will ping or publish any more.
			k.mu.Unlock()
			return "", time.Time{}, noToken
		case p.ok() && !asked:
			// Held but too close to expiry: ask for one ping, shared with
			// every caller that asks before it completes.
			asked, seen, kick = true, done, true
			k.want = true
		case p.ok() && answered && !wait:
			noToken.Expires = wallOf(p.expires)
			k.mu.Unlock()
			return "", time.Time{}, noToken
		case !p.ok() && !wait && (!asked || answered && st != Pending):
			// Pending after our ping: the session was gone and the login
			// that replaces it is under way; wait for it too.
			k.mu.Unlock()
			return "", time.Time{}, noToken
		}
		k.mu.Unlock()
		if kick {
			k.wake()
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return "", time.Time{}, fmt.Errorf("%w: %w", noToken, ctx.Err())
		}
	}
}
