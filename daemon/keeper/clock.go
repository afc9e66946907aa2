package keeper

import (
	"context"
	"time"
)

// jumpSlack is how far the wall clock may run ahead of the monotonic clock
// between two checks before it counts as a jump: NTP slews by far less.
const jumpSlack = 2 * time.Second

// WatchClock notices the wall clock running ahead of the monotonic clock,
// as it does after a suspend and resume (Go's timers and monotonic clock
// stop while the machine sleeps; the server's clock does not), and then
// calls onJump, from WatchClock's goroutine. The daemon runs one WatchClock
// and calls CheckExpiry on every keeper from onJump. It checks every
// `every` (default 1s) and returns when ctx ends. now reads the wall clock
// (nil: time.Now).
func WatchClock(ctx context.Context, now func() time.Time, every time.Duration, onJump func()) {
	if now == nil {
		now = time.Now
	}
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	lastWall, lastMono := now().Round(0), time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		wall, mono := now().Round(0), time.Now()
		if wall.Sub(lastWall)-mono.Sub(lastMono) > jumpSlack {
			onJump()
		}
		lastWall, lastMono = wall, mono
	}
}
