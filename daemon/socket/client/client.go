// Package client speaks swaykeep's socket API (docs/socket.md) over HTTP on
// a Unix socket, for the CLI: status, token, login, and reload and plan.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"time"

	"github.com/swaykeep/swaykeep/daemon/socket"
)

// DefaultPath is the packaged daemon's socket.
const DefaultPath = "/run/swaykeep/swaykeep.sock"

// EnvSocket names the environment variable that overrides DefaultPath.
const EnvSocket = "SWAYKEEP_SOCKET"

// SocketPath returns the socket to use: the -socket flag if set, else
// $SWAYKEEP_SOCKET, else DefaultPath.
func SocketPath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if p := os.Getenv(EnvSocket); p != "" {
		return p
	}
	return DefaultPath
}

// Dial failures, to match with errors.Is. `swaykeep plan` falls back to a
// local plan on ErrNoDaemon, never on ErrPermission.
var (
	// ErrNoDaemon: no socket file, or nothing listens on it.
	ErrNoDaemon = errors.New("no daemon is listening")
	// ErrPermission: the socket or a directory above it does not let this
	// user connect.
	ErrPermission = errors.New("permission denied")
)

// maxAnswer caps an answer read into memory.
const maxAnswer = 16 << 20

// Client talks to one daemon's socket. Its methods are safe for concurrent use.
type Client struct {
	Path string
	http *http.Client
}

// New returns a client of the socket at path.
func New(path string) *Client {
	c := &Client{Path: path}
	c.http = &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			conn, err := d.DialContext(ctx, "unix", path)
			if err != nil {
				return nil, c.dialError(err)
			}
			return conn, nil
		},
		MaxIdleConns:    2,
		IdleConnTimeout: 30 * time.Second,
	}}
	return c
}

func (c *Client) dialError(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("no socket at %s: is swaykeep running? (choose the socket with -socket or $%s): %w", c.Path, EnvSocket, ErrNoDaemon)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("nothing listens on %s: swaykeep is not running: %w", c.Path, ErrNoDaemon)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("cannot connect to %s as uid %d: the socket's mode or a directory above it denies access: %w", c.Path, os.Getuid(), ErrPermission)
	}
	return fmt.Errorf("connect to %s: %w", c.Path, err)
}

// Close closes idle connections to the daemon.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// APIError is a non-2xx answer of the daemon.
type APIError struct {
	Status  int
	Message string          // the answer's "error"
	NoToken *socket.NoToken // the 503 of the token route, else nil
}

func (e *APIError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("the daemon answered %d %s", e.Status, http.StatusText(e.Status))
	}
	return e.Message
}

// Do sends one request and returns the answer, whatever its status; the
// caller closes its body. path is the URL path and query ("/v1/reload").
// Errors are dial failures (see ErrNoDaemon, ErrPermission) and I/O errors.
func (c *Client) Do(ctx context.Context, method, path string, body io.Reader, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://swaykeep"+path, body)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// The dial error says what and which; url.Error would only add
		// the fake URL.
		if uerr, ok := errors.AsType[*url.Error](err); ok {
			return nil, uerr.Err
		}
		return nil, err
	}
	return resp, nil
}

// getJSON sends a request and decodes a 2xx answer into out, or returns an
// *APIError.
func (c *Client) getJSON(ctx context.Context, method, path string, out any) error {
	resp, err := c.Do(ctx, method, path, nil, http.Header{"Accept": {"application/json"}})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("read the answer to %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return decodeError(resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("decode the answer to %s %s: %w", method, path, err)
	}
	return nil
}

func decodeError(status int, body []byte) error {
	e := &APIError{Status: status}
	var ans socket.ErrorAnswer
	if json.Unmarshal(body, &ans) == nil {
		e.Message = ans.Error
	}
	if status == http.StatusServiceUnavailable {
		var nt socket.NoToken
		if json.Unmarshal(body, &nt) == nil && nt.State != "" {
			e.NoToken = &nt
		}
	}
	if e.Message == "" {
		e.Message = string(bytes.TrimSpace(body))
	}
	return e
}

// Accounts returns the accounts this user may see.
func (c *Client) Accounts(ctx context.Context) ([]socket.AccountStatus, error) {
	var l socket.AccountList
	err := c.getJSON(ctx, http.MethodGet, "/v1/accounts", &l)
	return l.Accounts, err
}

// Account returns one account's status.
func (c *Client) Account(ctx context.Context, name string) (socket.AccountStatus, error) {
	var a socket.AccountStatus
	if err := c.getJSON(ctx, http.MethodGet, "/v1/accounts/"+url.PathEscape(name), &a); err != nil {
		return a, fmt.Errorf("account %s: %w", name, err)
	}
	return a, nil
}

// Token returns an account's token, valid at least minValid, waiting up to
// wait for one (zero: fail at once). ctx must allow for wait.
func (c *Client) Token(ctx context.Context, name string, minValid, wait time.Duration) (socket.TokenAnswer, error) {
	q := url.Values{}
	if minValid > 0 {
		q.Set("min_valid", minValid.String())
	}
	if wait > 0 {
		q.Set("wait", wait.String())
	}
	path := "/v1/accounts/" + url.PathEscape(name) + "/token"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var t socket.TokenAnswer
	if err := c.getJSON(ctx, http.MethodGet, path, &t); err != nil {
		return t, fmt.Errorf("token of %s: %w", name, err)
	}
	return t, nil
}

// Login asks the daemon to drop the account's session and log in again.
func (c *Client) Login(ctx context.Context, name string) error {
	var a socket.LoginAnswer
	if err := c.getJSON(ctx, http.MethodPost, "/v1/accounts/"+url.PathEscape(name)+"/login", &a); err != nil {
		return fmt.Errorf("login of %s: %w", name, err)
	}
	return nil
}

// Health returns the counts per state of the accounts this user may see.
func (c *Client) Health(ctx context.Context) (socket.Health, error) {
	var h socket.Health
	err := c.getJSON(ctx, http.MethodGet, "/v1/health", &h)
	return h, err
}
