// Package notify speaks systemd's sd_notify protocol for the daemon
// (DESIGN.md §6): READY=1, RELOADING=1 with MONOTONIC_USEC, STOPPING=1,
// rate-limited STATUS= and WATCHDOG=1 pings tied to the supervisor's health.
//
// Outside systemd (NOTIFY_SOCKET unset) every method is a no-op, so the daemon
// calls them unconditionally. The notifier never unsets NOTIFY_SOCKET or
// WATCHDOG_USEC: a reload or a child may need them again.
package notify

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// statusInterval is the least time between two STATUS= messages: a fleet of
// accounts changing state at once must not flood PID 1.
const statusInterval = time.Second

// Notifier sends notifications to the service manager. It is safe for
// concurrent use; messages are sent in the order the calls were made.
type Notifier struct {
	log logrus.FieldLogger
	// send delivers one datagram; nil when not running under systemd.
	send func(state string) error
	// watchdog is WATCHDOG_USEC, zero when systemd expects no pings.
	watchdog time.Duration

	mu           sync.Mutex
	failing      bool        // the last send failed; logged once per streak
	lastStatus   string      // the STATUS= value systemd has
	lastStatusAt time.Time   // when it was sent
	pending      string      // the latest value not yet sent, while timer is set
	timer        *time.Timer // flushes pending; nil when nothing waits
	timerGen     int         // tells a stale timer's callback from the current one
}

// newNotifier is New with the environment read: send nil means no-op.
func newNotifier(log logrus.FieldLogger, send func(string) error, watchdog time.Duration) *Notifier {
	return &Notifier{log: log, send: send, watchdog: watchdog}
}

// Enabled reports whether notifications go anywhere (NOTIFY_SOCKET was set).
func (n *Notifier) Enabled() bool { return n.send != nil }

// WatchdogInterval is WATCHDOG_USEC: how long systemd waits for a ping before
// it kills the service; zero when the watchdog is off. Watchdog pings at half
// of it.
func (n *Notifier) WatchdogInterval() time.Duration {
	if n.send == nil {
		return 0
	}
	return n.watchdog
}

// Ready sends READY=1: start-up (config loaded, start-up reconciliation done,
// socket accepting) or a reload is complete. Call it after every Reloading,
// also when the reload failed and the old config stays.
func (n *Notifier) Ready() { n.notify("READY=1") }

// Reloading sends RELOADING=1 together with MONOTONIC_USEC= (CLOCK_MONOTONIC
// now) in one datagram, as systemd requires to match the reload to the
// request. Follow it with Ready.
func (n *Notifier) Reloading() { n.notify(reloadingMessage()) }

// Stopping sends any pending status, then STOPPING=1.
func (n *Notifier) Stopping() {
	n.Flush()
	n.notify("STOPPING=1")
}

// Status sets the one-line status `systemctl status` shows. Calls are
// coalesced: at most one STATUS= per second, the latest value wins, and a
// value that had to wait is sent when the second is up (or by Flush). An
// unchanged status is not resent. Newlines become spaces, as a newline would
// end the assignment and start another.
func (n *Notifier) Status(s string) {
	if n.send == nil {
		return
	}
	s = strings.Join(strings.Fields(s), " ")
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.timer != nil {
		n.pending = s
		return
	}
	if s == n.lastStatus {
		return
	}
	if wait := time.Until(n.lastStatusAt.Add(statusInterval)); wait > 0 {
		n.pending = s
		n.timerGen++
		gen := n.timerGen
		n.timer = time.AfterFunc(wait, func() { n.flush(gen) })
		return
	}
	n.sendStatusLocked(s)
}

// Flush sends a status still waiting for its turn, now.
func (n *Notifier) Flush() { n.flush(0) }

// flush sends the pending status. gen 0 is an explicit Flush; otherwise it is
// the timer generation, and a timer that fired after Flush had already
// replaced it does nothing.
func (n *Notifier) flush(gen int) {
	if n.send == nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.timer == nil || (gen != 0 && gen != n.timerGen) {
		return
	}
	n.timer.Stop()
	n.timer = nil
	if n.pending != n.lastStatus {
		n.sendStatusLocked(n.pending)
	}
}

func (n *Notifier) sendStatusLocked(s string) {
	n.lastStatus, n.lastStatusAt = s, time.Now()
	n.sendLocked("STATUS=" + s)
}

// Watchdog pings systemd with WATCHDOG=1 at half of WATCHDOG_USEC until ctx
// is done, but only while healthy reports true: a supervisor that is stuck
// stops the pings and lets systemd restart the service, which a bare ticker
// would never do. healthy is asked before each ping and should answer within
// a fraction of the interval (see Probe). It returns nil at once when the
// watchdog is off, and nil when ctx is done.
func (n *Notifier) Watchdog(ctx context.Context, healthy func() bool) error {
	if n.WatchdogInterval() <= 0 {
		return nil
	}
	every := max(n.watchdog/2, time.Millisecond)
	t := time.NewTicker(every)
	defer t.Stop()
	sick := false
	for {
		if healthy() {
			if sick {
				n.log.Info("supervisor healthy again: watchdog pings resume")
			}
			sick = false
			n.notify("WATCHDOG=1")
		} else if !sick {
			sick = true
			n.log.Warn("supervisor not responding: withholding watchdog pings")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Probe returns a healthy func for Watchdog that asks the supervisor loop to
// prove it is alive: it hands the loop a reply channel on probes and reports
// true if the loop closes it within timeout. The loop answers with
//
//	case reply := <-probes:
//		close(reply)
//
// Keep timeout well below the ping interval (WatchdogInterval()/4, say).
func Probe(probes chan<- chan struct{}, timeout time.Duration) func() bool {
	return func() bool {
		reply := make(chan struct{})
		t := time.NewTimer(timeout)
		defer t.Stop()
		select {
		case probes <- reply:
		case <-t.C:
			return false
		}
		select {
		case <-reply:
			return true
		case <-t.C:
			return false
		}
	}
}

func (n *Notifier) notify(state string) {
	if n.send == nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sendLocked(state)
}

// sendLocked sends under n.mu, which keeps datagrams in call order. A failure
// is logged once until a send succeeds again: systemd may be gone (a debug
// session with a stale NOTIFY_SOCKET) and the daemon should not spam.
func (n *Notifier) sendLocked(state string) {
	err := n.send(state)
	switch {
	case err != nil && !n.failing:
		n.failing = true
		n.log.WithError(err).Warn("systemd notification failed")
	case err == nil:
		n.failing = false
	}
}
