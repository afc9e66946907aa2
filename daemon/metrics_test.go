package daemon

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestMetricsAfterScenario scrapes the daemon's metrics after a scripted
// fleet: one good account, one wrong password, one forced out.
func TestMetricsAfterScenario(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newSim("alice", "bob", "carol")
		r := newRig(t, sim, map[string]string{"main.hcl": baseConfig, "a.hcl": accounts("alice", "carol") + `
account "bob" {
  username = "bob"
  password = "SENTINEL-wrong-password"
}
`})
		r.start()
		sim.ForceLogout("carol")
		r.settle(time.Hour)

		rec := httptest.NewRecorder()
		r.d.metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		body, _ := io.ReadAll(rec.Body)
		out := string(body)
		for _, want := range []string{
			`swaykeep_account_state{account="alice",state="active"} 1`,
			`swaykeep_account_state{account="bob",state="rejected"} 1`,
			`swaykeep_logins_total{account="bob",result="rejected"} 1`,
			`swaykeep_logins_total{account="carol",result="ok"} 2`,
			`swaykeep_pings_total{account="carol",result="session_gone"} 1`,
			`swaykeep_token_expiry_timestamp_seconds{account="alice"}`,
			`swaykeep_api_request_duration_seconds_count{code="200",op="login"}`,
			`swaykeep_config_last_reload_successful 1`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		for _, u := range []string{"alice", "carol"} {
			if tok := r.token(u); tok == "" || strings.Contains(out, tok) {
				t.Errorf("%s's token is missing or appears in the metrics", u)
			}
		}
		if strings.Contains(out, "SENTINEL") {
			t.Error("a password appears in the metrics")
		}
	})
}
