package socket

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/swaykeep/swaykeep/config/secret"
	"github.com/swaykeep/swaykeep/daemon/keeper"
)

// Backend is what the server needs from the daemon. Every method is called
// concurrently from request goroutines and must not block except where noted.
type Backend interface {
	// Accounts returns every account of the current generation, sorted by
	// name. The server filters it per peer.
	Accounts() []Account
	// Account returns one account of the current generation.
	Account(name string) (Account, bool)
	// Admins returns the resolved admins block. Root and the daemon's own
	// user are admins whatever it says; the server adds them.
	Admins() Principals
	// Token returns the account's published token and its expiry, making sure
	// it stays valid at least minValid (one ping or login first if needed,
	// shared by concurrent callers). With wait, it blocks until a token is
	// published or ctx is done; without, it fails at once when there is none.
	// Errors: ErrNotFound, ErrMinValidTooLong, *NoTokenError, or ctx's error.
	Token(ctx context.Context, name string, minValid time.Duration, wait bool) (secret.Secret, time.Time, error)
	// Login drops the account's session and logs in again, clearing a
	// rejected or disabled verdict. It does not wait for the login.
	// Errors: ErrNotFound.
	Login(name string) error
	// Subscribe returns the daemon's event stream. The channel is closed when
	// the subscription ends (cancel, shutdown, or a subscriber too slow to
	// keep up: the daemon must never block on one); the server then ends
	// the client's stream and the client reconnects.
	Subscribe() (events <-chan keeper.Event, cancel func())
}

// Account is one account of the current generation, as the socket sees it.
type Account struct {
	Status  keeper.Status
	Readers Principals // resolved readers: who may see the account and read its token
}

// Principals are resolved user and group ids (a readers or admins block).
type Principals struct {
	UIDs, GIDs []uint32
}

// Contains reports whether the peer is one of the users, or has one of the
// groups as its primary or a supplementary group.
func (p Principals) Contains(peer Peer) bool {
	if slices.Contains(p.UIDs, peer.UID) || slices.Contains(p.GIDs, peer.GID) {
		return true
	}
	for _, g := range peer.Groups {
		if slices.Contains(p.GIDs, g) {
			return true
		}
	}
	return false
}

// Errors a Backend returns; the server classifies them with errors.Is/As.
var (
	// ErrNotFound: no account of that name in the current generation.
	ErrNotFound = errors.New("no such account")
	// ErrMinValidTooLong: min_valid exceeds the session timeout, so no
	// token can ever satisfy it.
	ErrMinValidTooLong = errors.New("min_valid exceeds the session timeout")
)

// NoTokenError means the account has no published token (or none valid long
// enough) and the caller did not wait, or the wait ended.
type NoTokenError struct {
	Account     string
	State       keeper.State
	LastError   string    // never a secret
	NextAttempt time.Time // zero when unknown
}

func (e *NoTokenError) Error() string {
	msg := fmt.Sprintf("no token for %s: state %s", e.Account, e.State)
	if e.LastError != "" {
		msg += ": " + e.LastError
	}
	return msg
}
