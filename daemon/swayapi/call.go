package swayapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxBodySize caps every response body read. The three calls answer a few
// hundred bytes; anything past the cap is not an answer of this API.
const MaxBodySize = 16 << 10

// maxDescription caps the server's description kept in an Error.
const maxDescription = 200

// answer is a successful (2xx) response.
type answer struct {
	status int
	body   []byte
}

// call sends one request and classifies the outcome (api/sway-auth.md, "How
// to classify outcomes"). token is "" for login; body is nil for ping and
// logout. It returns an answer only for a 2xx status.
func (c *Client) call(ctx context.Context, op, endpoint, token string, body []byte, hide string) (ans answer, err error) {
	start := time.Now()
	defer func() {
		if c.observe != nil {
			status := ans.status
			var e *Error
			if errors.As(err, &e) {
				status = e.Status
			}
			c.observe(op, status, time.Since(start))
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return answer{}, &Error{Op: op, Kind: ErrBadRequest, Err: err}
	}
	if body == nil {
		req.Body, req.GetBody, req.ContentLength = http.NoBody, nil, 0 // empty body (doc)
	} else {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if token != "" {
		req.Header.Set("Authorization", "DXAPI "+token)
	}

	resp, err := c.http.Do(req)
	if err != nil {
		// url.Error would add the endpoint, whose base URL may come from a
		// secret source (api_url = env(...)); Op already says which call.
		if uerr, ok := errors.AsType[*url.Error](err); ok {
			err = uerr.Err
		}
		return answer{}, &Error{Op: op, Kind: ErrTransient, Err: err}
	}
	defer resp.Body.Close()
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, MaxBodySize+1))
	tooBig := len(data) > MaxBodySize
	if tooBig {
		data = data[:MaxBodySize]
	}

	kind := classify(op, resp.StatusCode)
	if kind == nil { // 2xx
		switch {
		case readErr != nil:
			return answer{}, &Error{Op: op, Status: resp.StatusCode, Kind: ErrTransient, Err: fmt.Errorf("read answer: %w", readErr)}
		case tooBig:
			return answer{}, &Error{Op: op, Status: resp.StatusCode, Kind: ErrTransient, Err: fmt.Errorf("answer larger than %d bytes", MaxBodySize)}
		}
		return answer{status: resp.StatusCode, body: data}, nil
	}
	// An error answer: its status decides the class; the body (if it is
	// JSON at all, and however truncated) only adds detail.
	e := &Error{Op: op, Status: resp.StatusCode, Kind: kind}
	e.Code, e.Description = decodeError(data, token, hide)
	if kind == ErrRateLimited {
		e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return answer{}, e
}

// classify maps a status to its outcome class; nil means success (2xx).
func classify(op string, status int) error {
	switch {
	case status >= 200 && status < 300:
		return nil
	case status == http.StatusUnauthorized && op == "login":
		return ErrRejected
	case status == http.StatusForbidden && op == "login":
		return ErrDisabled
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return ErrSessionGone
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	case status >= 500, status == http.StatusRequestTimeout:
		return ErrTransient
	default:
		// 400, 404, 405, 406, 409, 412, 413, 415, any other 4xx, and 3xx
		// (redirects are not followed: the base URL is wrong).
		return ErrBadRequest
	}
}

// parseRetryAfter reads Retry-After as delay-seconds or an HTTP-date
// (RFC 9110 §10.2.3); 0 when absent, unparseable or in the past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), maxRetryAfter)
	}
	return 0
}

// maxRetryAfter bounds a server's Retry-After so that a typo on its side
// cannot park an account for years.
const maxRetryAfter = 24 * time.Hour

// sanitize makes a server string safe for logs: printable, one line, capped.
func sanitize(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > maxDescription {
		cut := maxDescription
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
