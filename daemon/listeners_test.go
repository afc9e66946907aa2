package daemon

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/swaykeep/swaykeep/config"
	"github.com/swaykeep/swaykeep/daemon/socket"
)

// TestFailedReloadLeavesSocketModeAlone: a reload that changes the socket's
// mode and also fails (its metrics address is taken) must leave the running
// socket's mode as it was (DESIGN.md §5: a failed reload changes nothing).
func TestFailedReloadLeavesSocketModeAlone(t *testing.T) {
	dir, err := os.MkdirTemp("", "sk") // short: a socket path has at most 107 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "s.sock")
	sock, err := socket.Listen(path, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()

	log := logrus.New()
	log.SetOutput(io.Discard)
	d := New(Options{Log: log})
	prev := &config.Config{Daemon: config.Daemon{Socket: config.Socket{Path: path, Mode: 0o600}}}
	next := &config.Config{Daemon: config.Daemon{Socket: config.Socket{Path: path, Mode: 0o666}, MetricsListen: taken.Addr().String()}}
	if _, err := d.prepareSocket(prev, next); err == nil {
		t.Fatal("prepareSocket with a taken metrics address succeeded")
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("socket mode %04o after a failed reload, want 0600 as before", got)
	}
}
