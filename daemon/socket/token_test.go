package socket_test

import (
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/swaykeep/swaykeep/daemon/keeper"
	"github.com/swaykeep/swaykeep/daemon/socket"
)

// TestTokenWait: ?wait= returns as soon as a token is published, and 503
// with the state when the wait (capped at MaxWait) runs out. Virtual time.
func TestTokenWait(t *testing.T) {
	tests := []struct {
		name        string
		query       string
		publishedAt time.Duration // 0: never
		wantStatus  int
		wantAfter   time.Duration
	}{
		{"no wait, no token", "", 0, http.StatusServiceUnavailable, 0},
		{"token published during the wait", "?wait=10s", 3 * time.Second, http.StatusOK, 3 * time.Second},
		{"wait in plain seconds", "?wait=10", 3 * time.Second, http.StatusOK, 3 * time.Second},
		{"wait runs out", "?wait=5s", 8 * time.Second, http.StatusServiceUnavailable, 5 * time.Second},
		{"wait capped", "?wait=1h", 0, http.StatusServiceUnavailable, socket.MaxWait},
		{"wait with min_valid", "?wait=1m&min_valid=10m", 20 * time.Second, http.StatusOK, 20 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := newBackend()
				s := newServer(t, b)
				published := make(chan struct{})
				if tt.publishedAt == 0 {
					close(published)
				} else {
					go func() {
						defer close(published)
						time.Sleep(tt.publishedAt)
						b.Publish("alpha", tokenOf("alpha"), time.Now().Add(sessionTTL))
					}()
				}
				start := time.Now()
				rec := do(s, reader, "GET", "/v1/accounts/alpha/token"+tt.query)
				if got := time.Since(start); got != tt.wantAfter {
					t.Errorf("answered after %s, want %s", got, tt.wantAfter)
				}
				if rec.Code != tt.wantStatus {
					t.Fatalf("status %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
				}
				if rec.Code == http.StatusOK && rec.Body.String() != tokenOf("alpha").Reveal() {
					t.Errorf("body %q, want the token", rec.Body)
				}
				if rec.Code == http.StatusServiceUnavailable {
					var nt socket.NoToken
					decode(t, rec, http.StatusServiceUnavailable, &nt)
					if nt.State != keeper.Pending {
						t.Errorf("503 state %q, want pending", nt.State)
					}
				}
				<-published
			})
		})
	}
}

// TestTokenMinValid: a token about to expire is refreshed first (one ping
// in the backend); a min_valid beyond the session timeout is refused at
// once, without asking the backend.
func TestTokenMinValid(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBackend()
		s := newServer(t, b)
		b.Publish("alpha", tokenOf("alpha"), time.Now().Add(5*time.Minute))

		var ans socket.TokenAnswer
		decode(t, do(s, reader, "GET", "/v1/accounts/alpha/token?min_valid=60s", "Accept", "application/json"), http.StatusOK, &ans)
		if b.Pings() != 0 || !ans.ExpiresAt.Equal(time.Now().Add(5*time.Minute)) {
			t.Errorf("min_valid 60s of a token valid 5m: %d pings, expiry %s; want none, unchanged", b.Pings(), ans.ExpiresAt)
		}

		decode(t, do(s, reader, "GET", "/v1/accounts/alpha/token?min_valid=10m", "Accept", "application/json"), http.StatusOK, &ans)
		if b.Pings() != 1 || ans.ExpiresAt.Sub(time.Now()) < 10*time.Minute {
			t.Errorf("min_valid 10m of a token valid 5m: %d pings, expires in %s; want 1 ping, >= 10m", b.Pings(), ans.ExpiresAt.Sub(time.Now()))
		}

		start := time.Now()
		var e socket.ErrorAnswer
		decode(t, do(s, reader, "GET", "/v1/accounts/alpha/token?min_valid=31m&wait=1m"), http.StatusBadRequest, &e)
		if time.Since(start) != 0 || b.Pings() != 1 {
			t.Errorf("min_valid beyond the timeout: answered after %s with %d pings; want at once, no ping", time.Since(start), b.Pings())
		}
	})
}

// TestTokenMinValidUnknownTimeout: before the first login the timeout is
// unknown, so the backend's own verdict (ErrMinValidTooLong) decides.
func TestTokenMinValidUnknownTimeout(t *testing.T) {
	b := newBackend()
	b.Set(socket.Account{Status: keeper.Status{Account: "alpha", State: keeper.Active, Expires: time.Now().Add(time.Hour)}})
	s := newServer(t, b)
	if rec := do(s, root, "GET", "/v1/accounts/alpha/token?min_valid=2h"); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("min_valid beyond the expiry with no known timeout: %d, want 503", rec.Code)
	}
	b.Set(socket.Account{Status: keeper.Status{Account: "alpha", State: keeper.Active, Expires: time.Now().Add(time.Hour), Timeout: time.Hour}})
	if rec := do(s, root, "GET", "/v1/accounts/alpha/token?min_valid=2h"); rec.Code != http.StatusBadRequest {
		t.Errorf("min_valid beyond the timeout: %d, want 400", rec.Code)
	}
}

// TestTokenWaitReaderRemoved: a reload that takes the peer off the readers
// during its wait gets it the 404, not the token published afterwards.
func TestTokenWaitReaderRemoved(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBackend()
		s := newServer(t, b)
		unknown := answer(do(s, reader, "GET", "/v1/accounts/nosuch/token"))
		done := make(chan struct{})
		go func() {
			defer close(done)
			time.Sleep(time.Second)
			b.Set(socket.Account{Status: keeper.Status{Account: "alpha", State: keeper.Pending, Timeout: sessionTTL}})
			b.Publish("alpha", tokenOf("alpha"), time.Now().Add(sessionTTL))
		}()
		if got := answer(do(s, reader, "GET", "/v1/accounts/alpha/token?wait=10s")); got != unknown {
			t.Errorf("answer after losing access during the wait:\n%s\nwant the unknown name's:\n%s", got, unknown)
		}
		<-done
	})
}
