package e2etest

import (
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var metricsListening = regexp.MustCompile(`msg="metrics endpoint listening".*listen="?([0-9.]+:[0-9]+)"?`)

// scrape fetches url and returns the exposition text.
func scrape(t *testing.T, client *http.Client, url string) string {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape %s: %s, %v", url, resp.Status, err)
	}
	return string(b)
}

// sample returns the value of the series whose line starts with series
// (name and labels exactly as exposed), and whether there is one.
func sample(exposition, series string) (float64, bool) {
	for line := range strings.SplitSeq(exposition, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return v, err == nil
		}
	}
	return 0, false
}

// /metrics, on a listener at a port the kernel chose, shows per-account
// series (state, token expiry, logins) and neither a token nor a password
// (issue 7, "Done when").
func TestMetricsPerAccountAndNoSecret(t *testing.T) {
	good := User{Username: "alpha", Domain: "default", Password: "SENTINEL-metrics-alpha-pw"}
	bad := User{Username: "mallory", Domain: "default", Password: "SENTINEL-metrics-mallory-pw"}
	sim := StartSimulator(t, SimOptions{Users: []User{good, {Username: "mallory", Password: "mallorys-real-pw"}}})
	d := NewDir(t)
	d.Write("main.hcl", d.DaemonHCL("metrics {\n    listen = \"127.0.0.1:0\"\n  }")+"\n"+d.DefaultsHCL(sim)+"\n"+AccountHCL(good)+"\n"+AccountHCL(bad))
	daemon := d.StartDaemon()
	addr := daemon.WaitMatch(metricsListening)[1]
	url := "http://" + addr + "/metrics"
	tokens := d.WaitTokens([]User{good})
	d.WaitState("mallory", "rejected")

	client := &http.Client{Timeout: Deadline}
	defer client.CloseIdleConnections()
	want := map[string]func(float64) bool{
		`swaykeep_account_state{account="alpha",state="active"}`:     func(v float64) bool { return v == 1 },
		`swaykeep_account_state{account="alpha",state="pending"}`:    func(v float64) bool { return v == 0 },
		`swaykeep_account_state{account="mallory",state="rejected"}`: func(v float64) bool { return v == 1 },
		`swaykeep_account_state{account="mallory",state="active"}`:   func(v float64) bool { return v == 0 },
		`swaykeep_accounts{state="active"}`:                          func(v float64) bool { return v == 1 },
		`swaykeep_accounts{state="rejected"}`:                        func(v float64) bool { return v == 1 },
		`swaykeep_config_last_reload_successful`:                     func(v float64) bool { return v == 1 },
		`swaykeep_token_expiry_timestamp_seconds{account="alpha"}`: func(v float64) bool {
			// The simulator's default session timeout is 30 minutes.
			in := time.Until(time.Unix(int64(v), 0))
			return in > 25*time.Minute && in <= 31*time.Minute
		},
	}
	var text string
	// The daemon learns of mallory's rejection through its event stream:
	// the metrics may trail the socket's status by a moment.
	Eventually(t, "every expected series in /metrics", func() bool {
		text = scrape(t, client, url)
		for series, ok := range want {
			if v, found := sample(text, series); !found || !ok(v) {
				return false
			}
		}
		return true
	})
	// Exactly one login each, and none that is not alpha's good one or
	// mallory's rejected one.
	logins := regexp.MustCompile(`(?m)^swaykeep_logins_total\{.*$`).FindAllString(text, -1)
	wantLogins := []string{`swaykeep_logins_total{account="alpha",result="ok"} 1`, `swaykeep_logins_total{account="mallory",result="rejected"} 1`}
	if !slices.Equal(logins, wantLogins) {
		t.Errorf("swaykeep_logins_total series %q, want %q", logins, wantLogins)
	}
	if _, found := sample(text, `swaykeep_token_expiry_timestamp_seconds{account="mallory"}`); found {
		t.Error("mallory, without a token, has a token expiry series")
	}
	if strings.Contains(text, "SENTINEL") || containsAny(text, tokens) {
		t.Error("/metrics holds a password or a token")
	}
	if strings.Contains(daemon.Output(), "SENTINEL") || containsAny(daemon.Output(), tokens) {
		t.Error("the daemon's output holds a password or a token")
	}
	daemon.Stop()
}
