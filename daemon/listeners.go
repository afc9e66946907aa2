package daemon

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync"

	"github.com/swaykeep/swaykeep/config"
	"github.com/swaykeep/swaykeep/daemon/logging"
	"github.com/swaykeep/swaykeep/daemon/socket"
)

// listeners are the daemon's socket and metrics endpoint. A new one is bound
// before the old one is closed, so a reload that moves either never leaves a
// gap, and a new one that cannot be bound fails the reload with the old one
// still serving (DESIGN.md §5.3).
type listeners struct {
	mu        sync.Mutex
	server    *socket.Server
	sock      net.Listener
	activated bool // the socket came from systemd; the config's block is ignored
	metrics   context.CancelFunc
	wg        sync.WaitGroup
}

// prepareSocket binds what next needs and returns the func that swaps it in
// (a no-op when nothing changes).
func (d *Daemon) prepareSocket(prev, next *config.Config) (swap func(), err error) {
	l := &d.listeners
	var newSock net.Listener
	chmod := false
	switch {
	case d.opts.NoSocket || l.activated:
	case prev == nil && d.opts.Listener != nil:
		newSock, l.activated = d.opts.Listener, true
		d.log.WithField("socket", newSock.Addr().String()).Warn("using the socket passed in; the socket {} block's path and mode are ignored")
	case prev == nil:
		newSock, l.activated, err = socket.Open(next.Daemon.Socket.Path, next.Daemon.Socket.Mode, d.log)
	case prev.Daemon.Socket.Path != next.Daemon.Socket.Path:
		newSock, err = socket.Listen(next.Daemon.Socket.Path, next.Daemon.Socket.Mode)
	case prev.Daemon.Socket.Mode != next.Daemon.Socket.Mode:
		chmod = true // last: a reload that fails must leave the socket as it was
	}
	if err != nil {
		return nil, fmt.Errorf("socket %s: %w", next.Daemon.Socket.Path, err)
	}

	var newMetrics net.Listener
	if next.Daemon.MetricsListen != "" && (prev == nil || prev.Daemon.MetricsListen != next.Daemon.MetricsListen) {
		newMetrics, err = net.Listen("tcp", next.Daemon.MetricsListen)
		if err != nil {
			if newSock != nil && !l.activated {
				newSock.Close()
			}
			return nil, fmt.Errorf("metrics listener %s: %w", next.Daemon.MetricsListen, err)
		}
	}
	if chmod {
		if err := os.Chmod(next.Daemon.Socket.Path, next.Daemon.Socket.Mode); err != nil {
			if newMetrics != nil {
				newMetrics.Close()
			}
			return nil, fmt.Errorf("socket %s: %w", next.Daemon.Socket.Path, err)
		}
	}
	metricsOff := prev != nil && prev.Daemon.MetricsListen != "" && next.Daemon.MetricsListen == ""

	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if newSock != nil {
			if l.server == nil {
				l.server = socket.New(d, d.log)
				d.addRoutes(l.server)
			}
			l.wg.Go(func() { l.server.Serve(newSock) })
			if l.sock != nil {
				l.sock.Close()
			}
			l.sock = newSock
			d.log.WithField("socket", newSock.Addr().String()).Info("socket accepting")
		}
		if newMetrics != nil || metricsOff {
			if l.metrics != nil {
				l.metrics()
				l.metrics = nil
			}
		}
		if newMetrics != nil {
			ctx, cancel := context.WithCancel(context.Background())
			l.metrics = cancel
			l.wg.Go(func() {
				if err := d.metrics.Serve(ctx, newMetrics); err != nil {
					d.log.WithError(err).Error("metrics endpoint")
				}
			})
			d.log.WithField("listen", newMetrics.Addr().String()).Info("metrics endpoint listening")
		}
	}, nil
}

// closeListeners stops the socket (ending event streams) and the metrics
// endpoint, and waits for them.
func (d *Daemon) closeListeners() {
	l := &d.listeners
	l.mu.Lock()
	if l.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), socketDrain)
		l.server.Shutdown(ctx)
		cancel()
	}
	if l.metrics != nil {
		l.metrics()
	}
	l.mu.Unlock()
	l.wg.Wait()
}

// applyDaemonSettings applies the daemon block's settings that change in
// place: log level and format, login rate. Their values were validated at
// load.
func (d *Daemon) applyDaemonSettings(prev, next *config.Config) {
	n := next.Daemon
	if prev != nil && prev.Daemon.StateDir != n.StateDir {
		d.log.Warn("state_dir changed: it takes effect at the next restart")
	}
	if prev != nil && (prev.Daemon.LogLevel != n.LogLevel || prev.Daemon.LogFormat != n.LogFormat) { // at start, Run did it
		if err := logging.Configure(d.log, n.LogFormat, n.LogLevel); err != nil {
			d.log.WithError(err).Error("apply log settings")
		}
	}
	if prev != nil && prev.Daemon.LoginRate != n.LoginRate {
		d.limiters.SetRate(n.LoginRate)
	}
}
