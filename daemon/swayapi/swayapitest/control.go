package swayapitest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"time"
)

// The /_sim/ control endpoints (docs/simulator.md has a curl example of
// each). They answer JSON and are never subject to faults or limits.
func (s *Simulator) control() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("POST /_sim/users", s.ctlAddUser)
	m.HandleFunc("POST /_sim/users/{username}/password", s.ctlPassword)
	m.HandleFunc("POST /_sim/users/{username}/logout", s.ctlLogoutUser)
	m.HandleFunc("POST /_sim/users/{username}/disable", s.ctlDisable(true))
	m.HandleFunc("POST /_sim/users/{username}/enable", s.ctlDisable(false))
	m.HandleFunc("POST /_sim/logout", func(w http.ResponseWriter, r *http.Request) {
		s.ForceLogoutAll()
		ctlOK(w)
	})
	m.HandleFunc("GET /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		ctlJSON(w, http.StatusOK, faultsToWire(s.CurrentFaults()))
	})
	m.HandleFunc("PUT /_sim/faults", s.ctlSetFaults)
	m.HandleFunc("POST /_sim/faults", s.ctlSetFaults)
	m.HandleFunc("DELETE /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		s.SetFaults(Faults{})
		ctlOK(w)
	})
	m.HandleFunc("POST /_sim/restart", func(w http.ResponseWriter, r *http.Request) {
		s.Restart()
		ctlOK(w)
	})
	m.HandleFunc("GET /_sim/stats", s.ctlStats)
	m.HandleFunc("GET /_sim/stats/{username}", s.ctlUserStats)
	return m
}

func (s *Simulator) ctlAddUser(w http.ResponseWriter, r *http.Request) {
	var u struct{ Username, Domain, Password string }
	if !ctlDecode(w, r, &u) {
		return
	}
	if u.Username == "" {
		ctlError(w, http.StatusBadRequest, "username is required")
		return
	}
	s.AddUser(u.Username, u.Domain, u.Password)
	ctlOK(w)
}

func (s *Simulator) ctlPassword(w http.ResponseWriter, r *http.Request) {
	var p struct{ Domain, Password string }
	if !ctlDecode(w, r, &p) || !s.ctlKnown(w, r) {
		return
	}
	s.SetPassword(r.PathValue("username"), p.Domain, p.Password)
	ctlOK(w)
}

func (s *Simulator) ctlLogoutUser(w http.ResponseWriter, r *http.Request) {
	if s.ctlKnown(w, r) {
		s.ForceLogout(r.PathValue("username"))
		ctlOK(w)
	}
}

func (s *Simulator) ctlDisable(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.ctlKnown(w, r) {
			s.SetDisabled(r.PathValue("username"), disabled)
			ctlOK(w)
		}
	}
}

func (s *Simulator) ctlSetFaults(w http.ResponseWriter, r *http.Request) {
	var fw faultsWire
	if !ctlDecode(w, r, &fw) {
		return
	}
	f, err := fw.faults()
	if err != nil {
		ctlError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.SetFaults(f)
	ctlJSON(w, http.StatusOK, faultsToWire(f))
}

func (s *Simulator) ctlStats(w http.ResponseWriter, r *http.Request) {
	users := s.Users()
	sort.Strings(users)
	out := struct {
		Totals Stats            `json:"totals"`
		Users  map[string]Stats `json:"users"`
	}{s.Totals(), map[string]Stats{}}
	for _, u := range users {
		out.Users[u] = s.Stats(u)
	}
	ctlJSON(w, http.StatusOK, out)
}

func (s *Simulator) ctlUserStats(w http.ResponseWriter, r *http.Request) {
	if s.ctlKnown(w, r) {
		ctlJSON(w, http.StatusOK, s.Stats(r.PathValue("username")))
	}
}

// ctlKnown answers 404 for an unknown {username}.
func (s *Simulator) ctlKnown(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	_, ok := s.users[r.PathValue("username")]
	s.mu.Unlock()
	if !ok {
		ctlError(w, http.StatusNotFound, fmt.Sprintf("unknown user %q", r.PathValue("username")))
	}
	return ok
}

// faultsWire is Faults on the wire: durations as Go duration strings ("2s").
type faultsWire struct {
	Errors5xx   int    `json:"errors_5xx"`
	Errors429   int    `json:"errors_429"`
	RetryAfter  string `json:"retry_after,omitempty"`
	Latency     string `json:"latency,omitempty"`
	Drop        int    `json:"drop"`
	HTMLErrors  bool   `json:"html_errors"`
	ExtraFields bool   `json:"extra_fields"`
}

func (fw faultsWire) faults() (Faults, error) {
	f := Faults{Errors5xx: fw.Errors5xx, Errors429: fw.Errors429, Drop: fw.Drop,
		HTMLErrors: fw.HTMLErrors, ExtraFields: fw.ExtraFields}
	for _, d := range []struct {
		name string
		in   string
		out  *time.Duration
	}{{"retry_after", fw.RetryAfter, &f.RetryAfter}, {"latency", fw.Latency, &f.Latency}} {
		if d.in == "" {
			continue
		}
		v, err := time.ParseDuration(d.in)
		if err != nil || v < 0 {
			return Faults{}, fmt.Errorf("%s: %q is not a duration such as \"2s\"", d.name, d.in)
		}
		*d.out = v
	}
	if f.Errors5xx < 0 || f.Errors429 < 0 || f.Drop < 0 {
		return Faults{}, fmt.Errorf("fault counts must not be negative")
	}
	return f, nil
}

func faultsToWire(f Faults) faultsWire {
	fw := faultsWire{Errors5xx: f.Errors5xx, Errors429: f.Errors429, Drop: f.Drop,
		HTMLErrors: f.HTMLErrors, ExtraFields: f.ExtraFields}
	if f.RetryAfter > 0 {
		fw.RetryAfter = f.RetryAfter.String()
	}
	if f.Latency > 0 {
		fw.Latency = f.Latency.String()
	}
	return fw
}

func ctlDecode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields() // a typo in a test's fault must not pass silently
	if err := dec.Decode(v); err != nil {
		ctlError(w, http.StatusBadRequest, "bad JSON body: "+err.Error())
		return false
	}
	return true
}

func ctlOK(w http.ResponseWriter) { ctlJSON(w, http.StatusOK, map[string]bool{"ok": true}) }

func ctlError(w http.ResponseWriter, status int, msg string) {
	ctlJSON(w, status, map[string]string{"error": msg})
}

func ctlJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
