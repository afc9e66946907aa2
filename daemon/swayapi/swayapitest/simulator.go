// Package swayapitest is a faithful fake of the Sway Charts authentication
// API (api/sway-auth.md, DESIGN.md §7), like net/http/httptest for swaykeep.
//
// A Simulator is an http.Handler serving the API under /dxsca-web/ and its
// control endpoints under /_sim/ (which the real API does not have). Use it
// in-process through Transport (no network: works inside a testing/synctest
// bubble), on a loopback listener through NewServer or NewTLSServer, or as
// the `swaykeep simulate` command. docs/simulator.md describes the wire
// behaviour and every control endpoint.
//
// Session expiry and the login limit read time.Now: inside a
// testing/synctest bubble, create the Simulator inside the bubble too, so
// that every time it sees is the bubble's fake clock.
package swayapitest

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Options configure a Simulator. The zero value is the documented default of
// the real API: 30 minute timeout as "HH:MM:SS", 1 login per second per
// source IP, one session per user.
type Options struct {
	// Timeout is the inactivity timeout of a session; default 30m.
	Timeout time.Duration
	// TimeoutForm is the wire form of "timeout" in login and ping answers:
	// "hms" (default, "00:30:00"), "iso" ("PT30M"), "millis" (1800000),
	// "string-millis" ("1800000") or "none" (no timeout field).
	TimeoutForm string
	// LoginRate is the login limit in requests per second per source IP;
	// 0 means the default 1, negative means unlimited.
	LoginRate float64
	// LoginBurst is the limiter's burst; default 1.
	LoginBurst int
	// ConcurrentSessions lets a user hold several sessions at once. When
	// false (default) a new login ends the user's previous session.
	ConcurrentSessions bool
	// PingAnswer is the body of a successful ping: "session" (default,
	// {"sessionToken", "timeout"} as documented), "{}" or "empty" (no
	// body), as some servers and mocks answer (api/sway-auth.md).
	PingAnswer string
}

// Faults are injected failures. Counters (Errors5xx, Errors429, Drop) are
// consumed one per API request; the others hold until changed. Faults apply
// to API requests only, never to /_sim/ control requests.
type Faults struct {
	// Errors5xx: the next N API requests answer 503.
	Errors5xx int
	// Errors429: the next N API requests answer 429 (after Errors5xx).
	Errors429 int
	// RetryAfter is sent as Retry-After (whole seconds, at least 1) with
	// every 429 (injected or from the login limit); 0 sends no header.
	RetryAfter time.Duration
	// Latency delays every API answer; the wait ends early when the
	// request's context is cancelled.
	Latency time.Duration
	// Drop: the next N API requests get no answer; the connection is
	// closed (Transport's RoundTrip returns an error).
	Drop int
	// HTMLErrors makes every error answer an HTML page instead of JSON, as
	// a proxy in front of the API would.
	HTMLErrors bool
	// ExtraFields adds unknown fields to every JSON answer.
	ExtraFields bool
}

// Stats count what the simulator answered. Per-user stats count requests
// attributable to that user (by the login body's username or the session's
// token); Totals counts every API request.
type Stats struct {
	Logins       int `json:"logins"`        // logins answered 200
	FailedLogins int `json:"failed_logins"` // logins answered anything else (or dropped)
	Pings        int `json:"pings"`         // pings answered 200
	FailedPings  int `json:"failed_pings"`  // pings answered anything else (or dropped)
	Logouts      int `json:"logouts"`       // logouts answered 200
	Sessions     int `json:"sessions"`      // sessions alive now
	MaxSessions  int `json:"max_sessions"`  // most sessions ever alive at once
}

// Simulator is the fake API. It is safe for concurrent use.
type Simulator struct {
	opts Options

	mu       sync.Mutex
	users    map[string]*user    // by username
	sessions map[string]*session // by token
	ended    map[string]*user    // tokens of ended sessions, to attribute their failed pings in Stats
	limiters map[string]*rate.Limiter
	faults   Faults
	totals   Stats
	port     int // last fake client port handed out by Transport
}

type user struct {
	name, domain, password string
	disabled               bool
	stats                  Stats
}

type session struct {
	user     *user
	lastUsed time.Time
}

// DefaultTimeout is the session timeout when Options.Timeout is zero.
const DefaultTimeout = 30 * time.Minute

// PingAnswers are the valid values of Options.PingAnswer.
var PingAnswers = []string{"session", "{}", "empty"}

// TimeoutForms are the valid values of Options.TimeoutForm.
var TimeoutForms = []string{"hms", "iso", "millis", "string-millis", "none"}

func validForm(f string) bool {
	for _, v := range TimeoutForms {
		if v == f {
			return true
		}
	}
	return false
}

// New returns a simulator with no users. It panics on an unknown
// TimeoutForm or PingAnswer (check against TimeoutForms and PingAnswers).
func New(o Options) *Simulator {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.TimeoutForm == "" {
		o.TimeoutForm = "hms"
	}
	if !validForm(o.TimeoutForm) {
		panic("swayapitest: unknown TimeoutForm " + o.TimeoutForm)
	}
	switch o.PingAnswer {
	case "":
		o.PingAnswer = "session"
	case "session", "{}", "empty":
	default:
		panic("swayapitest: unknown PingAnswer " + o.PingAnswer)
	}
	if o.LoginRate == 0 {
		o.LoginRate = 1
	}
	if o.LoginBurst <= 0 {
		o.LoginBurst = 1
	}
	return &Simulator{
		opts:     o,
		users:    map[string]*user{},
		sessions: map[string]*session{},
		ended:    map[string]*user{},
		limiters: map[string]*rate.Limiter{},
	}
}

// Options returns the options in effect, defaults filled in.
func (s *Simulator) Options() Options { return s.opts }

// AddUser adds a user, or replaces the domain and password of an existing
// one (keeping its sessions and stats). Usernames are unique across domains.
func (s *Simulator) AddUser(username, domain, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[username]; u != nil {
		u.domain, u.password = domain, password
		return
	}
	s.users[username] = &user{name: username, domain: domain, password: password}
}

// SetPassword changes a user's password (adding the user if unknown); an
// empty domain keeps the user's current domain.
// Existing sessions stay valid, as on the real platform: only the next login
// needs the new password. Follow with ForceLogout to model a platform that
// ends sessions on a password change.
func (s *Simulator) SetPassword(username, domain, password string) {
	s.mu.Lock()
	if u := s.users[username]; u != nil && domain == "" {
		domain = u.domain
	}
	s.mu.Unlock()
	s.AddUser(username, domain, password)
}

// ForceLogout ends every session of the user, as the platform's operations
// team can: the next ping answers 401.
func (s *Simulator) ForceLogout(username string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.endSessionsLocked(func(se *session) bool { return se.user.name == username })
}

// ForceLogoutAll ends every session of every user.
func (s *Simulator) ForceLogoutAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.endSessionsLocked(func(*session) bool { return true })
}

// SetDisabled switches a user's REST access off (login answers 403 and the
// user's sessions end: their next ping answers 401) or on again.
func (s *Simulator) SetDisabled(username string, disabled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[username]
	if u == nil {
		return
	}
	u.disabled = disabled
	if disabled {
		s.endSessionsLocked(func(se *session) bool { return se.user == u })
	}
}

// Restart forgets every session and the login limiter's state, as a server
// restart would. Users, faults and stats stay.
func (s *Simulator) Restart() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.endSessionsLocked(func(*session) bool { return true })
	s.limiters = map[string]*rate.Limiter{}
}

// SetFaults replaces the injected faults; SetFaults(Faults{}) clears them.
func (s *Simulator) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// CurrentFaults returns the faults still pending.
func (s *Simulator) CurrentFaults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// Stats returns the counters of one user (zero for an unknown user).
func (s *Simulator) Stats(username string) Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[username]
	if u == nil {
		return Stats{}
	}
	s.expireLocked()
	st := u.stats
	st.Sessions = s.countSessionsLocked(func(se *session) bool { return se.user == u })
	return st
}

// Totals returns the counters over all requests and users.
func (s *Simulator) Totals() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireLocked()
	st := s.totals
	st.Sessions = len(s.sessions)
	return st
}

// Users returns the usernames known to the simulator.
func (s *Simulator) Users() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.users))
	for n := range s.users {
		names = append(names, n)
	}
	return names
}

func (s *Simulator) endSessionsLocked(match func(*session) bool) {
	for tok, se := range s.sessions {
		if match(se) {
			s.endLocked(tok)
		}
	}
}

func (s *Simulator) countSessionsLocked(match func(*session) bool) int {
	n := 0
	for _, se := range s.sessions {
		if match(se) {
			n++
		}
	}
	return n
}

// expireLocked drops sessions idle for longer than the timeout. It reads
// time.Now, so a synctest bubble's fake clock drives expiry.
func (s *Simulator) expireLocked() {
	now := time.Now()
	for tok, se := range s.sessions {
		if now.Sub(se.lastUsed) > s.opts.Timeout {
			s.endLocked(tok)
		}
	}
}

func (s *Simulator) endLocked(tok string) {
	if se := s.sessions[tok]; se != nil {
		s.ended[tok] = se.user
		delete(s.sessions, tok)
	}
}
