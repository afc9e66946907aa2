// Package socket is swaykeep's local HTTP API on a Unix socket (DESIGN.md §4,
// docs/socket.md), with per-account authorization by the peer's kernel
// credentials.
//
// Every connection's peer is read once, when it is accepted (SO_PEERCRED,
// SO_PEERGROUPS); a connection whose credentials cannot be read is closed.
// Root, the daemon's own user and the admins block are admins; an account's
// readers may see it and read its token. For anybody else the account does
// not exist: the same 404, byte for byte, as an unknown name, and absent from
// listings, health counts and events.
package socket

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// Limits of a route that sets none.
const (
	DefaultMaxBody = 64 << 10
	DefaultTimeout = 30 * time.Second
	// NoTimeout is a Route.Timeout for streams (GET /v1/events).
	NoTimeout time.Duration = -1
)

// Route is one endpoint.
type Route struct {
	// Pattern is a net/http ServeMux pattern with its method, for example
	// "POST /v1/reload" or "GET /v1/accounts/{name}".
	Pattern string
	// Admin routes answer 403 to non-admins. Routes about one account check
	// for themselves (403 only when the peer may see the account, else 404),
	// and leave this false.
	Admin bool
	// MaxBody caps the request body in bytes; 0 means DefaultMaxBody.
	MaxBody int64
	// Timeout bounds reading the request and answering it (the request's
	// context ends then); 0 means DefaultTimeout, NoTimeout means none.
	Timeout time.Duration
	Handler http.Handler
}

// Server serves the API. Create it with New, add routes with Handle, then
// Serve one or more listeners.
type Server struct {
	b       Backend
	log     logrus.FieldLogger
	selfUID uint32 // the daemon's own user is an admin
	mux     *http.ServeMux
	http    *http.Server

	stopOnce sync.Once
	stopping chan struct{} // closed by Shutdown: event streams end
}

// New returns a server with the routes of DESIGN.md §4 except reload and plan,
// which the daemon adds with Handle.
func New(b Backend, log logrus.FieldLogger) *Server {
	s := &Server{
		b:        b,
		log:      log,
		selfUID:  uint32(os.Getuid()),
		mux:      http.NewServeMux(),
		stopping: make(chan struct{}),
	}
	s.http = &http.Server{
		Handler: s.Handler(),
		// A slow or stuck client holds only its own connection: headers must
		// arrive promptly, bodies and answers are bounded per route, and idle
		// keep-alive connections are closed.
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ConnContext:       connContext,
		ErrorLog:          newStdLogger(log),
	}
	s.http.RegisterOnShutdown(s.stop)
	s.mux.Handle("/", http.HandlerFunc(s.noRoute))
	s.Handle(Route{Pattern: "GET /v1/accounts", Handler: http.HandlerFunc(s.listAccounts)})
	s.Handle(Route{Pattern: "GET /v1/accounts/{name}", Handler: http.HandlerFunc(s.getAccount)})
	s.Handle(Route{Pattern: "GET /v1/accounts/{name}/token", Timeout: MaxWait + DefaultTimeout, Handler: http.HandlerFunc(s.getToken)})
	s.Handle(Route{Pattern: "POST /v1/accounts/{name}/login", Handler: http.HandlerFunc(s.login)})
	s.Handle(Route{Pattern: "GET /v1/events", Timeout: NoTimeout, Handler: http.HandlerFunc(s.events)})
	s.Handle(Route{Pattern: "GET /v1/health", Handler: http.HandlerFunc(s.health)})
	return s
}

// Handle adds a route. Call it before Serve.
func (s *Server) Handle(r Route) {
	maxBody, timeout := r.MaxBody, r.Timeout
	if maxBody == 0 {
		maxBody = DefaultMaxBody
	}
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	s.mux.Handle(r.Pattern, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rc := http.NewResponseController(w)
		if timeout > 0 {
			deadline := time.Now().Add(timeout)
			// Errors mean an in-process ResponseWriter without deadlines.
			_ = rc.SetReadDeadline(deadline)
			_ = rc.SetWriteDeadline(deadline.Add(5 * time.Second))
			ctx, cancel := context.WithDeadline(req.Context(), deadline)
			defer cancel()
			req = req.WithContext(ctx)
		} else {
			_ = rc.SetReadDeadline(time.Time{})
			_ = rc.SetWriteDeadline(time.Time{})
		}
		req.Body = http.MaxBytesReader(w, req.Body, maxBody)
		if r.Admin && !s.isAdmin(mustPeer(req)) {
			WriteError(w, http.StatusForbidden, adminOnlyMessage)
			return
		}
		r.Handler.ServeHTTP(w, req)
	}))
}

// Handler returns the API as an http.Handler. Every request's context must
// carry its Peer (WithPeer); one without is refused.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := PeerFrom(r.Context())
		if !ok {
			WriteError(w, http.StatusForbidden, "unidentified peer")
			return
		}
		s.log.WithFields(logrus.Fields{"method": r.Method, "path": r.URL.Path, "uid": p.UID, "pid": p.PID}).Debug("socket: request")
		w.Header().Set("Cache-Control", "no-store")
		s.mux.ServeHTTP(w, r)
	})
}

// Serve accepts connections on l until l is closed or Shutdown is called.
// It may run on several listeners at once: to move the socket, Serve the new
// listener, then close the old one.
func (s *Server) Serve(l net.Listener) error {
	err := s.http.Serve(&peerListener{Listener: l, log: s.log})
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown closes the listeners, ends event streams and waits for requests
// in progress until ctx is done.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stop()
	return s.http.Shutdown(ctx)
}

func (s *Server) stop() { s.stopOnce.Do(func() { close(s.stopping) }) }

// noRoute answers requests that match no route: 405 when another method
// would match, else 404.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) {
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" && pattern != "" {
			w.Header().Set("Allow", m)
			WriteError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed on "+r.URL.Path)
			return
		}
	}
	WriteError(w, http.StatusNotFound, "no such endpoint: "+r.URL.Path)
}

// isAdmin: root, the daemon's own user, and the admins block.
func (s *Server) isAdmin(p Peer) bool {
	return p.UID == 0 || p.UID == s.selfUID || s.b.Admins().Contains(p)
}

// canSee reports whether the peer may see the account and read its token.
func (s *Server) canSee(p Peer, a Account) bool {
	return s.isAdmin(p) || a.Readers.Contains(p)
}

// visible returns the account if the peer may see it.
func (s *Server) visible(p Peer, name string) (Account, bool) {
	a, ok := s.b.Account(name)
	if !ok || !s.canSee(p, a) {
		return Account{}, false
	}
	return a, true
}

// mustPeer returns the request's peer; Handler has made sure there is one.
func mustPeer(r *http.Request) Peer {
	p, _ := PeerFrom(r.Context())
	return p
}
