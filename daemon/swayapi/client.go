// Package swayapi is the HTTP client of the three Sway Charts (DXtrade)
// authentication calls swaykeep needs: login, ping and logout
// (api/sway-auth.md). It never retries: the keeper owns every retry.
package swayapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/swaykeep/swaykeep/config/secret"
	"github.com/swaykeep/swaykeep/daemon/buildinfo"
)

// Credentials are the login fields of one account.
type Credentials struct {
	Username string
	Domain   string
	Password secret.Secret
}

// Session is what login and ping answer.
type Session struct {
	Token secret.Secret
	// Timeout is the server's inactivity timeout; 0 when the answer carried
	// no usable timeout (the caller falls back to a conservative interval).
	Timeout time.Duration
}

// Options configure a Client.
type Options struct {
	// BaseURL is the API base, e.g. https://api.swaycharts.io/dxsca-web/.
	BaseURL string
	// Transport carries the requests. Nil: a new keep-alive transport
	// trusting the system roots plus CAFile. Whoever creates the client owns
	// the transport; tests pass the simulator's in-memory transport.
	Transport http.RoundTripper
	// CAFile adds a PEM bundle of private roots (ignored when Transport is set).
	CAFile string
	// RequestTimeout bounds each call; default 10s.
	RequestTimeout time.Duration
	// UserAgent defaults to "swaykeep/" + the build version.
	UserAgent string
	// Observe, when set, is called after every call with the operation
	// ("login", "ping", "logout"), the HTTP status (0 when no answer
	// arrived) and how long the call took; for metrics. It must be quick.
	Observe func(op string, status int, d time.Duration)
}

// DefaultRequestTimeout bounds a call when Options.RequestTimeout is zero.
const DefaultRequestTimeout = 10 * time.Second

// Client talks to one API base URL. It is safe for concurrent use; thousands
// of sessions share one Client and its connections.
type Client struct {
	login, ping, logout string // absolute endpoint URLs
	http                *http.Client
	ownTransport        *http.Transport // nil when the caller supplied one
	timeout             time.Duration
	userAgent           string
	observe             func(string, int, time.Duration)
}

// New returns a client of the API at o.BaseURL (http or https; a missing
// trailing slash is added, so ".../dxsca-web" and ".../dxsca-web/" are the
// same base).
func New(o Options) (*Client, error) {
	base, err := url.Parse(o.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("api base URL %q: %w", o.BaseURL, err)
	}
	if base.Scheme != "http" && base.Scheme != "https" || base.Host == "" {
		return nil, fmt.Errorf("api base URL %q: want http:// or https:// and a host", o.BaseURL)
	}
	if base.User != nil {
		return nil, fmt.Errorf("api base URL %q: user information is not allowed", base.Redacted())
	}
	if base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("api base URL %q: query and fragment are not allowed", o.BaseURL)
	}
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
		base.RawPath = ""
	}
	c := &Client{
		login:     base.JoinPath("login").String(),
		ping:      base.JoinPath("ping").String(),
		logout:    base.JoinPath("logout").String(),
		timeout:   o.RequestTimeout,
		userAgent: o.UserAgent,
		observe:   o.Observe,
	}
	if c.timeout <= 0 {
		c.timeout = DefaultRequestTimeout
	}
	if c.userAgent == "" {
		c.userAgent = buildinfo.UserAgent()
	}
	rt := o.Transport
	if rt == nil {
		t, err := newTransport(o.CAFile)
		if err != nil {
			return nil, err
		}
		c.ownTransport, rt = t, t
	}
	c.http = &http.Client{
		Transport: rt,
		// Never follow redirects: a redirect of a POST means a wrong base
		// URL, and following it could carry the token to another host.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c, nil
}

// CloseIdleConnections closes the idle keep-alive connections of a
// transport the client created itself (a caller-supplied one is left
// alone). The client stays usable.
func (c *Client) CloseIdleConnections() {
	if c.ownTransport != nil {
		c.ownTransport.CloseIdleConnections()
	}
}

// newTransport is a keep-alive transport for one API host: thousands of
// sessions reuse a handful of connections.
func newTransport(caFile string) (*http.Transport, error) {
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pemData, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pemData) {
			return nil, fmt.Errorf("CA file %q holds no PEM certificate", caFile)
		}
		tlsConf.RootCAs = pool
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         dialer.DialContext,
		TLSClientConfig:     tlsConf,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 16,
		// A restart verifies every saved session at once: without a cap,
		// 1,000 accounts would open 1,000 TLS connections from one address
		// within a second (docs/performance.md). Calls beyond the cap queue
		// for a connection, bounded by their context.
		MaxConnsPerHost:       16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
	}, nil
}

// Login creates a session (POST {base}/login). It sends no Authorization.
func (c *Client) Login(ctx context.Context, cr Credentials) (Session, error) {
	body, err := loginBody(cr)
	if err != nil {
		return Session{}, &Error{Op: "login", Kind: ErrBadRequest, Err: err}
	}
	ans, err := c.call(ctx, "login", c.login, "", body, cr.Password.Reveal())
	if err != nil {
		return Session{}, err
	}
	s, err := decodeSession(ans.body, "")
	if err != nil {
		return Session{}, &Error{Op: "login", Status: ans.status, Kind: ErrTransient, Err: err}
	}
	return s, nil
}

// Ping keeps a session alive (POST {base}/ping with Authorization: DXAPI).
// An answer without a new token ({} or an empty body) returns tok again with
// Timeout 0. A tok that is not a safe token (empty, say, or from a corrupted
// state file) fails with ErrSessionGone without a request: log in again.
func (c *Client) Ping(ctx context.Context, tok secret.Secret) (Session, error) {
	if err := CheckToken(tok.Reveal()); err != nil {
		return Session{}, &Error{Op: "ping", Kind: ErrSessionGone, Err: err}
	}
	ans, err := c.call(ctx, "ping", c.ping, tok.Reveal(), nil, "")
	if err != nil {
		return Session{}, err
	}
	s, err := decodeSession(ans.body, tok)
	if err != nil {
		return Session{}, &Error{Op: "ping", Status: ans.status, Kind: ErrTransient, Err: err}
	}
	return s, nil
}

// Logout ends a session (POST {base}/logout). Any 2xx is success, whatever
// the body.
func (c *Client) Logout(ctx context.Context, tok secret.Secret) error {
	if err := CheckToken(tok.Reveal()); err != nil {
		return &Error{Op: "logout", Kind: ErrSessionGone, Err: err}
	}
	_, err := c.call(ctx, "logout", c.logout, tok.Reveal(), nil, "")
	if err != nil {
		return err
	}
	return nil
}
