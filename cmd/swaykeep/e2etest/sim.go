package e2etest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// User is a simulator user (username:domain:password).
type User struct {
	Username, Domain, Password string
}

func (u User) flag() string {
	domain := u.Domain
	if domain == "" {
		domain = "default"
	}
	return u.Username + ":" + domain + ":" + u.Password
}

// SimOptions configure StartSimulator.
type SimOptions struct {
	Users []User
	// Timeout is the session inactivity timeout (-timeout), "" for the
	// simulator's default of 30 minutes.
	Timeout string
	// Args are extra flags for `swaykeep simulate`.
	Args []string
}

// Simulator is a `swaykeep simulate` process, unlimited in logins so the
// daemon's own login_rate is what paces them.
type Simulator struct {
	*Process
	// URL is the API base URL, ending in /dxsca-web/.
	URL string
	// Control is the base URL of the control endpoints, ending in /_sim/.
	Control string
	client  *http.Client
}

var listeningLine = regexp.MustCompile(`simulator listening on (\S+)`)

// StartSimulator starts `swaykeep simulate -listen 127.0.0.1:0 -login-rate 0`
// with opts and waits for its "simulator listening on URL" line.
func StartSimulator(t testing.TB, opts SimOptions) *Simulator {
	t.Helper()
	args := []string{"simulate", "-listen", "127.0.0.1:0", "-login-rate", "0"}
	if opts.Timeout != "" {
		args = append(args, "-timeout", opts.Timeout)
	}
	for _, u := range opts.Users {
		args = append(args, "-user", u.flag())
	}
	args = append(args, opts.Args...)
	p := Start(t, "swaykeep simulate", args...)
	return AttachSimulator(t, p, p.WaitMatch(listeningLine)[1])
}

// AttachSimulator returns a Simulator for a simulator that p runs at the
// base URL url (`swaykeep dev` runs one in the daemon's process).
func AttachSimulator(t testing.TB, p *Process, url string) *Simulator {
	s := &Simulator{
		Process: p,
		URL:     url,
		Control: strings.TrimSuffix(url, "dxsca-web/") + "_sim/",
		client:  &http.Client{Timeout: Deadline},
	}
	t.Cleanup(s.client.CloseIdleConnections)
	return s
}

// Stats are the simulator's counters for one user, or its totals.
type Stats struct {
	Logins       int `json:"logins"`
	FailedLogins int `json:"failed_logins"`
	Pings        int `json:"pings"`
	FailedPings  int `json:"failed_pings"`
	Logouts      int `json:"logouts"`
	Sessions     int `json:"sessions"`
	MaxSessions  int `json:"max_sessions"`
}

// AllStats is the answer of GET /_sim/stats.
type AllStats struct {
	Totals Stats            `json:"totals"`
	Users  map[string]Stats `json:"users"`
}

// Stats returns every user's counters and the totals.
func (s *Simulator) Stats(t testing.TB) AllStats {
	t.Helper()
	var st AllStats
	s.control(t, http.MethodGet, "stats", nil, &st)
	return st
}

// UserStats returns one user's counters.
func (s *Simulator) UserStats(t testing.TB, username string) Stats {
	t.Helper()
	var st Stats
	s.control(t, http.MethodGet, "stats/"+username, nil, &st)
	return st
}

// ForceLogout ends every session of username, as the platform's operations
// team would: the daemon learns of it at its next ping (401).
func (s *Simulator) ForceLogout(t testing.TB, username string) {
	t.Helper()
	s.control(t, http.MethodPost, "users/"+username+"/logout", nil, nil)
}

// ForceLogoutAll ends every session of every user.
func (s *Simulator) ForceLogoutAll(t testing.TB) {
	t.Helper()
	s.control(t, http.MethodPost, "logout", nil, nil)
}

// AddUser adds a user, or replaces its domain and password.
func (s *Simulator) AddUser(t testing.TB, u User) {
	t.Helper()
	if u.Domain == "" {
		u.Domain = "default"
	}
	s.control(t, http.MethodPost, "users", map[string]string{
		"username": u.Username, "domain": u.Domain, "password": u.Password,
	}, nil)
}

// SetPassword changes a user's password; its sessions stay valid.
func (s *Simulator) SetPassword(t testing.TB, username, password string) {
	t.Helper()
	s.control(t, http.MethodPost, "users/"+username+"/password", map[string]string{"password": password}, nil)
}

// SetDisabled revokes (true) or restores a user's REST access.
func (s *Simulator) SetDisabled(t testing.TB, username string, disabled bool) {
	t.Helper()
	op := "enable"
	if disabled {
		op = "disable"
	}
	s.control(t, http.MethodPost, "users/"+username+"/"+op, nil, nil)
}

// Restart makes the simulator forget every session.
func (s *Simulator) Restart(t testing.TB) {
	t.Helper()
	s.control(t, http.MethodPost, "restart", nil, nil)
}

// Faults are the simulator's injectable faults (docs/simulator.md).
type Faults struct {
	Errors5xx   int    `json:"errors_5xx,omitempty"`
	Errors429   int    `json:"errors_429,omitempty"`
	RetryAfter  string `json:"retry_after,omitempty"`
	Latency     string `json:"latency,omitempty"`
	Drop        int    `json:"drop,omitempty"`
	HTMLErrors  bool   `json:"html_errors,omitempty"`
	ExtraFields bool   `json:"extra_fields,omitempty"`
}

// SetFaults replaces every fault with f.
func (s *Simulator) SetFaults(t testing.TB, f Faults) {
	t.Helper()
	s.control(t, http.MethodPut, "faults", f, nil)
}

// ClearFaults turns every fault off.
func (s *Simulator) ClearFaults(t testing.TB) {
	t.Helper()
	s.control(t, http.MethodDelete, "faults", nil, nil)
}

// control calls a /_sim/ endpoint, failing the test on anything but 200.
func (s *Simulator) control(t testing.TB, method, path string, body, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.Control+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("simulator %s /_sim/%s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("simulator %s /_sim/%s: %s: %s", method, path, resp.Status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("simulator %s /_sim/%s: decode %q: %v", method, path, data, err)
		}
	}
}

// Ping calls POST {URL}ping with the token, as a client of the API would,
// and returns the HTTP status. A 2xx means the simulator accepts the token
// (and its inactivity timer restarts).
func (s *Simulator) Ping(t testing.TB, token string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"ping", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "DXAPI "+token)
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("ping the simulator: %v", err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	return resp.StatusCode
}

// RequireValid fails the test unless the simulator accepts token.
// The token itself never appears in the message.
func (s *Simulator) RequireValid(t testing.TB, what, token string) {
	t.Helper()
	if code := s.Ping(t, token); code < 200 || code > 299 {
		t.Fatalf("%s: ping with its token answered %d, want 2xx", what, code)
	}
}

// TokenShape matches a token as the simulator issues it: 43 URL-safe
// characters.
var TokenShape = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// String describes the simulator for messages.
func (s *Simulator) String() string { return fmt.Sprintf("simulator at %s", s.URL) }

// StatsEventually waits until cond holds for username's counters and
// returns them.
func (s *Simulator) StatsEventually(t testing.TB, username, what string, cond func(Stats) bool) Stats {
	t.Helper()
	var st Stats
	Eventually(t, fmt.Sprintf("%s: %s", username, what), func() bool {
		st = s.UserStats(t, username)
		return cond(st)
	})
	return st
}
