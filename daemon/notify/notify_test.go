package notify

import (
	"context"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/swaykeep/swaykeep/daemon/keeper"
)

func quietLog() *logrus.Logger {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return l
}

type message struct {
	at    time.Time
	state string
}

// recorder stands in for the notify socket inside a synctest bubble, where
// real sockets cannot be read; notify_linux_test.go covers the socket.
type recorder struct {
	mu  sync.Mutex
	got []message
}

func (r *recorder) send(state string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, message{time.Now(), state})
	return nil
}

func (r *recorder) messages(prefix string) []message {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []message
	for _, m := range r.got {
		if strings.HasPrefix(m.state, prefix) {
			out = append(out, m)
		}
	}
	return out
}

func TestWatchdogCadence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		n := newNotifier(quietLog(), rec.send, time.Second) // WATCHDOG_USEC=1000000
		var healthy atomic.Bool
		healthy.Store(true)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		start := time.Now()
		go func() { done <- n.Watchdog(ctx, healthy.Load) }()

		time.Sleep(1750 * time.Millisecond)
		synctest.Wait()
		pings := rec.messages("WATCHDOG=1")
		if len(pings) != 4 {
			t.Fatalf("%d pings in 1.75s at WATCHDOG_USEC=1s, want 4 (at 0, 0.5, 1, 1.5s)", len(pings))
		}
		for i, p := range pings {
			if want := time.Duration(i) * 500 * time.Millisecond; p.at.Sub(start) != want {
				t.Errorf("ping %d at %v, want %v", i, p.at.Sub(start), want)
			}
		}

		// A stuck supervisor: no pings, however long.
		healthy.Store(false)
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if got := len(rec.messages("WATCHDOG=1")); got != 4 {
			t.Fatalf("%d pings while unhealthy, want none after the first 4", got-4)
		}

		// Recovered: pings resume at the next tick.
		healthy.Store(true)
		time.Sleep(time.Second)
		synctest.Wait()
		if got := len(rec.messages("WATCHDOG=1")); got != 6 {
			t.Errorf("%d pings after recovery, want 6", got)
		}

		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watchdog returned %v on cancel, want nil", err)
		}
	})
}

func TestWatchdogOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for _, n := range []*Notifier{
			newNotifier(quietLog(), (&recorder{}).send, 0), // no WATCHDOG_USEC
			newNotifier(quietLog(), nil, time.Second),      // no NOTIFY_SOCKET
		} {
			if err := n.Watchdog(t.Context(), func() bool { return true }); err != nil {
				t.Errorf("Watchdog = %v, want nil at once", err)
			}
		}
	})
}

func TestStatusCoalescing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		n := newNotifier(quietLog(), rec.send, 0)
		start := time.Now()
		statuses := func() []string {
			var s []string
			for _, m := range rec.messages("STATUS=") {
				s = append(s, strings.TrimPrefix(m.state, "STATUS=")+"@"+m.at.Sub(start).String())
			}
			return s
		}

		n.Status("a") // first: at once
		n.Status("b") // within the second: waits...
		n.Status("c") // ...and is replaced: last value wins
		synctest.Wait()
		if got := strings.Join(statuses(), " "); got != "a@0s" {
			t.Fatalf("statuses = %q, want a@0s", got)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if got := strings.Join(statuses(), " "); got != "a@0s c@1s" {
			t.Fatalf("statuses = %q, want a@0s c@1s", got)
		}

		time.Sleep(5 * time.Second)
		n.Status("c")          // unchanged: not resent
		n.Status("d")          // a second has passed: at once
		n.Status("e\nREADY=1") // waits; the newline cannot inject an assignment
		n.Flush()
		if got := strings.Join(statuses(), " "); got != "a@0s c@1s d@6s e READY=1@6s" {
			t.Fatalf("statuses = %q", got)
		}

		n.Status("f")
		n.Stopping() // flushes f, then STOPPING=1
		rec.mu.Lock()
		last := rec.got[len(rec.got)-2:]
		rec.mu.Unlock()
		if last[0].state != "STATUS=f" || last[1].state != "STOPPING=1" {
			t.Errorf("last messages = %q, %q; want STATUS=f then STOPPING=1", last[0].state, last[1].state)
		}
		time.Sleep(2 * time.Second) // the stopped timer fires nothing
		synctest.Wait()
		if got := len(rec.messages("STATUS=")); got != 5 {
			t.Errorf("%d statuses sent, want 5", got)
		}
	})
}

func TestProbe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		probes := make(chan chan struct{})
		healthy := Probe(probes, 100*time.Millisecond)

		// Nobody reads: stuck.
		if healthy() {
			t.Error("healthy with no supervisor loop, want false")
		}

		// A loop that takes the probe but never answers: stuck.
		go func() { <-probes }()
		if healthy() {
			t.Error("healthy when the loop never answered, want false")
		}

		// A loop that answers.
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go func() {
			for {
				select {
				case reply := <-probes:
					close(reply)
				case <-ctx.Done():
					return
				}
			}
		}()
		if !healthy() {
			t.Error("not healthy with a responsive loop")
		}
	})
}

func TestStatusLine(t *testing.T) {
	tests := []struct {
		name   string
		counts map[keeper.State]int
		reload string
		want   string
	}{
		{"empty", nil, "", "0 accounts"},
		{"one", map[keeper.State]int{keeper.Active: 1}, "", "1 account: 1 active"},
		{"fleet in state order", map[keeper.State]int{
			keeper.Rejected: 1, keeper.Active: 10, keeper.Backoff: 1, keeper.Degraded: 0,
		}, "ok at 16:30:05", "12 accounts: 10 active, 1 backoff, 1 rejected; last reload ok at 16:30:05"},
		{"unknown state still counted", map[keeper.State]int{keeper.Pending: 2, "weird": 1}, "failed at 16:31:10, 2 errors",
			"3 accounts: 2 pending, 1 weird; last reload failed at 16:31:10, 2 errors"},
	}
	for _, tt := range tests {
		if got := StatusLine(tt.counts, tt.reload); got != tt.want {
			t.Errorf("%s: StatusLine = %q, want %q", tt.name, got, tt.want)
		}
	}
}
