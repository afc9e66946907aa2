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
// uses in production). The server counts the connections it accepts, which
// is the number of dials the client made: reported as "dials", so a
// transport that stops reusing connections shows up as a number, not as a
// flaky timed assertion. Figures: docs/performance.md.

// benchServer is a loopback simulator with alice and no login limit, over
// HTTPS when useTLS is set (HTTP/1.1 either way: the simulator does not
// offer h2), and a client of it trusting its certificate; both are closed
// when the benchmark ends. maxConns > 0 gives the client the production
// transport with MaxConnsPerHost set, to measure that remedy.
func benchServer(b *testing.B, useTLS bool, maxConns int) (*swayapitest.Server, *Client) {
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
	if maxConns > 0 {
		t, err := newTransport(opts.CAFile)
		if err != nil {
			b.Fatal(err)
		}
		t.MaxConnsPerHost = maxConns
		b.Cleanup(t.CloseIdleConnections)
		opts.Transport = t
	}
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
	srv, c := benchServer(b, false, 0)
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
			srv, c := benchServer(b, scheme == "https", 0)
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
// client, as the keepers of a fleet share one client per API host. With at
// most as many callers as the transport keeps idle connections per host
// (16), dials stay at the number of callers whatever the number of pings;
// beyond that, connections that come back to a full idle pool are closed
// and later calls dial again, so dials grow with the calls (reported as
// "dials" in total and "dials/1k-pings"). The maxconns=16 variants set the
// transport's MaxConnsPerHost, which makes callers beyond 16 wait for a
// connection instead of dialing one.
func BenchmarkPingParallel(b *testing.B) {
	for _, bc := range []struct {
		scheme   string
		callers  int
		maxConns int
	}{
		{"http", 16, 0}, {"http", 100, 0}, {"https", 16, 0}, {"https", 100, 0},
		{"http", 100, 16}, {"https", 100, 16},
	} {
		name := fmt.Sprintf("%s/callers=%d", bc.scheme, bc.callers)
		if bc.maxConns > 0 {
			name += fmt.Sprintf("/maxconns=%d", bc.maxConns)
		}
		b.Run(name, func(b *testing.B) {
			callers := bc.callers
			srv, c := benchServer(b, bc.scheme == "https", bc.maxConns)
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
			dials := float64(srv.Connections()) // the login's included
			b.ReportMetric(dials, "dials")
			b.ReportMetric(dials/float64(b.N)*1000, "dials/1k-pings")
		})
	}
}
