package keeper

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiters hold one login limiter per API host, shared by every keeper of a
// daemon: the API allows about one login per second per source IP
// (api/sway-auth.md, "Rate limits"), whatever the account. A 429 pauses the
// host's limiter, which slows every login to that host, including those
// already waiting (DESIGN.md §3).
type Limiters struct {
	mu    sync.Mutex
	rate  rate.Limit
	hosts map[string]*hostLimiter
}

type hostLimiter struct {
	lim         *rate.Limiter
	pausedUntil time.Time // no login starts before this (monotonic clock)
	streak      int       // consecutive 429s without Retry-After, for the backoff
	lastPause   time.Time
}

// DefaultLoginRate is the API's documented login limit per source IP.
const DefaultLoginRate = 1.0

// 429 backoff when the server sends no Retry-After: from 1s, doubling on
// consecutive 429s, with jitter, up to a minute.
const (
	pauseBase = time.Second
	pauseCap  = time.Minute
)

// NewLimiters returns limiters allowing perSecond logins per second per host
// (DefaultLoginRate when perSecond <= 0).
func NewLimiters(perSecond float64) *Limiters {
	l := &Limiters{hosts: map[string]*hostLimiter{}}
	l.SetRate(perSecond)
	return l
}

// SetRate changes the rate of every host's limiter in place (a reload of
// login_rate); waiting logins keep their place.
func (l *Limiters) SetRate(perSecond float64) {
	if perSecond <= 0 {
		perSecond = DefaultLoginRate
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rate = rate.Limit(perSecond)
	for _, h := range l.hosts {
		h.lim.SetLimit(l.rate)
	}
}

func (l *Limiters) host(host string) *hostLimiter {
	h := l.hosts[host]
	if h == nil {
		// Burst 1: the API counts logins per second, so a burst would be
		// answered with 429s.
		h = &hostLimiter{lim: rate.NewLimiter(l.rate, 1)}
		l.hosts[host] = h
	}
	return h
}

// Wait blocks until a login to host may start, or ctx ends (then it returns
// ctx's error). A Pause while waiting postpones the login past the pause.
func (l *Limiters) Wait(ctx context.Context, host string) error {
	for {
		l.mu.Lock()
		h := l.host(host)
		wait := time.Until(h.pausedUntil)
		var r *rate.Reservation
		if wait <= 0 {
			r = h.lim.Reserve()
			wait = r.Delay()
		}
		l.mu.Unlock()
		if wait <= 0 {
			return nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			if r != nil {
				r.Cancel() // give the slot back to the next login
			}
			return ctx.Err()
		case <-t.C:
		}
		if r == nil {
			continue // the pause is over: now take a slot
		}
		l.mu.Lock()
		paused := time.Now().Before(h.pausedUntil)
		l.mu.Unlock()
		if !paused {
			return nil
		}
		// Paused while we waited for our slot: queue again after the pause.
	}
}

// Pause stops logins to host for d, after a 429. With d <= 0 (no
// Retry-After) it backs off from 1s, doubling while 429s follow each other,
// with jitter, up to a minute. A pause never shortens a longer one.
func (l *Limiters) Pause(host string, d time.Duration) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.host(host)
	now := time.Now()
	if d <= 0 {
		// A 429 within a while of the last pause continues the streak.
		if !h.lastPause.IsZero() && now.Sub(h.lastPause) < 2*pauseCap {
			h.streak++
		} else {
			h.streak = 0
		}
		max := pauseBase << min(h.streak, 6)
		if max > pauseCap {
			max = pauseCap
		}
		// Half fixed, half jitter: every waiting keeper sees the same
		// pause, and the jitter spreads hosts' retries.
		d = max/2 + rand.N(max/2+1)
	}
	h.lastPause = now
	if until := now.Add(d); until.After(h.pausedUntil) {
		h.pausedUntil = until
	}
	return d
}

// PausedUntil returns when host's pause ends (zero or past when none).
func (l *Limiters) PausedUntil(host string) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	if h := l.hosts[host]; h != nil {
		return h.pausedUntil
	}
	return time.Time{}
}
