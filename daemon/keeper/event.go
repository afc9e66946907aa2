package keeper

import "time"

// State is where an account's session stands (DESIGN.md §3). States are
// visible in status, logs, events and metrics.
type State string

const (
	Pending  State = "pending"  // waiting for the login limiter (or the first login)
	Active   State = "active"   // a valid token is published
	Degraded State = "degraded" // token still published and unexpired, pings failing
	Backoff  State = "backoff"  // no token; transient failure; next try at a known time
	Rejected State = "rejected" // credentials refused; not retried until they change
	Disabled State = "disabled" // 403: REST access off for this user
	Stopped  State = "stopped"  // the keeper is not running
)

// States lists every state, in display order.
var States = []State{Pending, Active, Degraded, Backoff, Rejected, Disabled, Stopped}

// HasToken reports whether a token is published in this state.
func (s State) HasToken() bool { return s == Active || s == Degraded }

// Event is one change of an account: its state, its token, or both. It never
// carries the token itself. The daemon fans events out to logs, the socket's
// event stream, metrics and systemd.
type Event struct {
	Time      time.Time
	Account   string
	Old, New  State
	Published bool      // a token is published after this event
	NewToken  bool      // the published token changed (login, or ping answered a new one)
	Expires   time.Time // expiry of the published token; zero when none
	Err       string    // the error that caused the change, if any; never a secret
}

// Status is a snapshot of one account, for status output and the socket.
type Status struct {
	Account     string
	State       State
	Expires     time.Time     // zero when no token
	Issued      time.Time     // when the current token was obtained (login)
	LastSuccess time.Time     // last successful login or ping
	Timeout     time.Duration // the server's timeout, 0 if unknown
	NextAttempt time.Time     // in backoff/pending/degraded: the next try
	LastError   string
	Logins      int // logins attempted by this keeper
}
