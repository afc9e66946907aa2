package socket

import (
	"context"
	"net"

	"github.com/sirupsen/logrus"
)

// Peer is the process at the other end of a connection, as the kernel
// identified it when it connected (SO_PEERCRED, SO_PEERGROUPS).
type Peer struct {
	PID    int32
	UID    uint32
	GID    uint32   // primary group
	Groups []uint32 // supplementary groups, as the kernel sees them
}

type peerKey struct{}

// WithPeer returns a context carrying the peer. The server sets it for
// every connection; tests use it to call handlers in-process.
func WithPeer(ctx context.Context, p Peer) context.Context {
	return context.WithValue(ctx, peerKey{}, p)
}

// PeerFrom returns the peer of a request's context.
func PeerFrom(ctx context.Context) (Peer, bool) {
	p, ok := ctx.Value(peerKey{}).(Peer)
	return p, ok
}

// peerConn is an accepted connection whose credentials have been read.
type peerConn struct {
	net.Conn
	peer Peer
}

// peerListener reads every connection's credentials as it is accepted and
// closes the connections whose credentials cannot be read (DESIGN.md §4):
// an unidentified peer is never served, not even with an error.
type peerListener struct {
	net.Listener
	log logrus.FieldLogger
}

func (l *peerListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		p, err := readPeer(c)
		if err != nil {
			l.log.WithError(err).Warn("socket: closing a connection whose peer credentials cannot be read")
			c.Close()
			continue
		}
		return &peerConn{Conn: c, peer: p}, nil
	}
}

// connContext is the http.Server's ConnContext: it puts the peer read at
// Accept into every request's context.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if pc, ok := c.(*peerConn); ok {
		return WithPeer(ctx, pc.peer)
	}
	return ctx
}
