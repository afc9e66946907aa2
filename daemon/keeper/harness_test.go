package keeper

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/swaykeep/swaykeep/config"
	"github.com/swaykeep/swaykeep/config/secret"
	"github.com/swaykeep/swaykeep/daemon/statedir"
	"github.com/swaykeep/swaykeep/daemon/swayapi"
	"github.com/swaykeep/swaykeep/daemon/swayapi/swayapitest"
)

const (
	baseURL      = "http://127.0.0.1/dxsca-web/"
	password     = "pw-SENTINEL-1"
	simTimeout   = swayapitest.DefaultTimeout // 30m, as the real API
	pingInterval = simTimeout / 2
)

// recSink records what a keeper publishes and checks the token file
// contract as it goes: a token is never published already expired, and
// whoever looks sees a token that has not expired, or none.
type recSink struct {
	mu          sync.Mutex
	wall        func() time.Time
	tok         secret.Secret
	issued      time.Time
	expires     time.Time
	publishes   int
	unpublishes int
	tokens      []secret.Secret // every distinct token published, in order
	bad         []string
}

func (s *recSink) Publish(tok secret.Secret, issued, expires time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if tok.IsZero() {
		s.bad = append(s.bad, "published an empty token")
	}
	if !expires.After(s.wall()) {
		s.bad = append(s.bad, fmt.Sprintf("published a token expiring at %v, at %v", expires, s.wall()))
	}
	if len(s.tokens) == 0 || s.tokens[len(s.tokens)-1] != tok {
		s.tokens = append(s.tokens, tok)
	}
	s.tok, s.issued, s.expires = tok, issued, expires
	s.publishes++
	return nil
}

func (s *recSink) Unpublish() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tok, s.expires = "", time.Time{}
	s.unpublishes++
	return nil
}

// current returns the published token ("" if none).
func (s *recSink) current() (secret.Secret, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tok, s.expires
}

// check fails the test when the contract was broken.
func (s *recSink) check(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.tok.IsZero() && !s.expires.After(s.wall()) {
		s.bad = append(s.bad, fmt.Sprintf("token still published at %v, past its expiry %v", s.wall(), s.expires))
	}
	for _, b := range s.bad {
		t.Error(b)
	}
	s.bad = nil
}

// harness is one simulated API and the daemon-wide pieces keepers share.
type harness struct {
	t      *testing.T
	sim    *swayapitest.Simulator
	client *swayapi.Client
	lims   *Limiters
	store  *statedir.Store
	offset atomic.Int64 // added to the wall clock: a suspended machine's jump
	logs   bytes.Buffer // guarded by logMu
	logMu  sync.Mutex
	log    *logrus.Logger
	evMu   sync.Mutex
	events []Event
	runs   sync.WaitGroup
	sinks  []*recSink
}

// newHarness must be called inside the synctest bubble.
func newHarness(t *testing.T, o swayapitest.Options) *harness {
	h := &harness{t: t, sim: swayapitest.New(o), lims: NewLimiters(1)}
	c, err := swayapi.New(swayapi.Options{BaseURL: baseURL, Transport: h.sim.Transport()})
	if err != nil {
		t.Fatal(err)
	}
	h.client = c
	h.log = logrus.New()
	h.log.SetOutput(lockedWriter{&h.logMu, &h.logs})
	h.log.SetLevel(logrus.DebugLevel)
	t.Cleanup(h.checkLogs)
	return h
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (h *harness) withStore() *harness {
	s, err := statedir.Open(h.t.TempDir())
	if err != nil {
		h.t.Fatal(err)
	}
	h.store = s
	return h
}

// wall is the injected wall clock: the bubble's clock plus any jump.
func (h *harness) wall() time.Time { return time.Now().Add(time.Duration(h.offset.Load())) }

func (h *harness) account(name, user, pw string) *config.Account {
	h.sim.AddUser(user, "default", password)
	return &config.Account{
		Name: name, APIURL: baseURL, Domain: "default", Username: user,
		Password: secret.Secret(pw), RequestTimeout: 10 * time.Second,
	}
}

func (h *harness) sink() *recSink {
	s := &recSink{wall: h.wall}
	h.sinks = append(h.sinks, s)
	return s
}

// start runs a keeper until the returned stop function is called; stop
// waits for Run to return.
func (h *harness) start(a *config.Account, s Sink) (*Keeper, func()) {
	k := New(Config{
		Account: a, Client: h.client, Limiters: h.lims, Sink: s, Store: h.store,
		Emit: h.emit, Now: h.wall, Log: h.log, Rand: rand.New(rand.NewPCG(1, 2)),
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	h.runs.Add(1)
	go func() {
		defer h.runs.Done()
		defer close(done)
		if err := k.Run(ctx); err != nil {
			h.t.Errorf("Run: %v", err)
		}
	}()
	return k, func() { cancel(); <-done }
}

func (h *harness) emit(e Event) {
	h.evMu.Lock()
	defer h.evMu.Unlock()
	if e.Old == e.New && !e.NewToken && e.New != Stopped {
		h.t.Errorf("event without a change: %+v", e)
	}
	h.events = append(h.events, e)
}

// states returns the sequence of states one account went through.
func (h *harness) states(account string) []State {
	h.evMu.Lock()
	defer h.evMu.Unlock()
	var st []State
	for _, e := range h.events {
		if e.Account == account && e.Old != e.New {
			st = append(st, e.New)
		}
	}
	return st
}

// advance lets d of virtual time pass in steps, checking the sinks' contract
// after every step.
func (h *harness) advance(d, step time.Duration, sinks ...*recSink) {
	h.t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); {
		time.Sleep(min(step, time.Until(end)))
		synctest.Wait()
		for _, s := range sinks {
			s.check(h.t)
		}
	}
}

// checkLogs: no password and no token ever reaches a log line.
func (h *harness) checkLogs() {
	h.logMu.Lock()
	defer h.logMu.Unlock()
	out := h.logs.String()
	if os.Getenv("KEEPER_TEST_LOGS") != "" {
		h.t.Log("\n" + out)
	}
	if strings.Contains(out, "SENTINEL") {
		h.t.Errorf("a password reached the log:\n%s", out)
	}
	for _, s := range h.sinks {
		s.mu.Lock()
		for _, tok := range s.tokens {
			if strings.Contains(out, tok.Reveal()) {
				h.t.Errorf("a token reached the log")
			}
		}
		s.mu.Unlock()
	}
}

// valid reports whether the server honours tok (with a ping of its own:
// call it when ping counts no longer matter).
func (h *harness) valid(tok secret.Secret) bool {
	_, err := h.client.Ping(context.Background(), tok)
	return err == nil
}
