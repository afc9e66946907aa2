package sink

import (
	"errors"
	"fmt"
	"os"
	"slices"

	"golang.org/x/sys/unix"
)

// applyACL makes f's access ACL exactly acl: set it, or remove any ACL the
// file inherited from a default ACL of its directory when acl is nil. It
// runs on the temporary file, before content is written (atomicfile.WithHook).
func applyACL(f *os.File, acl []aclEntry) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var opErr error
	err = rc.Control(func(fd uintptr) {
		if acl == nil {
			opErr = unix.Fremovexattr(int(fd), aclXattr)
			if errors.Is(opErr, unix.ENODATA) || errors.Is(opErr, unix.ENOTSUP) {
				opErr = nil // no ACL, or none possible: nothing to remove
			}
			return
		}
		opErr = unix.Fsetxattr(int(fd), aclXattr, encodeACL(acl), 0)
	})
	if err != nil {
		return err
	}
	if errors.Is(opErr, unix.ENOTSUP) {
		return fmt.Errorf("set POSIX ACL for readers: %w: the file system does not support ACLs (mount it with acl, or use group instead of readers)", opErr)
	}
	if opErr != nil {
		return fmt.Errorf("set POSIX ACL for readers: %w", opErr)
	}
	return nil
}

// readACL returns the access ACL of path (not following a symlink), nil if
// it has none.
func readACL(path string) ([]aclEntry, error) {
	buf := make([]byte, 1024)
	for {
		n, err := unix.Lgetxattr(path, aclXattr, buf)
		switch {
		case errors.Is(err, unix.ENODATA), errors.Is(err, unix.ENOTSUP):
			return nil, nil
		case errors.Is(err, unix.ERANGE) && len(buf) < 1<<20:
			buf = make([]byte, 4*len(buf))
			continue
		case err != nil:
			return nil, fmt.Errorf("read POSIX ACL of %q: %w", path, err)
		}
		return decodeACL(buf[:n])
	}
}

func equalACL(a, b []aclEntry) bool { return slices.Equal(a, b) }
