package notify

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// listenNotify plays systemd: a unixgram socket in a temp dir, named by
// NOTIFY_SOCKET for the rest of the test.
func listenNotify(t *testing.T, watchdogUsec string) *net.UnixConn {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	t.Setenv("WATCHDOG_USEC", watchdogUsec)
	t.Setenv("WATCHDOG_PID", "")
	return conn
}

// receive reads one datagram, failing the test after 5 s without one.
func receive(t *testing.T, conn *net.UnixConn) string {
	t.Helper()
	buf := make([]byte, 4096)
	if err := conn.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("no notification: %v", err)
	}
	return string(buf[:n])
}

func monotonicUsec(t *testing.T) int64 {
	t.Helper()
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		t.Fatal(err)
	}
	return ts.Nano() / 1000
}

func TestProtocolOverSocket(t *testing.T) {
	conn := listenNotify(t, "")
	sock := os.Getenv("NOTIFY_SOCKET")
	n := New(quietLog())
	if !n.Enabled() || n.WatchdogInterval() != 0 {
		t.Fatalf("Enabled = %v, WatchdogInterval = %v; want true, 0", n.Enabled(), n.WatchdogInterval())
	}

	n.Ready()
	if got := receive(t, conn); got != "READY=1" {
		t.Errorf("Ready sent %q", got)
	}

	n.Status("3 accounts: 3 active")
	if got := receive(t, conn); got != "STATUS=3 accounts: 3 active" {
		t.Errorf("Status sent %q", got)
	}

	n.Reloading()
	got := receive(t, conn)
	now := monotonicUsec(t)
	lines := strings.Split(got, "\n")
	if len(lines) != 2 || lines[0] != "RELOADING=1" || !strings.HasPrefix(lines[1], "MONOTONIC_USEC=") {
		t.Fatalf("Reloading sent %q, want RELOADING=1 and MONOTONIC_USEC= in one datagram", got)
	}
	usec, err := strconv.ParseInt(strings.TrimPrefix(lines[1], "MONOTONIC_USEC="), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	if d := now - usec; d < 0 || d > 1_000_000 {
		t.Errorf("MONOTONIC_USEC=%d is %d µs from CLOCK_MONOTONIC (%d), want within 1 s", usec, d, now)
	}
	n.Ready()
	if got := receive(t, conn); got != "READY=1" {
		t.Errorf("Ready after reload sent %q", got)
	}

	n.Stopping()
	if got := receive(t, conn); got != "STOPPING=1" {
		t.Errorf("Stopping sent %q", got)
	}

	if got, ok := os.LookupEnv("NOTIFY_SOCKET"); !ok || got != sock {
		t.Errorf("NOTIFY_SOCKET = %q, %v after use; want it left as %q", got, ok, sock)
	}
}

func TestWatchdogOverSocket(t *testing.T) {
	conn := listenNotify(t, "20000") // 20 ms: pings every 10 ms
	n := New(quietLog())
	if n.WatchdogInterval() != 20*time.Millisecond {
		t.Fatalf("WatchdogInterval = %v, want 20ms", n.WatchdogInterval())
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- n.Watchdog(ctx, func() bool { return true }) }()
	for range 3 {
		if got := receive(t, conn); got != "WATCHDOG=1" {
			t.Errorf("watchdog sent %q", got)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Watchdog = %v", err)
	}
	if _, ok := os.LookupEnv("WATCHDOG_USEC"); !ok {
		t.Error("WATCHDOG_USEC unset by the notifier")
	}
}

func TestWatchdogForAnotherPID(t *testing.T) {
	listenNotify(t, "1000000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()+1))
	if got := New(quietLog()).WatchdogInterval(); got != 0 {
		t.Errorf("WatchdogInterval = %v with WATCHDOG_PID of another process, want 0", got)
	}
}

func TestNoSocketIsNoop(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	n := New(quietLog())
	if n.Enabled() {
		t.Fatal("Enabled without NOTIFY_SOCKET")
	}
	n.Ready()
	n.Reloading()
	n.Status("x")
	n.Stopping()
	if err := n.Watchdog(t.Context(), func() bool { return true }); err != nil {
		t.Errorf("Watchdog = %v", err)
	}
}

func TestGoneSocketDoesNotBlock(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", filepath.Join(t.TempDir(), "gone.sock"))
	n := New(quietLog())
	n.Ready() // logs a warning once; must neither panic nor block
	n.Stopping()
}
