// Package keeper keeps one account's API session alive (DESIGN.md §3): it
// logs in through a per-host limiter, pings on schedule, adopts new tokens,
// judges expiry on the wall clock too, re-logs in when the session is lost,
// backs off on failures and never retries a rejected password until the
// login fields change or an admin asks. Each change of state or token is
// reported as an Event and every token goes to a Sink.
//
// One goroutine (Run) owns the session; every other method only records a
// request and wakes it, so a slow server never blocks a caller.
package keeper

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/swaykeep/swaykeep/config"
	"github.com/swaykeep/swaykeep/config/secret"
	"github.com/swaykeep/swaykeep/daemon/statedir"
	"github.com/swaykeep/swaykeep/daemon/swayapi"
)

// Sink receives an account's token: token files (daemon/sink). Publish and
// Unpublish are called from the keeper's goroutine only, one at a time.
type Sink interface {
	// Publish makes tok, obtained at issued and valid until expires, the
	// account's token. It is called again after every successful ping (the
	// expiry moves); content that did not change need not be rewritten.
	Publish(tok secret.Secret, issued, expires time.Time) error
	// Unpublish removes the token: no file holds it afterwards. It is also
	// called when nothing was published (to clear files of an earlier run).
	Unpublish() error
}

// Config is what a keeper needs. Account, Client, Limiters and Sink are
// required.
type Config struct {
	Account  *config.Account
	Client   *swayapi.Client
	Limiters *Limiters // shared by every keeper of the daemon
	Sink     Sink
	Store    *statedir.Store // nil: no persistence
	// Emit receives every Event, from the keeper's goroutine; it must not
	// block.
	Emit func(Event)
	// Now reads the wall clock; nil means time.Now. Tests inject a clock
	// that jumps, as a suspended machine's does.
	Now func() time.Time
	Log logrus.FieldLogger // nil: logrus' standard logger
	// Count, when set, is told the outcome of every login and ping (op is
	// "login" or "ping", result one of Result's words), for metrics.
	Count func(op, result string)
	// Rand draws jitter; nil means math/rand/v2's global source. It is used
	// from the keeper's goroutine only.
	Rand *rand.Rand
}

// Keeper keeps one account's session. Create it with New and start Run.
type Keeper struct {
	cfg  Config
	name string
	host string // login limiter key
	fp   string // fingerprint of the login fields ("" without a store)
	log  logrus.FieldLogger
	now  func() time.Time

	kick      chan struct{} // buffered(1): the loop has something to look at
	jump      chan struct{} // buffered(1): the wall clock jumped (CheckExpiry)
	ready     chan struct{}
	readyOnce sync.Once

	mu       sync.Mutex // guards the fields up to the loop-owned ones
	status   Status
	pub      publication   // what Token hands out
	changed  chan struct{} // closed and replaced on every change Token waits for
	attempts uint64        // completed pings and logins
	want     bool          // a Token caller wants a fresh ping
	relogin  bool          // Relogin was called
	retime   bool          // SetTimings was called
	resink   bool          // SetSink was called
	sink     Sink
	pingCfg  time.Duration // config.PingAuto or fixed
	reqTO    time.Duration
	started  bool
	done     bool
	// knownTimeout is the timeout of the last published session, so Token
	// can refuse an impossible min_valid even while no token is held.
	knownTimeout time.Duration

	// Owned by the Run goroutine (and by Logout, after Run returned).
	pingEvery      time.Duration // copies of pingCfg and reqTO, taken by the loop
	reqTimeout     time.Duration
	sess           *session
	published      bool   // the sink holds a token
	verifying      bool   // the session was restored and awaits its one ping
	lastPing       moment // start of the last ping: Token's pings are spaced too
	pingFails      int
	loginFails     int
	retry          deadline // Backoff, Disabled: when to log in again
	verdictAt      time.Time
	warnedFallback bool
	warnedInterval bool
}

// session is a live session as the keeper knows it.
type session struct {
	tok     secret.Secret
	timeout time.Duration // the server's, 0 if unknown
	issued  time.Time     // wall time of the login
	last    moment        // start of the last successful request
	pingIn  time.Duration // next ping is due this long after last
	retry   *deadline     // Degraded: when to retry the failed ping
}

// deadline is a span from a moment; it is due when either clock says so.
type deadline struct {
	from moment
	in   time.Duration
}

// publication is the token Token hands out.
type publication struct {
	tok     secret.Secret
	expires deadline
	timeout time.Duration // the timeout expiry is judged by
}

func (p publication) ok() bool { return !p.tok.IsZero() }

// New returns a keeper for c.Account. It does nothing until Run.
func New(c Config) *Keeper {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = logrus.StandardLogger()
	}
	if c.Sink == nil {
		c.Sink = nopSink{}
	}
	a := c.Account
	k := &Keeper{
		cfg:       c,
		name:      a.Name,
		log:       c.Log.WithField("account", a.Name),
		now:       c.Now,
		kick:      make(chan struct{}, 1),
		jump:      make(chan struct{}, 1),
		ready:     make(chan struct{}),
		changed:   make(chan struct{}),
		sink:      c.Sink,
		pingCfg:   a.PingInterval,
		reqTO:     a.RequestTimeout,
		pingEvery: a.PingInterval,

		reqTimeout: a.RequestTimeout,
		status:     Status{Account: a.Name, State: Stopped}, // Run announces Stopped -> Pending
	}
	if u, err := url.Parse(a.APIURL); err == nil {
		k.host = u.Host
	} else {
		k.host = a.APIURL
	}
	if c.Store != nil {
		k.fp = c.Store.Fingerprint(a)
	}
	return k
}

// Ready is closed once a restored session has been verified with one ping
// (or discarded), at once when there was nothing to restore, and at the
// latest when Run returns. The daemon waits on every keeper's Ready before
// it reports READY=1.
func (k *Keeper) Ready() <-chan struct{} { return k.ready }

func (k *Keeper) markReady() { k.readyOnce.Do(func() { close(k.ready) }) }

// Status returns a snapshot of the account.
func (k *Keeper) Status() Status {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.status
}

// Relogin drops the session (logging it out), clears a rejected or disabled
// verdict and logs in again: the admin's `swaykeep login NAME`.
func (k *Keeper) Relogin() { k.request(func() { k.relogin = true }) }

// SetTimings applies new ping_interval and request_timeout values: the next
// ping is rescheduled, the session is kept.
func (k *Keeper) SetTimings(ping, requestTimeout time.Duration) {
	k.request(func() { k.pingCfg, k.reqTO, k.retime = ping, requestTimeout, true })
}

// SetSink replaces the sink (token files or readers changed): the current
// token, if any, is published to s; there is no login. Removing files that
// are no longer declared is the caller's business.
func (k *Keeper) SetSink(s Sink) {
	if s == nil {
		s = nopSink{}
	}
	k.request(func() { k.sink, k.resink = s, true })
}

// CheckExpiry makes the keeper judge its session's expiry now, after the
// wall clock jumped (WatchClock): a suspended machine's timers are late.
func (k *Keeper) CheckExpiry() {
	select {
	case k.jump <- struct{}{}: // for a ping in flight (pingContext)
	default:
	}
	k.wake()
}

func (k *Keeper) request(f func()) {
	k.mu.Lock()
	f()
	k.mu.Unlock()
	k.wake()
}

func (k *Keeper) wake() {
	select {
	case k.kick <- struct{}{}:
	default:
	}
}

// broadcastLocked wakes every Token caller waiting for a change.
func (k *Keeper) broadcastLocked() {
	close(k.changed)
	k.changed = make(chan struct{})
}

// ErrTooLong: Token was asked for a token valid longer than the session
// timeout, which no ping can give.
var ErrTooLong = errors.New("min_valid exceeds the session timeout")

// NoTokenError says why no token could be handed out.
type NoTokenError struct {
	Account   string
	State     State
	LastError string
	Expires   time.Time // when a token is held but expires too soon; else zero
}

func (e *NoTokenError) Error() string {
	msg := fmt.Sprintf("no token for %s (state %s)", e.Account, e.State)
	if !e.Expires.IsZero() {
		msg = fmt.Sprintf("token of %s expires too soon (at %s)", e.Account, e.Expires.Format(time.RFC3339))
	}
	if e.LastError != "" {
		msg += ": " + e.LastError
	}
	return msg
}

// nopSink stands in for a missing Sink: the token is then only available
// through Token.
type nopSink struct{}

func (nopSink) Publish(secret.Secret, time.Time, time.Time) error { return nil }
func (nopSink) Unpublish() error                                  { return nil }
