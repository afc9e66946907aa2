package socket_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swaykeep/swaykeep/daemon/socket"
)

// unixClient is an HTTP client of the socket at path.
func unixClient(path string) *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	}}}
}

// TestStuckClientBlocksNobody: a client that sends half a request and
// stops holds its own connection only.
func TestStuckClientBlocksNobody(t *testing.T) {
	path := filepath.Join(shortDir(t), "s.sock")
	l, err := socket.Listen(path, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	serveUntilCleanup(t, newServer(t, newBackend()), l)
	stuck, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	io.WriteString(stuck, "GET /v1/health HTTP/1.1\r\nHost: x\r\n") // no end of headers
	c := unixClient(path)
	defer c.CloseIdleConnections()
	c.Timeout = 10 * time.Second
	resp, err := c.Get("http://swaykeep/v1/health")
	if err != nil {
		t.Fatalf("a second client while one is stuck: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("health: %d", resp.StatusCode)
	}
}

// TestShutdownEndsStreams: Shutdown does not wait for event streams, which
// never go idle by themselves; they end, and Serve returns.
func TestShutdownEndsStreams(t *testing.T) {
	path := filepath.Join(shortDir(t), "s.sock")
	l, err := socket.Listen(path, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	b := newBackend()
	s := newServer(t, b)
	var wg sync.WaitGroup
	var serveErr error
	wg.Go(func() { serveErr = s.Serve(l) })

	resp, err := unixClient(path).Get("http://swaykeep/v1/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	if line, _ := r.ReadString('\n'); line != ": subscribed\n" {
		t.Fatalf("stream starts with %q", line)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown with an open stream: %v", err)
	}
	wg.Wait()
	if serveErr != nil {
		t.Errorf("Serve after Shutdown: %v", serveErr)
	}
	rest, _ := io.ReadAll(r)
	if strings.TrimSpace(string(rest)) != "" {
		t.Errorf("stream after shutdown: %q", rest)
	}
	if n := b.Subscribers(); n != 0 {
		t.Errorf("%d subscriptions left", n)
	}
}
