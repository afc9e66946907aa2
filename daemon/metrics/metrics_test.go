package metrics

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/swaykeep/swaykeep/daemon/keeper"
)

// sentinel stands for a secret that must never reach the output: errors
// carry it here, though by contract they never hold one.
const sentinel = "S3NT1NEL-hunter2"

var expires = time.Unix(1_800_000_000, 0)

// script plays a small fleet's life: alpha logs in and stays active, beta is
// rejected, gamma becomes active then degraded then loses its token.
func script(m *Metrics) {
	t0 := time.Unix(1_799_990_000, 0)
	events := []keeper.Event{
		{Time: t0, Account: "alpha", Old: keeper.Stopped, New: keeper.Pending},
		{Time: t0, Account: "beta", Old: keeper.Stopped, New: keeper.Pending},
		{Time: t0, Account: "gamma", Old: keeper.Stopped, New: keeper.Pending},
		{Time: t0, Account: "alpha", Old: keeper.Pending, New: keeper.Active, Published: true, NewToken: true, Expires: expires},
		{Time: t0, Account: "beta", Old: keeper.Pending, New: keeper.Rejected, Err: "login refused: " + sentinel},
		{Time: t0, Account: "gamma", Old: keeper.Pending, New: keeper.Active, Published: true, NewToken: true, Expires: expires},
		{Time: t0, Account: "gamma", Old: keeper.Active, New: keeper.Degraded, Published: true, Expires: expires, Err: sentinel},
		{Time: t0, Account: "gamma", Old: keeper.Degraded, New: keeper.Backoff, Err: "session expired"},
	}
	for _, ev := range events {
		m.Observe(ev)
	}
	m.CountLogin("alpha", "ok")
	m.CountLogin("beta", "rejected")
	m.CountLogin("gamma", "ok")
	m.CountPing("alpha", "ok")
	m.CountPing("alpha", "ok")
	m.CountPing("gamma", "transient")
	m.ObserveRequest("login", 200, 30*time.Millisecond)
	m.ObserveRequest("login", 401, 20*time.Millisecond)
	m.ObserveRequest("ping", 0, 10*time.Second)
	m.ReloadResult(true, time.Unix(1_799_990_000, 0))
}

func TestScriptedFleet(t *testing.T) {
	m := New()
	script(m)

	const want = `
# HELP swaykeep_accounts Number of accounts per state.
# TYPE swaykeep_accounts gauge
swaykeep_accounts{state="active"} 1
swaykeep_accounts{state="backoff"} 1
swaykeep_accounts{state="degraded"} 0
swaykeep_accounts{state="disabled"} 0
swaykeep_accounts{state="pending"} 0
swaykeep_accounts{state="rejected"} 1
swaykeep_accounts{state="stopped"} 0
# HELP swaykeep_token_expiry_timestamp_seconds Unix time at which the account's published token expires; absent while none is published.
# TYPE swaykeep_token_expiry_timestamp_seconds gauge
swaykeep_token_expiry_timestamp_seconds{account="alpha"} 1.8e+09
# HELP swaykeep_logins_total Login attempts per account, by result.
# TYPE swaykeep_logins_total counter
swaykeep_logins_total{account="alpha",result="ok"} 1
swaykeep_logins_total{account="beta",result="rejected"} 1
swaykeep_logins_total{account="gamma",result="ok"} 1
# HELP swaykeep_pings_total Pings per account, by result.
# TYPE swaykeep_pings_total counter
swaykeep_pings_total{account="alpha",result="ok"} 2
swaykeep_pings_total{account="gamma",result="transient"} 1
# HELP swaykeep_config_last_reload_successful 1 if the last configuration load or reload succeeded, 0 if it failed and the previous one still runs.
# TYPE swaykeep_config_last_reload_successful gauge
swaykeep_config_last_reload_successful 1
# HELP swaykeep_config_last_reload_success_timestamp_seconds Unix time of the last successful configuration load or reload.
# TYPE swaykeep_config_last_reload_success_timestamp_seconds gauge
swaykeep_config_last_reload_success_timestamp_seconds 1.79999e+09
`
	if err := testutil.GatherAndCompare(m.reg, strings.NewReader(want),
		"swaykeep_accounts", "swaykeep_token_expiry_timestamp_seconds", "swaykeep_logins_total",
		"swaykeep_pings_total", "swaykeep_config_last_reload_successful",
		"swaykeep_config_last_reload_success_timestamp_seconds"); err != nil {
		t.Error(err)
	}

	// One state series per account and state, exactly one of them 1.
	for account, state := range map[string]keeper.State{"alpha": keeper.Active, "beta": keeper.Rejected, "gamma": keeper.Backoff} {
		for _, s := range keeper.States {
			want := 0.0
			if s == state {
				want = 1
			}
			if got := testutil.ToFloat64(m.accountState.WithLabelValues(account, string(s))); got != want {
				t.Errorf("swaykeep_account_state{account=%q,state=%q} = %v, want %v", account, s, got, want)
			}
		}
	}
	if n := testutil.CollectAndCount(m.accountState); n != 3*len(keeper.States) {
		t.Errorf("%d account_state series, want %d", n, 3*len(keeper.States))
	}

	// Request histograms by op and code; no answer is "error".
	if n := testutil.CollectAndCount(m.requests); n != 3 {
		t.Errorf("%d request histograms, want 3 (login/200, login/401, ping/error)", n)
	}
}

func TestReloadFailureKeepsSuccessTime(t *testing.T) {
	m := New()
	m.ReloadResult(true, time.Unix(100, 0))
	m.ReloadResult(false, time.Unix(200, 0))
	if got := testutil.ToFloat64(m.reloadOK); got != 0 {
		t.Errorf("last_reload_successful = %v after a failure, want 0", got)
	}
	if got := testutil.ToFloat64(m.reloadTime); got != 100 {
		t.Errorf("last_reload_success_timestamp = %v, want 100 (the last success)", got)
	}
}

func TestForget(t *testing.T) {
	m := New()
	script(m)
	m.Forget("alpha")
	body := scrape(t, m)
	if strings.Contains(body, `account="alpha"`) {
		t.Errorf("alpha still in the output after Forget:\n%s", grep(body, "alpha"))
	}
	if !strings.Contains(body, `swaykeep_accounts{state="active"} 0`) {
		t.Errorf("active count not 0 after forgetting the only active account:\n%s", grep(body, "swaykeep_accounts"))
	}
	if !strings.Contains(body, `swaykeep_logins_total{account="beta",result="rejected"} 1`) {
		t.Error("Forget(alpha) removed beta's series")
	}
}

func TestOutputHasNoSecret(t *testing.T) {
	m := New()
	script(m)
	body := scrape(t, m)
	if strings.Contains(body, sentinel) {
		t.Errorf("metrics output holds the sentinel secret:\n%s", grep(body, sentinel))
	}
	for _, want := range []string{
		`swaykeep_account_state{account="gamma",state="backoff"} 1`,
		`swaykeep_build_info{goversion="go`,
		`swaykeep_api_request_duration_seconds_count{code="error",op="ping"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestServe(t *testing.T) {
	m := New()
	m.CountLogin("alpha", "ok")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- m.Serve(ctx, ln) }()

	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	resp, err := c.Get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `swaykeep_logins_total{account="alpha",result="ok"} 1`) {
		t.Errorf("GET /metrics = %d\n%s", resp.StatusCode, body)
	}
	resp, err = c.Get("http://" + ln.Addr().String() + "/other")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /other = %d, want 404", resp.StatusCode)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve = %v after cancel, want nil", err)
	}
}

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("scrape = %d", rec.Code)
	}
	return rec.Body.String()
}

func grep(body, s string) string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
