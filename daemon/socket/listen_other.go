//go:build !linux

package socket

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
)

// Listen is Linux-only: the socket authorizes peers by SO_PEERCRED.
func Listen(path string, mode fs.FileMode) (net.Listener, error) {
	return nil, fmt.Errorf("listen on %q: %w", path, errors.ErrUnsupported)
}
