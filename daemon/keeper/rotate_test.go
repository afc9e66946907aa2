package keeper

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/swaykeep/swaykeep/daemon/swayapi"
	"github.com/swaykeep/swaykeep/daemon/swayapi/swayapitest"
)

// rotating is a server that answers every ping with a new sessionToken (as
// the API may): it wraps the simulator and maps each new token back to the
// session the simulator knows.
type rotating struct {
	inner http.RoundTripper
	mu    sync.Mutex
	alias map[string]string // token handed out -> simulator's token
	n     int
}

func (r *rotating) RoundTrip(req *http.Request) (*http.Response, error) {
	ping := strings.HasSuffix(req.URL.Path, "/ping")
	if h := req.Header.Get("Authorization"); strings.HasPrefix(h, "DXAPI ") {
		r.mu.Lock()
		if real, ok := r.alias[strings.TrimPrefix(h, "DXAPI ")]; ok {
			req = req.Clone(req.Context())
			req.Header.Set("Authorization", "DXAPI "+real)
		}
		r.mu.Unlock()
	}
	resp, err := r.inner.RoundTrip(req)
	if err != nil || !ping || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		if real, ok := m["sessionToken"].(string); ok {
			r.mu.Lock()
			r.n++
			tok := fmt.Sprintf("rotated-%d-%s", r.n, real[:8])
			r.alias[tok] = real
			r.mu.Unlock()
			m["sessionToken"] = tok
			body, _ = json.Marshal(m)
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// A ping that answers a different token publishes it, with a NewToken
// event, and the next ping uses it.
func TestPingAdoptsNewToken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, swayapitest.Options{})
		rt := &rotating{inner: h.sim.Transport(), alias: map[string]string{}}
		c, err := swayapi.New(swayapi.Options{BaseURL: baseURL, Transport: rt})
		if err != nil {
			t.Fatal(err)
		}
		h.client = c
		s := h.sink()
		k, stop := h.start(h.account("alpha", "alice", password), s)
		defer stop()
		h.advance(time.Hour, 10*time.Second, s)
		if st := h.sim.Stats("alice"); st.Logins != 1 || st.FailedPings != 0 || st.Pings < 3 {
			t.Errorf("stats %+v", st)
		}
		tok, _ := s.current()
		if len(s.tokens) != 1+h.sim.Stats("alice").Pings || !strings.HasPrefix(tok.Reveal(), "rotated-") {
			t.Errorf("%d tokens published for %d pings", len(s.tokens), h.sim.Stats("alice").Pings)
		}
		got, _, err := k.Token(t.Context(), 0, false)
		if err != nil || got != tok {
			t.Errorf("Token does not hand out the rotated token")
		}
		h.evMu.Lock()
		n := 0
		for _, e := range h.events {
			if e.NewToken && e.Old == Active && e.New == Active {
				n++
			}
		}
		h.evMu.Unlock()
		if n != len(s.tokens)-1 {
			t.Errorf("%d NewToken events for %d rotations", n, len(s.tokens)-1)
		}
	})
}
