package swayapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/swaykeep/swaykeep/config/secret"
)

// MaxTokenSize is the longest token accepted (api/sway-auth.md: "about 4 KiB").
const MaxTokenSize = 4096

// loginBody is the login request: all fields are JSON strings (doc).
func loginBody(cr Credentials) ([]byte, error) {
	return json.Marshal(struct {
		Username string `json:"username"`
		Domain   string `json:"domain"`
		Password string `json:"password"`
	}{cr.Username, cr.Domain, cr.Password.Reveal()})
}

// decodeSession reads a login or ping answer. Decoding is lenient: unknown
// fields are ignored. prev is the token a ping was made with: an answer
// without a token ({} or an empty body) keeps it; a login (prev "") needs a
// token. The errors never contain the token.
func decodeSession(body []byte, prev secret.Secret) (Session, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		if prev == "" {
			return Session{}, errors.New("empty answer, no session token")
		}
		return Session{Token: prev}, nil
	}
	var m struct {
		SessionToken json.RawMessage `json:"sessionToken"`
		Timeout      json.RawMessage `json:"timeout"`
	}
	if body[0] != '{' {
		return Session{}, fmt.Errorf("answer is not a JSON object (starts with %q)", firstRune(body))
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return Session{}, jsonErr(err)
	}
	s := Session{Token: prev}
	if raw := bytes.TrimSpace(m.SessionToken); len(raw) > 0 && string(raw) != "null" {
		var tok string
		if err := json.Unmarshal(raw, &tok); err != nil {
			return Session{}, errors.New("sessionToken is not a JSON string")
		}
		if tok != "" {
			if err := CheckToken(tok); err != nil {
				return Session{}, err
			}
			s.Token = secret.Secret(tok)
		}
	}
	if s.Token == "" {
		return Session{}, errors.New("answer carries no sessionToken")
	}
	s.Timeout, _ = ParseTimeout(m.Timeout)
	return s, nil
}

// jsonErr describes a decoding failure without quoting the input, which
// might hold a token.
func jsonErr(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("answer is not valid JSON (syntax error at offset %d)", se.Offset)
	}
	return errors.New("answer is not valid JSON")
}

func firstRune(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return sanitize(string(bytes.Runes(b[:min(len(b), 4)])[0]))
}

// CheckToken accepts a token made only of letters, digits and -._~+/=, at
// most MaxTokenSize bytes: it goes into HTTP headers and into env files that
// shells source (api/sway-auth.md). Every token Login and Ping return has
// passed it; use it again on tokens restored from disk. The error never
// quotes the token.
func CheckToken(tok string) error {
	if tok == "" {
		return errors.New("empty session token")
	}
	if len(tok) > MaxTokenSize {
		return fmt.Errorf("session token of %d bytes exceeds %d", len(tok), MaxTokenSize)
	}
	for i := 0; i < len(tok); i++ {
		if !tokenByte(tok[i]) {
			return fmt.Errorf("session token has a character outside [A-Za-z0-9-._~+/=] at byte %d", i)
		}
	}
	return nil
}

func tokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~+/=", c) >= 0
}

// decodeError reads an error answer's errorCode (a JSON string or number)
// and description, best effort: a body that is not JSON yields "", "".
//
// Every string of hide (the password or token the request carried) is
// replaced by "(sensitive)" before the text is sanitized and cut, so that a
// server echoing a secret cannot leak it, nor a truncated part of it.
func decodeError(body []byte, hide ...string) (code, description string) {
	var m struct {
		ErrorCode   json.RawMessage `json:"errorCode"`
		Description json.RawMessage `json:"description"`
	}
	if json.Unmarshal(bytes.TrimSpace(body), &m) != nil {
		return "", ""
	}
	return rawScalar(m.ErrorCode, hide), rawScalar(m.Description, hide)
}

// rawScalar renders a JSON string or number as text, sanitized; anything
// else as "".
func rawScalar(raw json.RawMessage, hide []string) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		for _, h := range hide {
			if h != "" {
				s = strings.ReplaceAll(s, h, secret.Redacted)
			}
		}
		return sanitize(s)
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		if _, err := strconv.ParseFloat(n.String(), 64); err == nil {
			return sanitize(n.String())
		}
	}
	return ""
}
