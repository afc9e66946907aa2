package socket_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swaykeep/swaykeep/daemon/keeper"
	"github.com/swaykeep/swaykeep/daemon/socket"
)

// TestVisibility is DESIGN.md §4's authorization rule, in-process: who sees
// which account in listings, health counts and token reads. The same rule
// over real sockets, with real credentials, is TestAuthorizationOverSocket.
func TestVisibility(t *testing.T) {
	tests := []struct {
		name string
		peer socket.Peer
		sees []string
	}{
		{"root", root, accountNames},
		{"admin by supplementary group", groupAdmin, accountNames},
		{"reader by uid", reader, []string{"alpha"}},
		{"reader by supplementary group", groupReader, []string{"alpha"}},
		{"reader by primary group", primaryGrp, []string{"alpha"}},
		{"reader of another account", betaReader, []string{"beta"}},
		{"stranger", stranger, nil},
	}
	b := newBackend()
	publishAll(b)
	s := newServer(t, b)
	unknown := answer(do(s, stranger, "GET", "/v1/accounts/nosuch/token"))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var list socket.AccountList
			decode(t, do(s, tt.peer, "GET", "/v1/accounts"), http.StatusOK, &list)
			var got []string
			for _, a := range list.Accounts {
				got = append(got, a.Account)
			}
			if !slices.Equal(got, tt.sees) {
				t.Errorf("GET /v1/accounts lists %q, want %q", got, tt.sees)
			}
			var h socket.Health
			decode(t, do(s, tt.peer, "GET", "/v1/health"), http.StatusOK, &h)
			if h.Accounts != len(tt.sees) || h.States[keeper.Active] != len(tt.sees) || len(h.States) != len(keeper.States) {
				t.Errorf("GET /v1/health = %+v, want %d accounts, all active", h, len(tt.sees))
			}
			for _, n := range accountNames {
				rec := do(s, tt.peer, "GET", "/v1/accounts/"+n+"/token")
				if slices.Contains(tt.sees, n) {
					if rec.Code != http.StatusOK || rec.Body.String() != tokenOf(n).Reveal() {
						t.Errorf("token of %s: %d %q, want 200 and the token", n, rec.Code, rec.Body)
					}
					continue
				}
				if got := answer(rec); got != unknown {
					t.Errorf("token of %s differs from an unknown account's 404:\n%s\nwant:\n%s", n, got, unknown)
				}
			}
		})
	}
}

// TestHiddenIsUnknown: for a peer that may not see an account, every route
// about it answers byte for byte as for a name that does not exist.
func TestHiddenIsUnknown(t *testing.T) {
	b := newBackend()
	publishAll(b)
	s := newServer(t, b)
	for _, route := range []struct{ method, path string }{
		{"GET", "/v1/accounts/%s"},
		{"GET", "/v1/accounts/%s/token"},
		{"GET", "/v1/accounts/%s/token?min_valid=1h&wait=1s"},
		{"POST", "/v1/accounts/%s/login"},
	} {
		for _, peer := range []socket.Peer{stranger, reader} {
			hidden := do(s, peer, route.method, strings.Replace(route.path, "%s", "gamma", 1))
			unknown := do(s, peer, route.method, strings.Replace(route.path, "%s", "nosuch", 1))
			if hidden.Code != http.StatusNotFound || answer(hidden) != answer(unknown) {
				t.Errorf("%s %s as uid %d:\n%s\nan unknown name:\n%s", route.method, route.path, peer.UID, answer(hidden), answer(unknown))
			}
		}
	}
}

// TestLogin: admins only; 403 for a non-admin only where it may see the
// account, else the 404 of an unknown name.
func TestLogin(t *testing.T) {
	b := newBackend()
	s := newServer(t, b)
	unknown := answer(do(s, reader, "POST", "/v1/accounts/nosuch/login"))
	if rec := do(s, reader, "POST", "/v1/accounts/alpha/login"); rec.Code != http.StatusForbidden {
		t.Errorf("reader's login of its account: %d %s, want 403", rec.Code, rec.Body)
	}
	if got := answer(do(s, reader, "POST", "/v1/accounts/gamma/login")); got != unknown {
		t.Errorf("reader's login of a hidden account:\n%s\nwant the unknown name's:\n%s", got, unknown)
	}
	if rec := do(s, groupAdmin, "POST", "/v1/accounts/gamma/login"); rec.Code != http.StatusAccepted {
		t.Errorf("admin's login: %d %s, want 202", rec.Code, rec.Body)
	}
	if rec := do(s, root, "POST", "/v1/accounts/nosuch/login"); rec.Code != http.StatusNotFound {
		t.Errorf("login of an unknown account: %d, want 404", rec.Code)
	}
	if rec := do(s, root, "GET", "/v1/accounts/alpha/login"); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET of the login route: %d, want 405", rec.Code)
	}
	if got := b.LoginRequests(); !slices.Equal(got, []string{"gamma"}) {
		t.Errorf("logins requested: %q, want [gamma]", got)
	}
}

// TestTokenFormats: text/plain without a newline by default, JSON on Accept.
func TestTokenFormats(t *testing.T) {
	b := newBackend()
	expires := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	b.Publish("alpha", tokenOf("alpha"), expires)
	s := newServer(t, b)

	rec := do(s, reader, "GET", "/v1/accounts/alpha/token")
	if rec.Code != http.StatusOK || rec.Body.String() != tokenOf("alpha").Reveal() {
		t.Errorf("text answer: %d %q, want exactly the token", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want text/plain", ct)
	}
	if got := rec.Header().Get("X-Expires-At"); got != "2030-01-02T03:04:05Z" {
		t.Errorf("X-Expires-At %q", got)
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", got)
	}

	var ans socket.TokenAnswer
	decode(t, do(s, reader, "GET", "/v1/accounts/alpha/token", "Accept", "text/html, application/json;q=0.9"), http.StatusOK, &ans)
	want := socket.TokenAnswer{Account: "alpha", Token: tokenOf("alpha").Reveal(), ExpiresAt: expires}
	if ans != want {
		t.Errorf("JSON answer %+v, want %+v", ans, want)
	}
}

// TestNoToken: 503 with the state, the last error and Retry-After.
func TestNoToken(t *testing.T) {
	b := newBackend()
	next := time.Now().Add(90 * time.Second)
	b.Unpublish("alpha", keeper.Backoff, "login: transient failure (HTTP 502)", next)
	s := newServer(t, b)
	rec := do(s, reader, "GET", "/v1/accounts/alpha/token")
	var nt socket.NoToken
	decode(t, rec, http.StatusServiceUnavailable, &nt)
	if nt.State != keeper.Backoff || nt.Account != "alpha" || nt.LastError != "login: transient failure (HTTP 502)" || !nt.NextAttempt.Equal(next) || nt.Error == "" {
		t.Errorf("503 answer %+v", nt)
	}
	if ra := rec.Header().Get("Retry-After"); ra != "90" && ra != "89" {
		t.Errorf("Retry-After %q, want about 90", ra)
	}
}

// TestRoutes: unknown endpoints, methods, the peer requirement, and routes
// added with Handle (as reload and plan will be).
func TestRoutes(t *testing.T) {
	b := newBackend()
	s := newServer(t, b)
	s.Handle(socket.Route{Pattern: "POST /v1/test/admin", Admin: true, MaxBody: 8, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		p, _ := socket.PeerFrom(r.Context())
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(p)
	})})

	var e socket.ErrorAnswer
	decode(t, do(s, root, "GET", "/v2/nothing"), http.StatusNotFound, &e)
	decode(t, do(s, root, "DELETE", "/v1/accounts"), http.StatusMethodNotAllowed, &e)
	decode(t, do(s, reader, "POST", "/v1/test/admin"), http.StatusForbidden, &e)
	var p socket.Peer
	decode(t, do(s, groupAdmin, "POST", "/v1/test/admin"), http.StatusOK, &p)
	if p.UID != groupAdmin.UID {
		t.Errorf("handler saw peer %+v, want %+v", p, groupAdmin)
	}
	req := httptestRequest("POST", "/v1/test/admin", strings.Repeat("x", 100), root)
	rec := newRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d, want 413", rec.Code)
	}

	// A request without a peer is never served.
	noPeer := newRecorder()
	s.Handler().ServeHTTP(noPeer, httptestRequestNoPeer("GET", "/v1/accounts"))
	if noPeer.Code != http.StatusForbidden {
		t.Errorf("request without a peer: %d, want 403", noPeer.Code)
	}
}

// TestBadDurations: 400 with the parameter named.
func TestBadDurations(t *testing.T) {
	s := newServer(t, newBackend())
	for _, q := range []string{"min_valid=soon", "wait=-5s", "min_valid=1h"} {
		var e socket.ErrorAnswer
		decode(t, do(s, root, "GET", "/v1/accounts/alpha/token?"+q), http.StatusBadRequest, &e)
		if param, _, _ := strings.Cut(q, "="); !strings.Contains(e.Error, param) {
			t.Errorf("?%s: error %q does not name %s", q, e.Error, param)
		}
	}
}

func decode(t *testing.T, rec interface {
	Result() *http.Response
}, status int, v any) {
	t.Helper()
	resp := rec.Result()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want application/json", ct)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
}
