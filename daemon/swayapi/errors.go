package swayapi

import (
	"errors"
	"fmt"
	"time"
)

// Outcome classes of api/sway-auth.md ("How to classify outcomes"). Every
// error the client returns wraps exactly one of them; match with errors.Is.
var (
	// ErrRejected: login answered 401, whatever the body. Credentials are
	// wrong; do not try again until they change.
	ErrRejected = errors.New("credentials rejected")
	// ErrDisabled: login answered 403: REST access is off for this user.
	ErrDisabled = errors.New("REST access disabled")
	// ErrSessionGone: ping or logout answered 401 or 403: the token is dead.
	ErrSessionGone = errors.New("session gone")
	// ErrRateLimited: 429. The *Error carries RetryAfter when the server sent it.
	ErrRateLimited = errors.New("rate limited")
	// ErrTransient: 5xx, timeouts, connection failures, non-JSON or malformed
	// answers (including an unsafe token). Back off and try again.
	ErrTransient = errors.New("transient failure")
	// ErrBadRequest: 400, 404, 405, 406, 409, 412, 413, 415: the request
	// itself is wrong (a bug or a wrong base URL). Report and back off long.
	ErrBadRequest = errors.New("bad request")
)

// Error is the error of one API call. It never holds a password or token.
type Error struct {
	Op          string        // "login", "ping" or "logout"
	Status      int           // HTTP status, 0 when no answer arrived
	Code        string        // the body's errorCode, "" if none
	Description string        // the body's description, truncated
	RetryAfter  time.Duration // from Retry-After on a 429, 0 if absent
	Kind        error         // one of the Err* classes above
	Err         error         // underlying cause (network error, decode error), may be nil
}

func (e *Error) Error() string {
	msg := e.Op + ": " + e.Kind.Error()
	if e.Status != 0 {
		msg += fmt.Sprintf(" (HTTP %d", e.Status)
		if e.Code != "" {
			msg += ", code " + e.Code
		}
		if e.Description != "" {
			msg += ": " + e.Description
		}
		msg += ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap lets errors.Is match both the class and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// RetryAfter returns the Retry-After an error carries, if any.
func RetryAfter(err error) (time.Duration, bool) {
	var e *Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		return e.RetryAfter, true
	}
	return 0, false
}
