package keeper

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/swaykeep/swaykeep/config/secret"
	"github.com/swaykeep/swaykeep/daemon/swayapi/swayapitest"
)

// A token that would not stay valid long enough makes the keeper ping once,
// shared by every concurrent caller; more than the session timeout is
// ErrTooLong at once.
func TestTokenMinValidSharesOnePing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, swayapitest.Options{})
		s := h.sink()
		k, stop := h.start(h.account("alpha", "alice", password), s)
		defer stop()
		h.advance(20*time.Minute, time.Second, s) // pinged at ~15m: ~25m left
		ctx := context.Background()

		before := h.sim.Stats("alice")
		tok, exp, err := k.Token(ctx, 20*time.Minute, false)
		if err != nil || tok.IsZero() || exp.Sub(h.wall()) < 20*time.Minute {
			t.Fatalf("Token(20m) = %v, %v, %v", !tok.IsZero(), exp, err)
		}
		if h.sim.Stats("alice").Pings != before.Pings {
			t.Error("a token valid long enough cost a ping")
		}

		h.sim.SetFaults(swayapitest.Faults{Latency: time.Second}) // keep the ping in flight
		var wg sync.WaitGroup
		toks := make([]secret.Secret, 5)
		for i := range toks {
			wg.Go(func() {
				tok, exp, err := k.Token(ctx, 28*time.Minute, false)
				if err != nil || exp.Sub(h.wall()) < 28*time.Minute {
					t.Errorf("Token(28m) = %v, %v", exp, err)
				}
				toks[i] = tok
			})
		}
		wg.Wait()
		h.sim.SetFaults(swayapitest.Faults{})
		if n := h.sim.Stats("alice").Pings - before.Pings; n != 1 {
			t.Errorf("5 concurrent callers caused %d pings, want 1", n)
		}
		for _, tok := range toks {
			if tok != toks[0] || tok.IsZero() {
				t.Error("callers got different tokens")
			}
		}

		_, _, err = k.Token(ctx, simTimeout+time.Second, true)
		if !errors.Is(err, ErrTooLong) {
			t.Errorf("Token(timeout+1s) = %v, want ErrTooLong", err)
		}
	})
}

// Without a token: wait=false answers at once with the state and the last
// error; wait=true waits for the token, or for ctx.
func TestTokenWithoutToken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, swayapitest.Options{})
		h.sim.SetFaults(swayapitest.Faults{Errors5xx: 2})
		s := h.sink()
		k, stop := h.start(h.account("alpha", "alice", password), s)
		defer stop()
		synctest.Wait()

		_, _, err := k.Token(context.Background(), 0, false)
		var nt *NoTokenError
		if !errors.As(err, &nt) || nt.State != Backoff || nt.LastError == "" {
			t.Fatalf("Token(wait=false) = %v, want a NoTokenError in backoff", err)
		}

		got := make(chan error, 1)
		go func() {
			_, exp, err := k.Token(context.Background(), time.Minute, true)
			if err == nil && exp.Sub(h.wall()) < time.Minute {
				err = errors.New("token expires too soon")
			}
			got <- err
		}()
		h.advance(10*time.Minute, time.Second, s)
		select {
		case err := <-got:
			if err != nil {
				t.Errorf("Token(wait=true) = %v", err)
			}
		default:
			t.Fatal("Token(wait=true) still waiting after the login")
		}

		// Rejected: waiting ends with ctx, and the error says why.
		h2 := newHarness(t, swayapitest.Options{})
		a := h2.account("beta", "bob", "wrong-SENTINEL")
		k2, stop2 := h2.start(a, h2.sink())
		defer stop2()
		synctest.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _, err = k2.Token(ctx, 0, true)
		if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &nt) || nt.State != Rejected {
			t.Errorf("Token(wait) of a rejected account = %v", err)
		}
	})
}
