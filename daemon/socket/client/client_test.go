package client

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/swaykeep/swaykeep/daemon/keeper"
	"github.com/swaykeep/swaykeep/daemon/socket"
	"github.com/swaykeep/swaykeep/daemon/socket/sockettest"
)

// serve starts a server of b on a fresh socket and returns its path.
func serve(t *testing.T, b *sockettest.Backend) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "skc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "s.sock")
	l, err := socket.Listen(path, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	log := logrus.New()
	log.SetOutput(&bytes.Buffer{})
	s := socket.New(b, log)
	var wg sync.WaitGroup
	wg.Go(func() { s.Serve(l) })
	t.Cleanup(func() {
		s.Shutdown(context.Background())
		wg.Wait()
	})
	return path
}

func backend() *sockettest.Backend {
	b := sockettest.New()
	for _, n := range []string{"alpha", "beta"} {
		b.Set(socket.Account{Status: keeper.Status{Account: n, State: keeper.Pending, Timeout: time.Hour}})
	}
	return b
}

func TestClient(t *testing.T) {
	b := backend()
	b.Publish("alpha", "SENTINEL-TOKEN", time.Now().Add(time.Hour))
	b.Unpublish("beta", keeper.Rejected, "login: credentials rejected (HTTP 401)", time.Time{})
	c := New(serve(t, b))
	defer c.Close()
	ctx := context.Background()

	tok, err := c.Token(ctx, "alpha", time.Minute, 0)
	if err != nil || tok.Token != "SENTINEL-TOKEN" || tok.Account != "alpha" {
		t.Errorf("Token(alpha) = %+v, %v", tok, err)
	}
	_, err = c.Token(ctx, "beta", 0, 0)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 503 || apiErr.NoToken == nil || apiErr.NoToken.State != keeper.Rejected {
		t.Errorf("Token(beta) error %v (%#v), want a 503 with state rejected", err, apiErr)
	}
	if !strings.Contains(err.Error(), "beta") || !strings.Contains(err.Error(), "credentials rejected") {
		t.Errorf("Token(beta) error %q does not say which and why", err)
	}
	_, err = c.Token(ctx, "nosuch", 0, 0)
	if !errors.As(err, &apiErr) || apiErr.Status != 404 || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("Token(nosuch) error %v, want a 404 naming the account", err)
	}

	accounts, err := c.Accounts(ctx)
	if err != nil || len(accounts) != 2 || accounts[0].State != keeper.Active || accounts[1].LastError == "" {
		t.Errorf("Accounts() = %+v, %v", accounts, err)
	}
	if a, err := c.Account(ctx, "beta"); err != nil || a.State != keeper.Rejected {
		t.Errorf("Account(beta) = %+v, %v", a, err)
	}
	if h, err := c.Health(ctx); err != nil || h.Accounts != 2 || h.States[keeper.Rejected] != 1 {
		t.Errorf("Health() = %+v, %v", h, err)
	}
	if err := c.Login(ctx, "beta"); err != nil {
		t.Errorf("Login(beta): %v", err)
	}
	if got := b.LoginRequests(); len(got) != 1 || got[0] != "beta" {
		t.Errorf("logins requested %q", got)
	}
}

// TestClientWait: the client's context allows for the wait.
func TestClientWait(t *testing.T) {
	b := backend()
	c := New(serve(t, b))
	defer c.Close()
	done := make(chan error, 1)
	go func() {
		tok, err := c.Token(context.Background(), "alpha", 0, time.Minute)
		if err == nil && tok.Token != "LATE" {
			err = errors.New("wrong token")
		}
		done <- err
	}()
	// Published before or during the wait, the answer is the token.
	time.AfterFunc(50*time.Millisecond, func() { b.Publish("alpha", "LATE", time.Now().Add(time.Hour)) })
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Token with wait did not return")
	}
}

// TestClientNoDaemon: a missing socket and a dead one are ErrNoDaemon with
// a message that names the path.
func TestClientNoDaemon(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.sock")
	_, err := New(missing).Accounts(context.Background())
	if !errors.Is(err, ErrNoDaemon) || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "SWAYKEEP_SOCKET") {
		t.Errorf("missing socket: %v", err)
	}

	dead := filepath.Join(dir, "dead.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: dead, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()
	_, err = New(dead).Accounts(context.Background())
	if !errors.Is(err, ErrNoDaemon) || !strings.Contains(err.Error(), "not running") {
		t.Errorf("dead socket: %v", err)
	}
}

// TestDialPermission: EACCES (the socket's mode, or a directory) is
// ErrPermission, never ErrNoDaemon (plan must not fall back on it). Root
// bypasses modes, so the errno is fed in directly.
func TestDialPermission(t *testing.T) {
	c := New("/run/swaykeep/swaykeep.sock")
	err := c.dialError(&net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", syscall.EACCES)})
	if !errors.Is(err, ErrPermission) || errors.Is(err, ErrNoDaemon) || !strings.Contains(err.Error(), "/run/swaykeep/swaykeep.sock") {
		t.Errorf("EACCES: %v", err)
	}
}

func TestSocketPath(t *testing.T) {
	t.Setenv(EnvSocket, "")
	if got := SocketPath(""); got != DefaultPath {
		t.Errorf("default %q", got)
	}
	t.Setenv(EnvSocket, "/tmp/env.sock")
	if got := SocketPath(""); got != "/tmp/env.sock" {
		t.Errorf("from env %q", got)
	}
	if got := SocketPath("/tmp/flag.sock"); got != "/tmp/flag.sock" {
		t.Errorf("flag %q", got)
	}
}

func TestWriteTable(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	var b strings.Builder
	WriteTable(&b, []socket.AccountStatus{
		{Account: "alpha", State: keeper.Active, ExpiresAt: now.Add(14*time.Minute + 59*time.Second + 400*time.Millisecond)},
		{Account: "desk.eu", State: keeper.Backoff, LastError: "login: transient failure\n(HTTP 502)"},
		{Account: "old", State: keeper.Degraded, ExpiresAt: now.Add(-10 * time.Second), LastError: "ping: transient failure"},
	}, now)
	want := `ACCOUNT  STATE     EXPIRES          LAST ERROR
alpha    active    in 14m59s        -
desk.eu  backoff   -                login: transient failure (HTTP 502)
old      degraded  expired 10s ago  ping: transient failure
`
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}
