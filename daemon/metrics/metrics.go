// Package metrics exposes the daemon's Prometheus metrics (DESIGN.md §6):
// accounts per state, per-account state and token expiry, logins and pings by
// result, API request durations, reload outcome and build info.
//
// Metrics live in their own registry, never the global one, so two daemons in
// one test process do not collide. Labels carry account names (visible to
// whoever reaches the listener; keep it on loopback) and never a secret: no
// method takes a password, a token or an error text.
package metrics

import (
	"context"
	"errors"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/swaykeep/swaykeep/daemon/buildinfo"
	"github.com/swaykeep/swaykeep/daemon/keeper"
)

const namespace = "swaykeep"

// Metrics is the daemon's metric set. It is safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	mu     sync.Mutex              // guards states and the series derived from it
	states map[string]keeper.State // each known account's current state

	accountState *prometheus.GaugeVec // account, state: 1 for the current state
	accounts     *prometheus.GaugeVec // state: how many accounts are in it
	tokenExpiry  *prometheus.GaugeVec // account: expiry of the published token
	logins       *prometheus.CounterVec
	pings        *prometheus.CounterVec
	requests     *prometheus.HistogramVec
	reloadOK     prometheus.Gauge
	reloadTime   prometheus.Gauge
}

// New returns the metric set with its own registry, holding also the Go
// runtime and process collectors and swaykeep_build_info.
func New() *Metrics {
	m := &Metrics{
		reg:    prometheus.NewRegistry(),
		states: make(map[string]keeper.State),
		accountState: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Name: "account_state",
			Help: "1 for the state each account is in, 0 for the others.",
		}, []string{"account", "state"}),
		accounts: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Name: "accounts",
			Help: "Number of accounts per state.",
		}, []string{"state"}),
		tokenExpiry: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Name: "token_expiry_timestamp_seconds",
			Help: "Unix time at which the account's published token expires; absent while none is published.",
		}, []string{"account"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "logins_total",
			Help: "Login attempts per account, by result.",
		}, []string{"account", "result"}),
		pings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "pings_total",
			Help: "Pings per account, by result.",
		}, []string{"account", "result"}),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "api_request_duration_seconds",
			Help:    "Duration of Sway API requests by operation and HTTP status (\"error\": no answer).",
			Buckets: prometheus.DefBuckets,
		}, []string{"op", "code"}),
		reloadOK: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "config_last_reload_successful",
			Help: "1 if the last configuration load or reload succeeded, 0 if it failed and the previous one still runs.",
		}),
		reloadTime: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "config_last_reload_success_timestamp_seconds",
			Help: "Unix time of the last successful configuration load or reload.",
		}),
	}
	buildInfo := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Name: "build_info",
		Help: "Always 1; labels tell which swaykeep runs.",
	}, []string{"version", "goversion"})
	buildInfo.WithLabelValues(buildinfo.Version(), runtime.Version()).Set(1)
	for _, s := range keeper.States {
		m.accounts.WithLabelValues(string(s)).Set(0)
	}
	m.reg.MustRegister(m.accountState, m.accounts, m.tokenExpiry, m.logins, m.pings,
		m.requests, m.reloadOK, m.reloadTime, buildInfo,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Observe records one keeper event: the account's state series and, while a
// token is published, its expiry. Feed it every event of the daemon's stream.
func (m *Metrics) Observe(ev keeper.Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.states[ev.Account] = ev.New
	for _, s := range keeper.States {
		v := 0.0
		if s == ev.New {
			v = 1
		}
		m.accountState.WithLabelValues(ev.Account, string(s)).Set(v)
	}
	if ev.Published && !ev.Expires.IsZero() {
		m.tokenExpiry.WithLabelValues(ev.Account).Set(unixSeconds(ev.Expires))
	} else {
		m.tokenExpiry.DeleteLabelValues(ev.Account)
	}
	m.countStatesLocked()
}

// Forget removes every series of an account removed from the configuration,
// so it leaves the output instead of lingering as stopped.
func (m *Metrics) Forget(account string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.states, account)
	l := prometheus.Labels{"account": account}
	m.accountState.DeletePartialMatch(l)
	m.tokenExpiry.DeletePartialMatch(l)
	m.logins.DeletePartialMatch(l)
	m.pings.DeletePartialMatch(l)
	m.countStatesLocked()
}

func (m *Metrics) countStatesLocked() {
	counts := make(map[keeper.State]int, len(keeper.States))
	for _, s := range m.states {
		counts[s]++
	}
	for _, s := range keeper.States {
		m.accounts.WithLabelValues(string(s)).Set(float64(counts[s]))
	}
}

// CountLogin counts one login attempt of account with its result, a short
// fixed word chosen by the keeper ("ok", "rejected", "disabled", "transient",
// "rate_limited"), never an error text.
func (m *Metrics) CountLogin(account, result string) {
	m.logins.WithLabelValues(account, result).Inc()
}

// CountPing counts one ping of account with its result, as CountLogin.
func (m *Metrics) CountPing(account, result string) {
	m.pings.WithLabelValues(account, result).Inc()
}

// ObserveRequest records one API request's duration by operation ("login",
// "ping", "logout") and HTTP status; status 0 (no answer: connection error,
// timeout) is recorded as code "error". Its signature matches
// swayapi.Options.Observe, so the method value can be passed as is.
func (m *Metrics) ObserveRequest(op string, status int, d time.Duration) {
	code := "error"
	if status > 0 {
		code = strconv.Itoa(status)
	}
	m.requests.WithLabelValues(op, code).Observe(d.Seconds())
}

// ReloadResult records the outcome of a configuration load or reload at time
// at; call it after the initial load too. A failed reload leaves the last
// success timestamp as it was.
func (m *Metrics) ReloadResult(ok bool, at time.Time) {
	if !ok {
		m.reloadOK.Set(0)
		return
	}
	m.reloadOK.Set(1)
	m.reloadTime.Set(unixSeconds(at))
}

// Handler serves the metrics in the Prometheus exposition formats. A
// collector that fails (the packaged unit's ProcSubset=pid hides /proc/stat,
// which process_start_time_seconds needs) costs its own series, not the scrape.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		Registry:      m.reg,
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// Serve answers GET /metrics on ln until ctx is done, then shuts down
// gracefully (a scrape in flight gets up to 5 s) and returns nil. Any other
// serving error is returned. To move the listener on reload, bind the new one
// and start Serve on it before cancelling the old one's ctx.
func (m *Metrics) Serve(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
