package watch

import (
	"context"
	"time"
)

// DefaultDelay is the daemon's debounce delay (DESIGN.md §5: about 250 ms):
// longer than an editor's save or a kubelet's volume swap takes, short
// enough that a reload feels immediate.
const DefaultDelay = 250 * time.Millisecond

// Debounce calls fire once delay has passed since the last value received
// from in (a trailing debounce): a burst of inputs closer together than delay
// gives one call, delay after the burst's last input, so an editor's
// write-rename-chmod sequence or a Kubernetes volume swap reloads once.
//
// fire runs on Debounce's goroutine, so calls never overlap; an input that
// arrives while fire runs starts a new delay once fire returns (with a
// coalescing channel such as [Watcher.Events], a change during a reload is
// never lost). A closed in stops the inputs; a pending call still fires.
// Debounce returns when ctx is done, dropping a pending call and leaving no
// timer or goroutine behind.
//
// in is a plain channel rather than a Watcher so the debounce can be tested
// under testing/synctest: fsnotify's goroutines live outside any bubble.
func Debounce(ctx context.Context, in <-chan struct{}, delay time.Duration, fire func()) {
	// One timer, reset on every input. Since Go 1.23 Reset and Stop leave no
	// stale tick in the channel, so a reset timer never fires early.
	timer := time.NewTimer(delay)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-in:
			if !ok {
				in = nil // a nil channel blocks: no more inputs
				continue
			}
			timer.Reset(delay)
		case <-timer.C:
			fire()
		}
	}
}
