package sink

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/swaykeep/swaykeep/config"
	"github.com/swaykeep/swaykeep/config/secret"
)

// maxTokenLen and safeTokenByte mirror api/sway-auth.md ("Check the token
// before using it"): the client already refuses other tokens; the sink checks
// again because a header or env file with a newline or quote in it would
// inject lines into whatever reads it.
const maxTokenLen = 4096

func safeTokenByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("-._~+/=", c) >= 0
}

// ErrUnsafeToken: the token is empty, too long or holds characters outside
// letters, digits and -._~+/= ; it is never written.
var ErrUnsafeToken = errors.New("token is empty, too long or has unsafe characters")

func checkToken(tok secret.Secret) error {
	s := tok.Reveal()
	if s == "" || len(s) > maxTokenLen {
		return ErrUnsafeToken
	}
	for i := 0; i < len(s); i++ {
		if !safeTokenByte(s[i]) {
			return ErrUnsafeToken
		}
	}
	return nil
}

// jsonFile is the json format; field order is the file's.
type jsonFile struct {
	Account   string `json:"account"`
	Token     string `json:"token"`
	ExpiresAt string `json:"expires_at"`
	IssuedAt  string `json:"issued_at"`
	APIURL    string `json:"api_url"`
}

// rfc3339 formats t in UTC to the second. Truncation makes an expiry read
// from a file err early, never late.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Render returns the content of a token file of the given format
// (DESIGN.md §4). The token must have passed checkToken.
func Render(format config.Format, account, apiURL string, tok secret.Secret, issued, expires time.Time) ([]byte, error) {
	t := tok.Reveal()
	switch format {
	case config.FormatRaw, "":
		return []byte(t), nil
	case config.FormatHeader:
		return []byte("Authorization: DXAPI " + t + "\n"), nil
	case config.FormatEnv:
		return []byte("SWAY_TOKEN=" + t + "\nSWAY_TOKEN_EXPIRES=" + rfc3339(expires) + "\n"), nil
	case config.FormatJSON:
		b, err := json.Marshal(jsonFile{
			Account: account, Token: t, ExpiresAt: rfc3339(expires),
			IssuedAt: rfc3339(issued), APIURL: apiURL,
		})
		if err != nil {
			return nil, fmt.Errorf("render json token file: %w", err)
		}
		return append(b, '\n'), nil
	}
	return nil, fmt.Errorf("unknown token file format %q", format)
}

// Content is what a token file says, as Parse reads it.
type Content struct {
	Token   secret.Secret
	Expires time.Time // zero for raw and header
	Issued  time.Time // json only
	Account string    // json only
	APIURL  string    // json only
}

// ErrMalformed: a token file's content is not of its format.
var ErrMalformed = errors.New("malformed token file")

// Parse reads the content of a token file of the given format, for tests and
// tools that check what a reader sees. It accepts exactly what Render writes.
func Parse(format config.Format, data []byte) (Content, error) {
	var c Content
	switch format {
	case config.FormatRaw, "":
		c.Token = secret.Secret(data)
	case config.FormatHeader:
		s, ok1 := strings.CutPrefix(string(data), "Authorization: DXAPI ")
		s, ok2 := strings.CutSuffix(s, "\n")
		if !ok1 || !ok2 {
			return c, fmt.Errorf("header format: %w", ErrMalformed)
		}
		c.Token = secret.Secret(s)
	case config.FormatEnv:
		lines := strings.Split(string(data), "\n")
		if len(lines) != 3 || lines[2] != "" {
			return c, fmt.Errorf("env format: %w", ErrMalformed)
		}
		tok, ok1 := strings.CutPrefix(lines[0], "SWAY_TOKEN=")
		exp, ok2 := strings.CutPrefix(lines[1], "SWAY_TOKEN_EXPIRES=")
		if !ok1 || !ok2 {
			return c, fmt.Errorf("env format: %w", ErrMalformed)
		}
		c.Token = secret.Secret(tok)
		var err error
		if c.Expires, err = time.Parse(time.RFC3339, exp); err != nil {
			return c, fmt.Errorf("env format: expiry: %w", ErrMalformed)
		}
	case config.FormatJSON:
		var j jsonFile
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&j); err != nil {
			return c, fmt.Errorf("json format: %w", ErrMalformed) // the decoder's error may quote the token
		}
		var err1, err2 error
		c.Token, c.Account, c.APIURL = secret.Secret(j.Token), j.Account, j.APIURL
		c.Expires, err1 = time.Parse(time.RFC3339, j.ExpiresAt)
		c.Issued, err2 = time.Parse(time.RFC3339, j.IssuedAt)
		if err1 != nil || err2 != nil {
			return c, fmt.Errorf("json format: times: %w", ErrMalformed)
		}
	default:
		return c, fmt.Errorf("unknown token file format %q", format)
	}
	if checkToken(c.Token) != nil {
		return c, fmt.Errorf("%s format: token: %w", format, ErrMalformed)
	}
	return c, nil
}
