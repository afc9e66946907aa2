package keeper

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/swaykeep/swaykeep/daemon/swayapi/swayapitest"
)

// The machine sleeps for an hour: Go's timers and monotonic clock stop, the
// wall clock jumps. WatchClock notices within its period and the keeper
// unpublishes the expired token at once, then logs in again.
func TestExpiryWhileSuspended(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, swayapitest.Options{})
		s := h.sink()
		k, stop := h.start(h.account("alpha", "alice", password), s)
		defer stop()
		ctx, cancel := context.WithCancel(context.Background())
		watched := make(chan struct{})
		go func() {
			defer close(watched)
			WatchClock(ctx, h.wall, time.Second, k.CheckExpiry)
		}()
		defer func() { cancel(); <-watched }()
		h.advance(5*time.Minute, time.Second, s)
		old, _ := s.current()
		unpublished := s.unpublishes

		h.offset.Add(int64(time.Hour)) // resume: the wall clock is an hour on
		synctest.Wait()
		time.Sleep(time.Second) // one WatchClock period
		synctest.Wait()
		s.check(t) // fails if the old token is still published
		if s.unpublishes != unpublished+1 {
			t.Errorf("%d unpublishes after the jump, want 1", s.unpublishes-unpublished)
		}
		tok, exp := s.current()
		if tok.IsZero() || tok == old || exp.Sub(h.wall()) < 29*time.Minute {
			t.Errorf("after the jump: new token %v, expires %v", tok != old && !tok.IsZero(), exp)
		}
		if st := h.sim.Stats("alice"); st.Logins != 2 {
			t.Errorf("%d logins, want 2", st.Logins)
		}
		if k.Status().State != Active {
			t.Errorf("state %s", k.Status().State)
		}
	})
}

// A suspend while a ping is in flight: the token is unpublished as soon as
// the jump is noticed, not when the slow ping gives up.
func TestExpiryWhileSuspendedDuringPing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, swayapitest.Options{})
		s := h.sink()
		k, stop := h.start(h.account("alpha", "alice", password), s)
		defer stop()
		ctx, cancel := context.WithCancel(context.Background())
		watched := make(chan struct{})
		go func() {
			defer close(watched)
			WatchClock(ctx, h.wall, time.Second, k.CheckExpiry)
		}()
		defer func() { cancel(); <-watched }()
		h.advance(time.Minute, time.Second, s)
		h.sim.SetFaults(swayapitest.Faults{Latency: 8 * time.Second})
		k.SetTimings(30*time.Second, 10*time.Second) // the next ping is due now
		synctest.Wait()
		if h.sim.Stats("alice").Pings != 0 {
			t.Fatal("the ping did not stay in flight")
		}
		h.offset.Add(int64(time.Hour))
		time.Sleep(time.Second)
		synctest.Wait()
		s.check(t)
		if tok, _ := s.current(); !tok.IsZero() {
			t.Error("the expired token is still published while the ping is in flight")
		}
		h.sim.SetFaults(swayapitest.Faults{})
		h.advance(10*time.Second, time.Second, s)
		if k.Status().State != Active {
			t.Errorf("state %s", k.Status().State)
		}
	})
}

// WatchClock calls onJump when the wall clock runs ahead, and not while
// both clocks agree.
func TestWatchClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var offset, jumps atomic.Int64
		wall := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			WatchClock(ctx, wall, 10*time.Second, func() { jumps.Add(1) })
		}()
		time.Sleep(time.Hour)
		synctest.Wait()
		if n := jumps.Load(); n != 0 {
			t.Errorf("%d jumps while the clocks agree", n)
		}
		offset.Add(int64(time.Second)) // NTP-sized step: not a suspend
		time.Sleep(time.Minute)
		offset.Add(int64(3 * time.Hour))
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if n := jumps.Load(); n != 1 {
			t.Errorf("%d jumps after one suspend, want 1", n)
		}
		offset.Add(-int64(time.Hour)) // backwards: the keepers' clocks cope
		time.Sleep(time.Minute)
		synctest.Wait()
		if n := jumps.Load(); n != 1 {
			t.Errorf("%d jumps after a backward step", n)
		}
		cancel()
		<-done
	})
}
