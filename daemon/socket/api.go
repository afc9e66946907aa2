package socket

import (
	"time"

	"github.com/swaykeep/swaykeep/daemon/keeper"
)

// The JSON documents of the API (docs/socket.md). Times are RFC 3339; a time
// that is not known is left out.

// AccountStatus is one account in GET /v1/accounts and GET /v1/accounts/NAME.
type AccountStatus struct {
	Account        string       `json:"account"`
	State          keeper.State `json:"state"`
	ExpiresAt      time.Time    `json:"expires_at,omitzero"`
	IssuedAt       time.Time    `json:"issued_at,omitzero"`
	LastSuccess    time.Time    `json:"last_success,omitzero"`
	TimeoutSeconds int64        `json:"timeout_seconds,omitempty"` // the server's session timeout
	NextAttempt    time.Time    `json:"next_attempt,omitzero"`
	LastError      string       `json:"last_error,omitempty"`
	Logins         int          `json:"logins"`
}

// AccountList is the answer of GET /v1/accounts.
type AccountList struct {
	Accounts []AccountStatus `json:"accounts"`
}

// TokenAnswer is GET /v1/accounts/NAME/token with Accept: application/json.
// Token is the token itself, deliberately a plain string: this is where the
// token leaves the daemon.
type TokenAnswer struct {
	Account   string    `json:"account"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// NoToken is the 503 answer of the token route when there is no token.
type NoToken struct {
	Error       string       `json:"error"`
	Account     string       `json:"account"`
	State       keeper.State `json:"state"`
	LastError   string       `json:"last_error,omitempty"`
	NextAttempt time.Time    `json:"next_attempt,omitzero"`
}

// Health is the answer of GET /v1/health: how many of the accounts the peer
// may see are in each state (every state is listed, zeros included).
type Health struct {
	Status   string               `json:"status"` // "ok"
	Accounts int                  `json:"accounts"`
	States   map[keeper.State]int `json:"states"`
}

// EventData is the data of one server-sent event of GET /v1/events. It
// never carries the token.
type EventData struct {
	Time      time.Time    `json:"time"`
	Account   string       `json:"account"`
	Old       keeper.State `json:"old"`
	New       keeper.State `json:"new"`
	Published bool         `json:"published"`
	NewToken  bool         `json:"new_token"`
	ExpiresAt time.Time    `json:"expires_at,omitzero"`
	Error     string       `json:"error,omitempty"`
}

// LoginAnswer is the 202 answer of POST /v1/accounts/NAME/login.
type LoginAnswer struct {
	Account string `json:"account"`
	Status  string `json:"status"` // "login requested"
}

// ErrorAnswer is every other error: {"error": "..."}.
type ErrorAnswer struct {
	Error string `json:"error"`
}

// StatusOf is the socket's view of a keeper status.
func StatusOf(s keeper.Status) AccountStatus {
	return AccountStatus{
		Account:        s.Account,
		State:          s.State,
		ExpiresAt:      s.Expires,
		IssuedAt:       s.Issued,
		LastSuccess:    s.LastSuccess,
		TimeoutSeconds: int64(s.Timeout / time.Second),
		NextAttempt:    s.NextAttempt,
		LastError:      s.LastError,
		Logins:         s.Logins,
	}
}

func eventOf(e keeper.Event) EventData {
	return EventData{
		Time: e.Time, Account: e.Account, Old: e.Old, New: e.New,
		Published: e.Published, NewToken: e.NewToken, ExpiresAt: e.Expires, Error: e.Err,
	}
}
