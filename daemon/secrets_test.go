package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/swaykeep/swaykeep/config"
	"github.com/swaykeep/swaykeep/daemon/keeper"
	"github.com/swaykeep/swaykeep/daemon/swayapi/swayapitest"
)

// The sentinels are the passwords of the secrets test: no byte of output may
// contain them. Their prefixes make a partial leak (a truncated error
// message) findable too.
const (
	sentinelPW    = "SENTINEL-pw-7c1e9b"  // alice's good password, from file()
	sentinelWrong = "SENTINEL-wrong-4d2a" // bob's wrong password, a literal
	sentinelVar   = "SENTINEL-var-93f0"   // a sensitive variable's default
)

// tokenRecorder wraps the simulator's transport and records every session
// token the API hands out, so the test can look for each of them in the
// output.
type tokenRecorder struct {
	next   http.RoundTripper
	mu     sync.Mutex
	tokens map[string]bool
}

var sessionTokenRE = regexp.MustCompile(`"sessionToken"\s*:\s*"([^"]+)"`)

func (t *tokenRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	body, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		return resp, nil
	}
	t.mu.Lock()
	for _, m := range sessionTokenRE.FindAllSubmatch(body, -1) {
		t.tokens[string(m[1])] = true
	}
	t.mu.Unlock()
	return resp, nil
}

func (t *tokenRecorder) all() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for tok := range t.tokens {
		out = append(out, tok)
	}
	return out
}

// startRecording is rig.start with the transport wrapped by rec.
func (r *rig) startRecording(rec *tokenRecorder) {
	r.t.Helper()
	log := logrus.New()
	log.SetOutput(syncWriter{r.log})
	src := config.Source{Path: r.dir, Getenv: func(string) (string, bool) { return "", false }}
	r.d = New(Options{
		Source:    src,
		Log:       log,
		Transport: func(string, string) (http.RoundTripper, error) { return rec, nil },
		NoSocket:  true,
		Now:       r.now,
	})
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.done = make(chan error, 1)
	go func() { r.done <- r.d.Run(ctx) }()
	r.t.Cleanup(func() { r.stop() })
	r.settle(time.Second)
}

const secretsConfig = `
variable "spare" {
  type      = string
  default   = "` + sentinelVar + `"
  sensitive = true
}

daemon {
  state_dir  = "{{state}}"
  login_rate = 100
  watch      = false
  log_level  = "debug"
  log_format = "%s"
}

defaults {
  api_url = "http://127.0.0.1/dxsca-web"
  token_file {
    path = "{{tokens}}/${account.name}.token"
  }
}

account "alice" {
  username = "alice"
  password = file("alice.pw")
}

account "bob" {
  username = "bob"
  password = "` + sentinelWrong + `"
}
`

// brokenConfigs are half-edited files a reload or a plan may meet, each
// with an error next to, or computed from, a secret.
var brokenConfigs = map[string]string{
	// The error is on the line after a literal password.
	"neighbour": `account "carol" {
  username = "carol"
  password = "` + sentinelWrong + `"
  bogus    = 1
}
`,
	// The error's expression refers to a sensitive variable.
	"variable": `account "carol" {
  username = var.spare + 1
  password = var.spare
}
`,
	// A function fails on a secret file's content.
	"function": `account "carol" {
  username = tonumber(file("alice.pw"))
  password = "x"
}
`,
	// An unterminated string holding the password.
	"syntax": `account "carol" {
  username = "carol"
  password = "` + sentinelWrong + `
`,
}

func TestSecretsNeverInOutput(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { secretsScenario(t, format) })
		})
	}
}

func secretsScenario(t *testing.T, format string) {
	sim := swayapitest.New(swayapitest.Options{Timeout: 30 * time.Minute, LoginRate: -1})
	sim.AddUser("alice", "default", sentinelPW)
	sim.AddUser("bob", "default", "the-right-one")
	sim.AddUser("carol", "default", "x")
	rec := &tokenRecorder{next: sim.Transport(), tokens: make(map[string]bool)}
	r := newRig(t, sim, map[string]string{
		"main.hcl": strings.Replace(secretsConfig, "%s", format, 1),
		"alice.pw": sentinelPW + "\n",
	})
	var out bytes.Buffer // everything but the log: answers, statuses, events
	r.startRecording(rec)
	events, unsubscribe := r.d.Subscribe()
	defer unsubscribe()
	drain := func() {
		for {
			select {
			case ev := <-events:
				b, _ := json.Marshal(ev)
				out.Write(b)
				out.WriteString(ev.Err + "\n")
			default:
				return
			}
		}
	}
	snapshot := func() {
		drain()
		b, _ := json.Marshal(r.d.Statuses())
		out.Write(b)
		for _, s := range r.d.Statuses() {
			out.WriteString(s.LastError + "\n")
		}
	}

	if r.stateOf("alice") != keeper.Active || r.stateOf("bob") != keeper.Rejected {
		t.Fatalf("start: alice %s, bob %s; want active, rejected", r.stateOf("alice"), r.stateOf("bob"))
	}
	snapshot()

	// Pings, then a forced logout noticed by a ping, then a new login.
	r.settle(20 * time.Minute)
	sim.ForceLogout("alice")
	r.settle(20 * time.Minute)
	snapshot()

	// HTML 5xx bodies, then 429s with Retry-After, on the pings that find
	// the session gone (the re-login after them succeeds).
	sim.SetFaults(swayapitest.Faults{Errors5xx: 3, HTMLErrors: true})
	sim.ForceLogout("alice")
	r.settle(20 * time.Minute)
	snapshot()
	sim.SetFaults(swayapitest.Faults{Errors429: 3, RetryAfter: 2 * time.Second})
	sim.ForceLogout("alice")
	r.settle(20 * time.Minute)
	snapshot()
	// The same faults on logins: an admin's login asks at once.
	for _, f := range []swayapitest.Faults{
		{Errors5xx: 2, HTMLErrors: true},
		{Errors429: 2, RetryAfter: 2 * time.Second},
		{Errors429: 2},
		{Drop: 1},
	} {
		sim.SetFaults(f)
		if err := r.d.Login("alice"); err != nil {
			t.Fatalf("login alice: %v", err)
		}
		r.settle(10 * time.Minute)
		snapshot()
		if r.stateOf("alice") != keeper.Active {
			t.Fatalf("alice is %s after login faults %+v", r.stateOf("alice"), f)
		}
	}
	sim.SetFaults(swayapitest.Faults{})

	// An admin's login of the rejected account: rejected again, once.
	if err := r.d.Login("bob"); err != nil {
		t.Fatalf("login bob: %v", err)
	}
	r.settle(time.Minute)
	snapshot()

	// Reloads of broken files, and plans of them, over the admin routes.
	for name, content := range brokenConfigs {
		r.write("broken.hcl", content)
		rec := httptest.NewRecorder()
		r.d.serveReload(rec, httptest.NewRequest("POST", "/v1/reload", nil))
		if rec.Code == http.StatusOK {
			t.Errorf("reload of broken config %q answered 200", name)
		}
		out.Write(rec.Body.Bytes())
		res := r.d.Reload(context.Background())
		if res.OK {
			t.Errorf("reload of broken config %q succeeded", name)
		}
		out.WriteString(res.Diagnostics + res.Err + res.Summary() + "\n")

		body, _ := json.Marshal(PlanRequest{Path: r.dir, Files: map[string]string{
			filepath.Join(r.dir, "main.hcl"):   mainConfig(r, format, ""),
			filepath.Join(r.dir, "broken.hcl"): content,
		}})
		rec = httptest.NewRecorder()
		r.d.servePlan(rec, httptest.NewRequest("POST", "/v1/plan", bytes.NewReader(body)))
		out.Write(rec.Body.Bytes())
	}
	// A plan that succeeds and changes a password.
	r.write("broken.hcl", "")
	body, _ := json.Marshal(PlanRequest{Path: r.dir, Files: map[string]string{
		filepath.Join(r.dir, "main.hcl"): mainConfig(r, format, sentinelWrong+"2"),
	}})
	prec := httptest.NewRecorder()
	r.d.servePlan(prec, httptest.NewRequest("POST", "/v1/plan", bytes.NewReader(body)))
	if !strings.Contains(prec.Body.String(), `"ok":true`) {
		t.Errorf("plan of a good config: %s", prec.Body)
	}
	out.Write(prec.Body.Bytes())
	// A reload that succeeds and changes a password.
	r.write("main.hcl", mainConfig(r, format, sentinelWrong+"2"))
	rrec := httptest.NewRecorder()
	r.d.serveReload(rrec, httptest.NewRequest("POST", "/v1/reload", nil))
	if rrec.Code != http.StatusOK {
		t.Errorf("reload of a good config: %d %s", rrec.Code, rrec.Body)
	}
	out.Write(rrec.Body.Bytes())
	r.settle(time.Minute)
	snapshot()

	if err := r.stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	drain()

	tokens := rec.all()
	if len(tokens) < 4 {
		t.Fatalf("the scenario issued %d tokens; want several logins", len(tokens))
	}
	log := r.log.String()
	if !strings.Contains(log, "level=debug") && !strings.Contains(log, `"level":"debug"`) {
		t.Fatalf("no debug line in the log; is log_level applied?\n%s", log)
	}
	for what, text := range map[string]string{"log": log, "answers, statuses and events": out.String()} {
		for _, s := range []string{sentinelPW, sentinelWrong, sentinelVar, "SENTINEL"} {
			if strings.Contains(text, s) {
				t.Errorf("%s contains the secret %q:\n%s", what, s, excerpt(text, s))
			}
		}
		for _, tok := range tokens {
			if strings.Contains(text, tok) {
				t.Errorf("%s contains the issued token %q:\n%s", what, tok, excerpt(text, tok))
			}
		}
	}
}

// mainConfig is secretsConfig in format, its paths expanded as rig.write
// does, with bob's password replaced by bobPW unless that is empty.
func mainConfig(r *rig, format, bobPW string) string {
	s := strings.Replace(secretsConfig, "%s", format, 1)
	if bobPW != "" {
		s = strings.Replace(s, sentinelWrong, bobPW, 1)
	}
	return mainConfigFor(r, s)
}

// excerpt returns the lines of text that contain s.
func excerpt(text, s string) string {
	var b strings.Builder
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, s) {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// TestPlanMasksSecretDerivedValues: POST /v1/plan evaluates a candidate with
// the daemon's own files, environment and credentials, so a socket admin who
// is not root must not be able to read a secret through the plan by putting
// it where the plan prints values (readers, admins, daemon attributes).
func TestPlanMasksSecretDerivedValues(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newSim("alice")
		r := newRig(t, sim, map[string]string{"main.hcl": baseConfig, "a.hcl": accounts("alice")})
		r.write("secret.pw", sentinelPW+"\n")
		r.start()
		candidate := mainConfigFor(r, `
daemon {
  state_dir  = "/tmp/${file("secret.pw")}"
  login_rate = 100
  watch      = false
  admins {
    users  = [file("secret.pw")]
    groups = [file("secret.pw")]
  }
}

defaults {
  api_url = "http://127.0.0.1/dxsca-web"
  token_file {
    path = "{{tokens}}/${account.name}.token"
  }
}

account "alice" {
  username = "alice"
  password = "alice-pw"
  readers {
    users  = [file("secret.pw")]
    groups = [file("secret.pw")]
  }
}
`)
		body, _ := json.Marshal(PlanRequest{Path: r.dir, Files: map[string]string{
			filepath.Join(r.dir, "main.hcl"): candidate,
		}})
		rec := httptest.NewRecorder()
		r.d.servePlan(rec, httptest.NewRequest("POST", "/v1/plan", bytes.NewReader(body)))
		if !strings.Contains(rec.Body.String(), `"ok":true`) {
			t.Fatalf("plan: %s", rec.Body)
		}
		if strings.Contains(rec.Body.String(), sentinelPW) {
			t.Errorf("the plan shows a value read with file():\n%s", excerpt(rec.Body.String(), sentinelPW))
		}
	})
}

// mainConfigFor expands {{tokens}} and {{state}} in content as rig.write does.
func mainConfigFor(r *rig, content string) string {
	return strings.NewReplacer("{{tokens}}", r.tokens, "{{state}}", r.state).Replace(content)
}
