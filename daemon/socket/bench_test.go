package socket_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/swaykeep/swaykeep/daemon/socket"
)

// Benchmarks of GET /v1/accounts/NAME/token, the socket's hot path: in
// process (the handler alone: routing, authorization, the backend, the
// answer) and over a real Unix socket (plus HTTP parsing, the connection
// and, for a new connection, reading the peer's credentials). The backend is
// sockettest's in-memory one with the fixture's accounts, so the figures are
// the socket's own cost, not a keeper's. Figures: docs/performance.md.

// benchSocketServer is the fixture's server with every token published and
// a quiet log.
func benchSocketServer() *socket.Server {
	b := newBackend()
	publishAll(b)
	log := logrus.New()
	log.SetOutput(io.Discard)
	return socket.New(b, log)
}

// BenchmarkTokenHandler calls the handler in-process, as an admin and as a
// reader authorized by the account's readers block.
func BenchmarkTokenHandler(b *testing.B) {
	s := benchSocketServer()
	h := s.Handler()
	for _, pc := range []struct {
		name string
		peer socket.Peer
	}{{"admin", root}, {"reader", groupReader}} {
		b.Run(pc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/v1/accounts/alpha/token", nil)
			req = req.WithContext(socket.WithPeer(req.Context(), pc.peer))
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// BenchmarkTokenUnixSocket asks for a token over a real Unix socket from
// many goroutines at once (b.RunParallel, 4 per CPU), reporting requests
// per second: with keep-alive connections (a program that keeps a client),
// and with a new connection per request (curl --unix-socket, swaykeep
// token: the daemon reads the peer's credentials each time).
func BenchmarkTokenUnixSocket(b *testing.B) {
	for _, mode := range []string{"keepalive", "conn-per-request"} {
		b.Run(mode, func(b *testing.B) {
			dir, err := os.MkdirTemp("", "skb") // short: a socket path has at most 107 bytes
			if err != nil {
				b.Fatal(err)
			}
			defer os.RemoveAll(dir)
			path := filepath.Join(dir, "s.sock")
			l, err := socket.Listen(path, 0o600)
			if err != nil {
				b.Fatal(err)
			}
			s := benchSocketServer()
			var wg sync.WaitGroup
			wg.Go(func() { s.Serve(l) })
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				s.Shutdown(ctx)
				wg.Wait()
			}()

			const parallelism = 4
			tr := &http.Transport{
				DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
					var d net.Dialer
					return d.DialContext(ctx, "unix", path)
				},
				MaxIdleConnsPerHost: parallelism * runtime.GOMAXPROCS(0),
				DisableKeepAlives:   mode == "conn-per-request",
			}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
			b.SetParallelism(parallelism)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := c.Get("http://swaykeep/v1/accounts/alpha/token")
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
