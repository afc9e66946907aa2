package keeper

import (
	"math/rand/v2"
	"time"
)

// Timing constants of DESIGN.md §3 and the outcome table of api/sway-auth.md.
const (
	// FallbackPing is the ping interval when the server sent no usable timeout.
	FallbackPing = 60 * time.Second
	// MinPing: never ping more often than once a second.
	MinPing = time.Second
	// pingJitter is the ±fraction of jitter on an automatic ping interval.
	pingJitter = 0.10

	// Transient login failures back off exponentially with full jitter.
	backoffBase = time.Second
	backoffCap  = 5 * time.Minute
	backoffMin  = 250 * time.Millisecond // full jitter can draw ~0: keep a floor
	// BadRequestBackoff follows a 400-class answer: the request itself is
	// wrong (a bug or a wrong base URL); retrying soon cannot help.
	BadRequestBackoff = 15 * time.Minute
	// DisabledRetry is how long a 403 at login waits before one more try.
	DisabledRetry = 6 * time.Hour
	// pingRetryMin is the shortest wait between retries of a failed ping.
	pingRetryMin = time.Second
	// retriesBeforeExpiry: a failed ping's retries are spaced so that at
	// least about this many fall before the session expires.
	retriesBeforeExpiry = 4
)

// moment is a point in time read from both clocks. Go timers and the
// monotonic clock stop while a machine is suspended but the server's clock
// does not, so a session's age is the larger of the two readings; and a wall
// clock stepped backwards cannot make it look younger (DESIGN.md §3).
type moment struct {
	wall time.Time // from Config.Now, monotonic reading stripped
	mono time.Time // from time.Now
}

func (k *Keeper) moment() moment {
	return moment{wall: k.now().Round(0), mono: time.Now()}
}

// since returns how long ago m was: the larger of the two clocks' readings.
func (k *Keeper) since(m moment) time.Duration {
	now := k.moment()
	return max(now.wall.Sub(m.wall), now.mono.Sub(m.mono))
}

// momentAt returns the moment whose wall time is wall, for a saved time.
func (k *Keeper) momentAt(wall time.Time) moment {
	now := k.moment()
	return moment{wall: wall.Round(0), mono: now.mono.Add(wall.Sub(now.wall))}
}

// fullJitter draws uniformly from [0, min(cap, base·2^n)), floored at lo.
func (k *Keeper) fullJitter(n int, base, cap, lo time.Duration) time.Duration {
	ceil := cap
	if n < 30 && base<<n < cap && base<<n > 0 {
		ceil = base << n
	}
	d := time.Duration(k.rand() * float64(ceil))
	return max(d, lo)
}

// jitter returns d scaled by a random factor in [1-f, 1+f].
func (k *Keeper) jitter(d time.Duration, f float64) time.Duration {
	return time.Duration(float64(d) * (1 - f + 2*f*k.rand()))
}

func (k *Keeper) rand() float64 {
	if k.cfg.Rand != nil {
		return k.cfg.Rand.Float64()
	}
	return rand.Float64()
}

// pingAfter returns how long after a successful request the next ping is
// due, for a session with the server's timeout (0 if unknown).
func (k *Keeper) pingAfter(timeout, configured time.Duration) time.Duration {
	if configured > 0 { // a fixed ping_interval
		if timeout > 0 && configured > timeout*3/4 {
			k.warnOnce(&k.warnedInterval, "ping_interval is too close to the server's timeout of %v: pinging at half the timeout instead", timeout)
			return max(timeout/2, MinPing)
		}
		return max(configured, MinPing)
	}
	if timeout <= 0 {
		return FallbackPing
	}
	return max(k.jitter(timeout/2, pingJitter), MinPing)
}

// effectiveTimeout is the timeout expiry is judged by. When the server sent
// none, assume the session outlives two pings: long enough not to drop a
// live token between pings, short enough that a token whose pings keep
// failing is unpublished within minutes.
func effectiveTimeout(timeout, configured time.Duration) time.Duration {
	if timeout > 0 {
		return timeout
	}
	return 2 * max(FallbackPing, configured)
}
