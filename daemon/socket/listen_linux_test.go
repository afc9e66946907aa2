package socket_test

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/swaykeep/swaykeep/daemon/socket"
)

// shortDir returns a fresh directory with a short path (a Unix socket path
// has at most 107 bytes; t.TempDir's can be longer).
func shortDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sk")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// withUmask runs f with the process umask set to mask. The umask is
// process-wide: tests using it do not run in parallel.
func withUmask(mask int, f func()) {
	old := syscall.Umask(mask)
	defer syscall.Umask(old)
	f()
}

// TestKernelTakesSocketModeAtBind pins the Linux behaviour Listen builds on:
// fchmod on a socket before bind gives the file that mode, narrowed by
// the umask (never wider).
func TestKernelTakesSocketModeAtBind(t *testing.T) {
	dir := shortDir(t)
	withUmask(0o022, func() {
		for _, mode := range []uint32{0o600, 0o660, 0o666} {
			path := filepath.Join(dir, fmt.Sprintf("k%o", mode))
			fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			if err := unix.Fchmod(fd, mode); err != nil {
				t.Fatal(err)
			}
			if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
				t.Fatal(err)
			}
			unix.Close(fd)
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := uint32(fi.Mode().Perm()), mode&^0o022; got != want {
				t.Errorf("fchmod %04o then bind under umask 022: file mode %04o, want %04o", mode, got, want)
			}
		}
	})
}

// TestListenMode: the socket file has exactly its mode as soon as Listen
// returns (before any connection is accepted), whatever the umask.
func TestListenMode(t *testing.T) {
	dir := shortDir(t)
	for _, umask := range []int{0, 0o022, 0o077} {
		for _, mode := range []fs.FileMode{0o600, 0o660, 0o666} {
			t.Run(fmt.Sprintf("umask %03o mode %04o", umask, mode), func(t *testing.T) {
				path := filepath.Join(dir, fmt.Sprintf("m%o-%o", umask, mode))
				var l net.Listener
				var err error
				withUmask(umask, func() { l, err = socket.Listen(path, mode) })
				if err != nil {
					t.Fatal(err)
				}
				defer l.Close()
				fi, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != mode {
					t.Errorf("socket file mode %s, want socket %04o", fi.Mode(), mode)
				}
			})
		}
	}
}

// TestListenCreatesDirectory: a missing parent directory is created.
func TestListenCreatesDirectory(t *testing.T) {
	path := filepath.Join(shortDir(t), "run", "sk.sock")
	l, err := socket.Listen(path, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket file after Close: %v, want removed", err)
	}
}

// TestListenStale: a socket file nothing answers on is replaced; a live
// socket and a file that is not a socket are left alone.
func TestListenStale(t *testing.T) {
	dir := shortDir(t)

	stale := filepath.Join(dir, "stale.sock")
	old, err := net.ListenUnix("unix", &net.UnixAddr{Name: stale, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	old.SetUnlinkOnClose(false) // as a killed daemon leaves it
	old.Close()
	l, err := socket.Listen(stale, 0o600)
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	c, err := net.Dial("unix", stale)
	if err != nil {
		t.Fatalf("dial the new socket: %v", err)
	}
	c.Close()
	l.Close()

	live := filepath.Join(dir, "live.sock")
	other, err := net.Listen("unix", live)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if l, err := socket.Listen(live, 0o600); err == nil || !strings.Contains(err.Error(), "another process") {
		if l != nil {
			l.Close()
		}
		t.Fatalf("Listen on a live socket: %v, want an error", err)
	}
	if c, err := net.Dial("unix", live); err != nil {
		t.Errorf("the live socket was disturbed: %v", err)
	} else {
		c.Close()
	}

	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("keep me"), 0o600)
	if l, err := socket.Listen(file, 0o600); err == nil {
		l.Close()
		t.Fatal("Listen over a regular file succeeded")
	}
	if b, _ := os.ReadFile(file); string(b) != "keep me" {
		t.Errorf("regular file changed: %q", b)
	}
}

// TestListenCloseKeepsSuccessor: closing an old listener does not remove a
// socket that has replaced its file (a restart racing a stop).
func TestListenCloseKeepsSuccessor(t *testing.T) {
	path := filepath.Join(shortDir(t), "s.sock")
	first, err := socket.Listen(path, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(path) // as a successor would after finding it stale
	second, err := socket.Listen(path, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	first.Close()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("closing the old listener removed the new socket: %v", err)
	}
}

// TestListenPathTooLong: a clear error instead of EINVAL.
func TestListenPathTooLong(t *testing.T) {
	path := "/tmp/" + strings.Repeat("x", 120)
	if l, err := socket.Listen(path, 0o600); err == nil || !strings.Contains(err.Error(), "at most 107 bytes") {
		if l != nil {
			l.Close()
		}
		t.Errorf("Listen(%d bytes): %v", len(path), err)
	}
}
