package socket

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxWait caps ?wait=: a longer wait is shortened to it, not refused.
const MaxWait = 5 * time.Minute

// GET /v1/accounts/{name}/token[?min_valid=DUR][&wait=DUR]
//
// The token as text/plain without a newline, or as JSON with
// Accept: application/json. min_valid asks for a token valid at least that
// long (400 at once if it exceeds the session timeout); wait waits up to that
// long (capped at MaxWait) for a token instead of failing; 503 with the
// account's state when there is none.
func (s *Server) getToken(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	p := mustPeer(r)
	a, ok := s.visible(p, name)
	if !ok {
		notFound(w, name)
		return
	}
	q := r.URL.Query()
	minValid, err := parseDuration(q.Get("min_valid"))
	if err != nil {
		WriteError(w, http.StatusBadRequest, "min_valid: "+err.Error())
		return
	}
	wait, err := parseDuration(q.Get("wait"))
	if err != nil {
		WriteError(w, http.StatusBadRequest, "wait: "+err.Error())
		return
	}
	if t := a.Status.Timeout; t > 0 && minValid > t {
		WriteError(w, http.StatusBadRequest, fmt.Sprintf("min_valid %s exceeds the session timeout of %s for %s", minValid, t, name))
		return
	}
	wait = min(wait, MaxWait)
	ctx := r.Context()
	if wait > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, wait)
		defer cancel()
	}
	tok, expires, err := s.b.Token(ctx, name, minValid, wait > 0)
	var noTok *NoTokenError
	switch {
	case err == nil:
	case errors.Is(err, ErrNotFound):
		notFound(w, name)
		return
	case errors.Is(err, ErrMinValidTooLong):
		WriteError(w, http.StatusBadRequest, fmt.Sprintf("min_valid %s exceeds the session timeout for %s", minValid, name))
		return
	case errors.As(err, &noTok):
		writeNoToken(w, noTok)
		return
	case r.Context().Err() != nil:
		return // the client left, or the route's time ran out
	case ctx.Err() != nil: // the wait ended without a token
		a, ok := s.visible(p, name)
		if !ok {
			notFound(w, name)
			return
		}
		writeNoToken(w, &NoTokenError{Account: name, State: a.Status.State, LastError: a.Status.LastError, NextAttempt: a.Status.NextAttempt})
		return
	default:
		s.log.WithError(err).WithField("account", name).Error("socket: token request failed")
		WriteError(w, http.StatusInternalServerError, "token of "+name+": "+err.Error())
		return
	}
	// A reload during the wait may have taken the peer off the readers.
	if _, ok := s.visible(p, name); !ok {
		notFound(w, name)
		return
	}
	w.Header().Set("X-Expires-At", expires.UTC().Format(time.RFC3339))
	if wantsJSON(r) {
		WriteJSON(w, http.StatusOK, TokenAnswer{Account: name, Token: tok.Reveal(), ExpiresAt: expires})
		return
	}
	body := tok.Reveal()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(body))
}

func writeNoToken(w http.ResponseWriter, e *NoTokenError) {
	if d := time.Until(e.NextAttempt); d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
	}
	msg := "no token: the account is " + string(e.State)
	if e.LastError != "" {
		msg += ": " + e.LastError
	}
	WriteJSON(w, http.StatusServiceUnavailable, NoToken{
		Error:       msg, // the client names the account it asked for
		Account:     e.Account,
		State:       e.State,
		LastError:   e.LastError,
		NextAttempt: e.NextAttempt,
	})
}

// parseDuration reads a query duration: a Go duration ("90s", "5m") or a
// number of seconds ("90"). Empty is zero; negative is an error.
func parseDuration(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		n, nerr := strconv.ParseUint(v, 10, 32)
		if nerr != nil {
			return 0, fmt.Errorf("%q is not a duration (for example 60s, 5m, or 60 for seconds)", v)
		}
		d = time.Duration(n) * time.Second
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative", v)
	}
	return d, nil
}

// wantsJSON reports whether the Accept header names application/json.
func wantsJSON(r *http.Request) bool {
	for _, h := range r.Header.Values("Accept") {
		for part := range strings.SplitSeq(h, ",") {
			mt, _, _ := strings.Cut(part, ";")
			if strings.EqualFold(strings.TrimSpace(mt), "application/json") {
				return true
			}
		}
	}
	return false
}
