//go:build !linux

package socket

import (
	"errors"
	"fmt"
	"net"
)

// readPeer cannot identify peers outside Linux (SO_PEERCRED and
// SO_PEERGROUPS are Linux's), so every connection is refused: the socket
// authorizes by credentials or not at all.
func readPeer(net.Conn) (Peer, error) {
	return Peer{}, fmt.Errorf("read peer credentials: %w", errors.ErrUnsupported)
}
