// Package swayapi is the HTTP client of the three Sway Charts (DXtrade)
// authentication calls swaykeep needs: login, ping and logout
// (api/sway-auth.md). It never retries: the keeper owns every retry.
package swayapi

import (
	"context"
	"net/http"
	"time"

	"github.com/swaykeep/swaykeep/config/secret"
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
}

// Client talks to one API base URL. It is safe for concurrent use; thousands
// of sessions share one Client and its connections.
type Client struct {
	// implemented in the issue-2 work
}

func New(o Options) (*Client, error)                                         { panic("unimplemented") }
func (c *Client) Login(ctx context.Context, cr Credentials) (Session, error) { panic("unimplemented") }
func (c *Client) Ping(ctx context.Context, tok secret.Secret) (Session, error) {
	panic("unimplemented")
}
func (c *Client) Logout(ctx context.Context, tok secret.Secret) error { panic("unimplemented") }
