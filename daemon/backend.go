package daemon

import (
	"context"
	"errors"
	"time"

	"github.com/swaykeep/swaykeep/config/secret"
	"github.com/swaykeep/swaykeep/daemon/keeper"
	"github.com/swaykeep/swaykeep/daemon/socket"
)

// The daemon is the socket server's Backend.
var _ socket.Backend = (*Daemon)(nil)

// Accounts implements socket.Backend.
func (d *Daemon) Accounts() []socket.Account {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.cfg == nil {
		return nil
	}
	out := make([]socket.Account, 0, len(d.cfg.Accounts))
	for _, a := range d.cfg.Accounts {
		if acct := d.accounts[a.Name]; acct != nil {
			out = append(out, socket.Account{Status: acct.k.Status(), Readers: acct.readers})
		}
	}
	return out
}

// Account implements socket.Backend.
func (d *Daemon) Account(name string) (socket.Account, bool) {
	acct := d.lookup(name)
	if acct == nil {
		return socket.Account{}, false
	}
	return socket.Account{Status: acct.k.Status(), Readers: acct.readers}, true
}

// Admins implements socket.Backend.
func (d *Daemon) Admins() socket.Principals {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.admins
}

// Token implements socket.Backend.
func (d *Daemon) Token(ctx context.Context, name string, minValid time.Duration, wait bool) (secret.Secret, time.Time, error) {
	for {
		d.mu.RLock()
		acct, replaced, down := d.accounts[name], d.replaced, d.down
		d.mu.RUnlock()
		if acct == nil {
			return "", time.Time{}, socket.ErrNotFound
		}
		tok, exp, err := acct.k.Token(ctx, minValid, wait)
		var nt *keeper.NoTokenError
		if wait && !down && errors.As(err, &nt) && nt.State == keeper.Stopped && ctx.Err() == nil {
			// A reload is replacing this account's keeper (its login
			// fields changed): wait for the new one rather than fail.
			select {
			case <-replaced:
				continue
			case <-ctx.Done():
			}
		}
		return d.tokenAnswer(acct, name, tok, exp, err)
	}
}

// tokenAnswer maps a keeper's Token result to the socket's errors.
func (d *Daemon) tokenAnswer(acct *account, name string, tok secret.Secret, exp time.Time, err error) (secret.Secret, time.Time, error) {
	var nt *keeper.NoTokenError
	switch {
	case errors.Is(err, keeper.ErrTooLong):
		return "", time.Time{}, socket.ErrMinValidTooLong
	case errors.As(err, &nt):
		st := acct.k.Status()
		return "", time.Time{}, &socket.NoTokenError{Account: name, State: nt.State, LastError: nt.LastError, NextAttempt: st.NextAttempt}
	}
	return tok, exp, err
}

// Login implements socket.Backend.
func (d *Daemon) Login(name string) error {
	acct := d.lookup(name)
	if acct == nil {
		return socket.ErrNotFound
	}
	acct.k.Relogin()
	return nil
}

func (d *Daemon) lookup(name string) *account {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.accounts[name]
}
