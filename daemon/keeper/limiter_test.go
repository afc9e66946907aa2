package keeper

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// waitAll starts n Waits on host at once and returns when each passed,
// relative to the start.
func waitAll(t *testing.T, l *Limiters, host string, n int, during func()) []time.Duration {
	start := time.Now()
	out := make([]time.Duration, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := l.Wait(context.Background(), host); err != nil {
				t.Error(err)
			}
			out[i] = time.Since(start)
		})
	}
	synctest.Wait()
	if during != nil {
		during()
	}
	wg.Wait()
	return out
}

func maxOf(ds []time.Duration) time.Duration {
	m := ds[0]
	for _, d := range ds {
		m = max(m, d)
	}
	return m
}

func TestLimiterSpacesLoginsPerHost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiters(1)
		if got := maxOf(waitAll(t, l, "a", 3, nil)); got != 2*time.Second {
			t.Errorf("3 logins at 1/s took %v, want 2s", got)
		}
		time.Sleep(time.Second)
		// Another host has its own budget.
		var wg sync.WaitGroup
		start := time.Now()
		for _, h := range []string{"b", "c"} {
			wg.Go(func() { l.Wait(context.Background(), h) })
		}
		wg.Wait()
		if d := time.Since(start); d != 0 {
			t.Errorf("first logins of two hosts waited %v", d)
		}
		l.SetRate(10)
		time.Sleep(time.Second)
		if got := maxOf(waitAll(t, l, "a", 10, nil)); got > time.Second {
			t.Errorf("10 logins at 10/s took %v", got)
		}
	})
}

// A 429's pause holds every login to the host, including those already
// queued, and never shortens a longer pause.
func TestLimiterPause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiters(1)
		l.Wait(context.Background(), "a")
		got := waitAll(t, l, "a", 2, func() {
			time.Sleep(500 * time.Millisecond)
			l.Pause("a", 5*time.Second)
			l.Pause("a", time.Second) // shorter: no effect
		})
		for _, d := range got {
			if d < 5500*time.Millisecond {
				t.Errorf("a login passed %v after the start, inside the pause", d)
			}
		}
		if l.Wait(context.Background(), "b") != nil {
			t.Error("pause of host a held host b")
		}

		// Without Retry-After: from 1s, growing while 429s follow.
		time.Sleep(time.Hour)
		d1 := l.Pause("c", 0)
		d2 := l.Pause("c", 0)
		d3 := l.Pause("c", 0)
		if d1 < 500*time.Millisecond || d1 > time.Second || d3 < 2*time.Second || d3 > 4*time.Second || d2 > 2*time.Second {
			t.Errorf("backoff pauses %v, %v, %v", d1, d2, d3)
		}
	})
}

func TestLimiterWaitCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiters(1)
		l.Pause("a", time.Hour)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := l.Wait(ctx, "a"); err == nil {
			t.Error("Wait returned nil when its context ended")
		}
	})
}
