// Package sockettest provides an in-memory socket.Backend for tests of the
// socket API and its clients, in the spirit of net/http/httptest: accounts
// are set by hand, tokens published and events emitted on demand.
package sockettest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/swaykeep/swaykeep/config/secret"
	"github.com/swaykeep/swaykeep/daemon/keeper"
	"github.com/swaykeep/swaykeep/daemon/socket"
)

// Backend is a socket.Backend whose accounts tests set directly. It is safe
// for concurrent use, and usable inside a synctest bubble.
type Backend struct {
	mu       sync.Mutex
	accounts map[string]*entry
	admins   socket.Principals
	changed  chan struct{} // closed and replaced on every change: wakes waiters
	subs     map[chan keeper.Event]struct{}
	logins   []string
	pings    int
}

type entry struct {
	acct  socket.Account
	token secret.Secret
}

// subscriberBuffer is how many events a subscriber may lag behind before it
// is dropped (its channel closed), as the daemon does.
const subscriberBuffer = 256

// New returns an empty backend.
func New() *Backend {
	return &Backend{accounts: map[string]*entry{}, changed: make(chan struct{}), subs: map[chan keeper.Event]struct{}{}}
}

// Set adds or replaces an account (status and readers), as a reload would;
// its token, if any, is kept. It emits no event.
func (b *Backend) Set(a socket.Account) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.accounts[a.Status.Account]
	if e == nil {
		e = &entry{}
		b.accounts[a.Status.Account] = e
	}
	e.acct = a
	b.wakeLocked()
}

// Remove removes an account, as a reload would.
func (b *Backend) Remove(name string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.accounts, name)
	b.wakeLocked()
}

// SetAdmins sets the resolved admins block.
func (b *Backend) SetAdmins(p socket.Principals) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.admins = p
}

// Publish makes the account active with this token and emits the event.
func (b *Backend) Publish(name string, token secret.Secret, expires time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.mustLocked(name)
	old := e.acct.Status.State
	e.token = token
	st := &e.acct.Status
	st.State, st.Expires, st.LastError = keeper.Active, expires, ""
	st.Issued, st.LastSuccess = time.Now(), time.Now()
	b.emitLocked(keeper.Event{Time: time.Now(), Account: name, Old: old, New: keeper.Active, Published: true, NewToken: true, Expires: expires})
	b.wakeLocked()
}

// Unpublish puts the account in a state without a token and emits the event.
func (b *Backend) Unpublish(name string, state keeper.State, lastErr string, next time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.mustLocked(name)
	old := e.acct.Status.State
	e.token = ""
	st := &e.acct.Status
	st.State, st.Expires, st.LastError, st.NextAttempt = state, time.Time{}, lastErr, next
	b.emitLocked(keeper.Event{Time: time.Now(), Account: name, Old: old, New: state, Err: lastErr})
	b.wakeLocked()
}

// Emit sends an event to the subscribers as it is.
func (b *Backend) Emit(e keeper.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.emitLocked(e)
}

// LoginRequests returns the names Login was called with, in order.
func (b *Backend) LoginRequests() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.logins)
}

// Pings counts the pings Token made to satisfy a min_valid.
func (b *Backend) Pings() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.pings
}

// Accounts implements socket.Backend.
func (b *Backend) Accounts() []socket.Account {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]socket.Account, 0, len(b.accounts))
	for _, e := range b.accounts {
		out = append(out, e.acct)
	}
	slices.SortFunc(out, func(x, y socket.Account) int {
		if x.Status.Account < y.Status.Account {
			return -1
		}
		if x.Status.Account > y.Status.Account {
			return 1
		}
		return 0
	})
	return out
}

// Account implements socket.Backend.
func (b *Backend) Account(name string) (socket.Account, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.accounts[name]
	if !ok {
		return socket.Account{}, false
	}
	return e.acct, true
}

// Admins implements socket.Backend.
func (b *Backend) Admins() socket.Principals {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.admins
}

// Token implements socket.Backend like a keeper would: a published token
// that would expire before minValid is "pinged" (its expiry moved to now
// plus the timeout); with wait, it blocks until a token is published.
func (b *Backend) Token(ctx context.Context, name string, minValid time.Duration, wait bool) (secret.Secret, time.Time, error) {
	for {
		b.mu.Lock()
		e, ok := b.accounts[name]
		if !ok {
			b.mu.Unlock()
			return "", time.Time{}, socket.ErrNotFound
		}
		st := &e.acct.Status
		if st.Timeout > 0 && minValid > st.Timeout {
			b.mu.Unlock()
			return "", time.Time{}, socket.ErrMinValidTooLong
		}
		if st.State.HasToken() {
			if time.Until(st.Expires) < minValid && st.Timeout > 0 {
				b.pings++
				st.Expires, st.LastSuccess = time.Now().Add(st.Timeout), time.Now()
				b.emitLocked(keeper.Event{Time: time.Now(), Account: name, Old: st.State, New: st.State, Published: true, Expires: st.Expires})
			}
			if time.Until(st.Expires) >= minValid {
				tok, exp := e.token, st.Expires
				b.mu.Unlock()
				return tok, exp, nil
			}
		}
		noTok := &socket.NoTokenError{Account: name, State: st.State, LastError: st.LastError, NextAttempt: st.NextAttempt}
		changed := b.changed
		b.mu.Unlock()
		if !wait {
			return "", time.Time{}, noTok
		}
		select {
		case <-ctx.Done():
			return "", time.Time{}, ctx.Err()
		case <-changed:
		}
	}
}

// Login implements socket.Backend: it records the request.
func (b *Backend) Login(name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.accounts[name]; !ok {
		return socket.ErrNotFound
	}
	b.logins = append(b.logins, name)
	return nil
}

// Subscribe implements socket.Backend.
func (b *Backend) Subscribe() (<-chan keeper.Event, func()) {
	ch := make(chan keeper.Event, subscriberBuffer)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if _, ok := b.subs[ch]; ok {
			delete(b.subs, ch)
			close(ch)
		}
	}
}

// Subscribers returns how many subscriptions are open.
func (b *Backend) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

func (b *Backend) emitLocked(e keeper.Event) {
	for ch := range b.subs {
		select {
		case ch <- e:
		default: // too slow: drop the subscriber, never block
			delete(b.subs, ch)
			close(ch)
		}
	}
}

func (b *Backend) wakeLocked() {
	close(b.changed)
	b.changed = make(chan struct{})
}

func (b *Backend) mustLocked(name string) *entry {
	e, ok := b.accounts[name]
	if !ok {
		panic("sockettest: no account " + name)
	}
	return e
}
