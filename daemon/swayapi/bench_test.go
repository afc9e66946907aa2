package swayapi

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/swaykeep/swaykeep/daemon/swayapi/swayapitest"
)

// Benchmarks of the client against the simulator over a real loopback
// listener, with the client's own keep-alive transport (the one the daemon
// uses in production, at most 16 connections per host). The server counts the connections it accepts, which
// is the number of dials the client made: reported as "dials", so a
// transport that stops reusing connections shows up as a number, not as a
// flaky timed assertion. Figures: docs/performance.md.

// benchServer is a loopback simulator with alice and no login limit, over
// HTTPS when useTLS is set (HTTP/1.1 either way: the simulator does not
// offer h2), and a client of it trusting its certificate; both are closed
// when the benchmark ends.
func benchServer(b *testing.B, useTLS bool) (*swayapitest.Server, *Client) {
	b.Helper()
	sim := newSim(swayapitest.Options{})
	srv := swayapitest.NewServer(sim)
	opts := Options{}
	if useTLS {
		srv.Close()
		srv = swayapitest.NewTLSServer(sim)
		opts.CAFile = filepath.Join(b.TempDir(), "ca.pem")
		if err := srv.WriteCert(opts.CAFile); err != nil {
			b.Fatal(err)
		}
	}
	b.Cleanup(srv.Close)
	opts.BaseURL = srv.URL
	c, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.CloseIdleConnections)
	return srv, c
}

// BenchmarkLogin is one login after another; each ends the previous session
// (one session per user, the API's default).
func BenchmarkLogin(b *testing.B) {
	srv, c := benchServer(b, false)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Login(ctx, alice); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(srv.Connections()), "dials")
}

// BenchmarkPing is one ping after another on one session.
func BenchmarkPing(b *testing.B) {
	for _, scheme := range []string{"http", "https"} {
		b.Run(scheme, func(b *testing.B) {
			srv, c := benchServer(b, scheme == "https")
			ctx := context.Background()
			sess, err := c.Login(ctx, alice)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Ping(ctx, sess.Token); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(srv.Connections()), "dials")
		})
	}
}

// BenchmarkPingParallel pings from many goroutines at once through one
// client, as the keepers of a fleet share one client per API host. The
// transport opens at most 16 connections per host and keeps as many idle,
// so callers beyond 16 wait for a connection instead of dialing one: dials
// should stay at the number of callers, at most 16, whatever the number of
// pings (reported as "dials", in total: more than 16 means the transport
// churns, closing connections and dialing new ones).
func BenchmarkPingParallel(b *testing.B) {
	for _, bc := range []struct {
		scheme  string
		callers int
	}{
		{"http", 16}, {"http", 100}, {"https", 16}, {"https", 100},
	} {
		b.Run(fmt.Sprintf("%s/callers=%d", bc.scheme, bc.callers), func(b *testing.B) {
			callers := bc.callers
			srv, c := benchServer(b, bc.scheme == "https")
			ctx := context.Background()
			sess, err := c.Login(ctx, alice)
			if err != nil {
				b.Fatal(err)
			}
			// RunParallel starts parallelism × GOMAXPROCS goroutines.
			b.SetParallelism(max(1, callers/runtime.GOMAXPROCS(0)))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := c.Ping(ctx, sess.Token); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(srv.Connections()), "dials") // the login's included
		})
	}
}
