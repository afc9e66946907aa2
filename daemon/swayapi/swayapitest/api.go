package swayapitest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// BasePath is the API's base path (api/sway-auth.md: always /dxsca-web).
const BasePath = "/dxsca-web/"

// maxRequestBody caps what the simulator reads of a request body.
const maxRequestBody = 64 << 10

// Error codes the simulator answers with. Only "3" is documented by the
// API; the others are the simulator's own choice, always JSON strings.
const (
	codeIncorrectCredentials = "3"
	codeUnauthorized         = "1"
	codeForbidden            = "2"
	codeBadRequest           = "4"
	codeNotFound             = "5"
	codeMethod               = "6"
	codeNotAcceptable        = "7"
	codeMediaType            = "8"
	codeTooMany              = "9"
	codeUnavailable          = "10"
	codeTooLarge             = "11"
)

// answer is one API response, computed under the lock and written after.
type answer struct {
	status int
	fields map[string]any // body of a 2xx answer
	code   string         // errorCode of an error answer
	desc   string         // description of an error answer
	allow  string         // Allow header of a 405
	empty  bool           // a 2xx without a body
}

func errAnswer(status int, code, desc string) answer {
	return answer{status: status, code: code, desc: desc}
}

// ServeHTTP serves the API under /dxsca-web/ and the control endpoints
// under /_sim/. A Drop fault aborts the connection without an answer by
// panicking with http.ErrAbortHandler, as net/http's server expects; a test
// calling ServeHTTP directly with a Drop fault set should use Transport.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.serve(w, r) {
		panic(http.ErrAbortHandler) // net/http closes the connection quietly
	}
}

// serve answers r and reports whether it did; false means the request was
// dropped or abandoned (its context ended during injected latency).
func (s *Simulator) serve(w http.ResponseWriter, r *http.Request) bool {
	switch p := r.URL.Path; {
	case p == "/_sim" || strings.HasPrefix(p, "/_sim/"):
		s.control().ServeHTTP(w, r)
		return true
	case strings.HasPrefix(p, BasePath):
		return s.api(w, r, strings.TrimPrefix(p, BasePath))
	default:
		s.write(w, errAnswer(http.StatusNotFound, codeNotFound, "Not found"), Faults{})
		return true
	}
}

// api serves one API request. Faults come first, in the order latency,
// drop, 5xx, 429, then the API's own rules.
func (s *Simulator) api(w http.ResponseWriter, r *http.Request, op string) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return false
	}
	s.mu.Lock()
	latency := s.faults.Latency
	s.mu.Unlock()
	if latency > 0 && !sleep(r.Context(), latency) {
		s.mu.Lock()
		s.countLocked(op, s.attributeLocked(op, r, body), false)
		s.mu.Unlock()
		return false
	}

	s.mu.Lock()
	s.expireLocked()
	u := s.attributeLocked(op, r, body)
	f := &s.faults
	var a answer
	switch {
	case f.Drop > 0:
		f.Drop--
		s.countLocked(op, u, false)
		s.mu.Unlock()
		return false
	case f.Errors5xx > 0:
		f.Errors5xx--
		a = errAnswer(http.StatusServiceUnavailable, codeUnavailable, "Service temporarily unavailable")
	case f.Errors429 > 0:
		f.Errors429--
		a = errAnswer(http.StatusTooManyRequests, codeTooMany, "Too many requests")
	case len(body) > maxRequestBody:
		a = errAnswer(http.StatusRequestEntityTooLarge, codeTooLarge, "Request entity too large")
	default:
		a = s.route(r, op, body)
	}
	s.countLocked(op, u, a.status == http.StatusOK)
	faults := s.faults
	s.mu.Unlock()
	s.write(w, a, faults)
	return true
}

// route applies the API's rules to a request that no fault answered.
func (s *Simulator) route(r *http.Request, op string, body []byte) answer {
	if op != "login" && op != "ping" && op != "logout" {
		return errAnswer(http.StatusNotFound, codeNotFound, "Not found")
	}
	if r.Method != http.MethodPost {
		a := errAnswer(http.StatusMethodNotAllowed, codeMethod, "Method not allowed")
		a.allow = http.MethodPost
		return a
	}
	if !acceptsJSON(r.Header.Values("Accept")) {
		return errAnswer(http.StatusNotAcceptable, codeNotAcceptable, "Not acceptable")
	}
	if op == "login" {
		return s.loginLocked(r, body)
	}
	se, tok := s.sessionLocked(r)
	if se == nil {
		return errAnswer(http.StatusUnauthorized, codeUnauthorized, "Not authorized")
	}
	if op == "logout" {
		s.endLocked(tok)
		return answer{status: http.StatusOK, fields: map[string]any{}}
	}
	se.lastUsed = time.Now() // a ping resets the inactivity timer
	switch s.opts.PingAnswer {
	case "{}":
		return answer{status: http.StatusOK, fields: map[string]any{}}
	case "empty":
		return answer{status: http.StatusOK, empty: true}
	}
	return answer{status: http.StatusOK, fields: s.sessionFields(tok)}
}

func (s *Simulator) loginLocked(r *http.Request, body []byte) answer {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return errAnswer(http.StatusUnsupportedMediaType, codeMediaType, "Unsupported media type")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return errAnswer(http.StatusUnsupportedMediaType, codeMediaType, "Unsupported media type")
	}
	// The login limit counts login attempts; a body refused above never
	// was one (and `curl` checks of the 415 stay independent of it).
	if s.opts.LoginRate > 0 && !s.limiterLocked(r.RemoteAddr).Allow() {
		return errAnswer(http.StatusTooManyRequests, codeTooMany, "Too many requests")
	}
	var req struct{ Username, Domain, Password string }
	if err := json.Unmarshal(body, &req); err != nil {
		return errAnswer(http.StatusBadRequest, codeBadRequest, "Malformed request")
	}
	u := s.users[req.Username]
	if u == nil || u.domain != req.Domain || u.password != req.Password {
		return errAnswer(http.StatusUnauthorized, codeIncorrectCredentials, "Incorrect username or password")
	}
	if u.disabled {
		return errAnswer(http.StatusForbidden, codeForbidden, "REST API access is disabled for this user")
	}
	if !s.opts.ConcurrentSessions {
		s.endSessionsLocked(func(se *session) bool { return se.user == u })
	}
	tok := newToken()
	s.sessions[tok] = &session{user: u, lastUsed: time.Now()}
	alive := s.countSessionsLocked(func(se *session) bool { return se.user == u })
	u.stats.MaxSessions = max(u.stats.MaxSessions, alive)
	s.totals.MaxSessions = max(s.totals.MaxSessions, len(s.sessions))
	return answer{status: http.StatusOK, fields: s.sessionFields(tok)}
}

// sessionLocked finds the live session named by "Authorization: DXAPI
// <token>"; any other form of the header finds none (api/sway-auth.md).
func (s *Simulator) sessionLocked(r *http.Request) (*session, string) {
	h := r.Header.Values("Authorization")
	if len(h) != 1 || !strings.HasPrefix(h[0], "DXAPI ") {
		return nil, ""
	}
	tok := strings.TrimPrefix(h[0], "DXAPI ")
	return s.sessions[tok], tok
}

// attributeLocked names the user a request belongs to, for stats only.
func (s *Simulator) attributeLocked(op string, r *http.Request, body []byte) *user {
	if op == "login" {
		var req struct{ Username string }
		if json.Unmarshal(body, &req) == nil {
			return s.users[req.Username]
		}
		return nil
	}
	se, tok := s.sessionLocked(r)
	if se != nil {
		return se.user
	}
	return s.ended[tok]
}

func (s *Simulator) countLocked(op string, u *user, ok bool) {
	for _, st := range []*Stats{&s.totals, userStats(u)} {
		if st == nil {
			continue
		}
		switch {
		case op == "login" && ok:
			st.Logins++
		case op == "login":
			st.FailedLogins++
		case op == "ping" && ok:
			st.Pings++
		case op == "ping":
			st.FailedPings++
		case op == "logout" && ok:
			st.Logouts++
		}
	}
}

func userStats(u *user) *Stats {
	if u == nil {
		return nil
	}
	return &u.stats
}

func (s *Simulator) limiterLocked(remoteAddr string) *rate.Limiter {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	l := s.limiters[host]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(s.opts.LoginRate), s.opts.LoginBurst)
		s.limiters[host] = l
	}
	return l
}

func (s *Simulator) sessionFields(tok string) map[string]any {
	m := map[string]any{"sessionToken": tok}
	if t, ok := FormatTimeout(s.opts.Timeout, s.opts.TimeoutForm); ok {
		m["timeout"] = t
	}
	return m
}

// newToken returns 32 random bytes, URL-safe base64: letters, digits, - and _.
func newToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// acceptsJSON reports whether the Accept headers allow a JSON answer
// (missing Accept allows anything).
func acceptsJSON(values []string) bool {
	if len(values) == 0 {
		return true
	}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			switch mt {
			case "application/json", "application/*", "*/*", "application/xml", "text/xml":
				return true
			}
		}
	}
	return false
}

// sleep waits d or until ctx ends, reporting whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
