package socket

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// maxPathLen is the longest path a Unix socket address holds (sun_path is
// 108 bytes with the terminating NUL).
const maxPathLen = len(unix.RawSockaddrUnix{}.Path) - 1

// Listen creates the Unix stream socket at path with exactly mode, and
// returns its listener. The file has its mode before the socket accepts a
// connection (DESIGN.md §4), whatever the process umask:
//
//   - the mode is set on the socket with fchmod before bind, so the file
//     is created with it (Linux takes the new inode's mode from the socket
//     inode, narrowed by the umask: never wider than asked);
//   - then the path is chmod-ed to exactly mode, undoing the umask;
//   - only then does listen(2) start queueing connections (a connect before
//     it is refused).
//
// The parent directory is created (0755) if missing. An existing file at
// path is replaced only if it is a socket nothing answers on (a stale socket
// of a daemon that died); a live one is an error. Closing the listener
// removes the file, unless another socket has replaced it meanwhile.
func Listen(path string, mode fs.FileMode) (net.Listener, error) {
	if len(path) > maxPathLen {
		return nil, fmt.Errorf("listen on %q: a Unix socket path has at most %d bytes, this one has %d", path, maxPathLen, len(path))
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("listen on %q: create directory: %w", path, err)
	}
	if err := removeStale(path); err != nil {
		return nil, err
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("listen on %q: socket: %w", path, err)
	}
	f := os.NewFile(uintptr(fd), path) // owns fd from here on
	defer f.Close()                    // net.FileListener dups it
	perm := uint32(mode.Perm())
	if err := unix.Fchmod(fd, perm); err != nil {
		return nil, fmt.Errorf("listen on %q: set mode %04o before bind: %w", path, perm, err)
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		return nil, fmt.Errorf("listen on %q: bind: %w", path, err)
	}
	var st unix.Stat_t
	err = unix.Stat(path, &st)
	if err == nil {
		err = unix.Chmod(path, perm)
	}
	if err == nil {
		err = unix.Listen(fd, unix.SOMAXCONN)
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("listen on %q: %w", path, err)
	}
	l, err := net.FileListener(f)
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("listen on %q: %w", path, err)
	}
	return &fileListener{Listener: l, path: path, dev: uint64(st.Dev), ino: uint64(st.Ino)}, nil
}

// removeStale removes the socket file at path when nothing answers on it.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("listen on %q: %w", path, err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("listen on %q: the path exists and is not a socket; remove it or choose another path", path)
	}
	c, err := net.DialTimeout("unix", path, 2*time.Second)
	switch {
	case err == nil:
		c.Close()
		return fmt.Errorf("listen on %q: another process is serving on this socket (a second daemon?)", path)
	case errors.Is(err, syscall.ECONNREFUSED):
		// Nobody listens: the file is left over from a daemon that died.
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("listen on %q: remove stale socket: %w", path, err)
		}
		return nil
	case errors.Is(err, fs.ErrNotExist):
		return nil // removed meanwhile
	default:
		return fmt.Errorf("listen on %q: check the existing socket: %w", path, err)
	}
}

// fileListener removes its socket file on Close, but only while the path
// still names the socket it bound: a newer listener that replaced it keeps
// its file.
type fileListener struct {
	net.Listener
	path     string
	dev, ino uint64
}

func (l *fileListener) Close() error {
	err := l.Listener.Close()
	var st unix.Stat_t
	if unix.Stat(l.path, &st) == nil && uint64(st.Dev) == l.dev && uint64(st.Ino) == l.ino {
		os.Remove(l.path)
	}
	return err
}
