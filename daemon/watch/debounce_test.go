package watch

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

const testDelay = DefaultDelay

// debounced runs Debounce in the bubble and records when fire is called, as
// offsets from the start. stop cancels it and waits for it to return.
type debounced struct {
	in    chan struct{}
	start time.Time
	mu    sync.Mutex // synctest.Wait orders nothing for the race detector
	fires []time.Duration
	stop  func()
}

func startDebounce(t *testing.T, fireTakes time.Duration) *debounced {
	t.Helper()
	d := &debounced{in: make(chan struct{}, 1), start: time.Now()}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Debounce(ctx, d.in, testDelay, func() {
			d.mu.Lock()
			d.fires = append(d.fires, time.Since(d.start))
			d.mu.Unlock()
			time.Sleep(fireTakes)
		})
	}()
	d.stop = func() {
		cancel()
		<-done
	}
	t.Cleanup(d.stop)
	return d
}

// send feeds one input the way Watcher.Events does: coalescing, never blocking.
func (d *debounced) send() {
	select {
	case d.in <- struct{}{}:
	default:
	}
}

func (d *debounced) expectFires(t *testing.T, want ...time.Duration) {
	t.Helper()
	synctest.Wait()
	d.mu.Lock()
	defer d.mu.Unlock()
	if !slices.Equal(d.fires, want) {
		t.Fatalf("fired at %v, want %v", d.fires, want)
	}
}

func TestDebounceBurstFiresOnceAfterLastInput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := startDebounce(t, 0)
		for i := range 10 {
			if i > 0 {
				time.Sleep(100 * time.Millisecond)
			}
			d.send()
		}
		// The last input came at 900ms.
		time.Sleep(testDelay - time.Nanosecond)
		d.expectFires(t) // not a nanosecond early
		time.Sleep(time.Nanosecond)
		d.expectFires(t, 900*time.Millisecond+testDelay)
		time.Sleep(time.Hour)
		d.expectFires(t, 900*time.Millisecond+testDelay)
	})
}

func TestDebounceTwoBurstsFireTwice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := startDebounce(t, 0)
		d.send()
		time.Sleep(100 * time.Millisecond)
		d.send() // first burst ends at 100ms
		time.Sleep(time.Second)
		d.send() // second burst: 1.1s
		time.Sleep(time.Second)
		d.expectFires(t, 100*time.Millisecond+testDelay, 1100*time.Millisecond+testDelay)
	})
}

func TestDebounceSingleInputFiresAfterDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := startDebounce(t, 0)
		d.send()
		time.Sleep(time.Second)
		d.expectFires(t, testDelay)
	})
}

func TestDebounceNoInputNeverFires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := startDebounce(t, 0)
		time.Sleep(time.Hour)
		d.expectFires(t)
	})
}

func TestDebounceInputDuringFireIsNotLost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := startDebounce(t, 100*time.Millisecond) // fire runs 250ms..350ms
		d.send()
		time.Sleep(testDelay + 50*time.Millisecond)
		d.send() // at 300ms, while fire runs
		time.Sleep(time.Second)
		// The second delay starts when fire returns, at 350ms.
		d.expectFires(t, testDelay, 350*time.Millisecond+testDelay)
	})
}

func TestDebounceCancelStopsWithoutFiring(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := startDebounce(t, 0)
		d.send()
		time.Sleep(testDelay / 2)
		d.stop() // returns only once Debounce has returned
		time.Sleep(time.Hour)
		d.expectFires(t)
		// synctest.Test itself fails if a goroutine or timer of the
		// bubble were left blocked.
	})
}

func TestDebounceClosedInputFiresPendingThenWaitsForCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := startDebounce(t, 0)
		d.send()
		close(d.in)
		time.Sleep(time.Hour)
		d.expectFires(t, testDelay)
		d.stop()
	})
}
