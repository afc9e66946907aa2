package e2etest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// socketFixture is a daemon serving two accounts over its socket: alpha,
// readable by p.User and p.Group, and beta, with no readers.
type socketFixture struct {
	sim    *Simulator
	d      *Dir
	daemon *Process
	p      Principals
	tokens map[string]string // by account

	root, reader, groupReader, stranger *Client
}

func startSocketFixture(t *testing.T) *socketFixture {
	t.Helper()
	RequireRoot(t)
	RequireCurl(t)
	p := LookupPrincipals(t)
	users := []User{{"alpha", "default", "pw-alpha"}, {"beta", "default", "pw-beta"}}
	sim := StartSimulator(t, SimOptions{Users: users})
	d := NewDir(t)
	d.Write("main.hcl", d.DaemonHCL()+"\n"+d.DefaultsHCL(sim)+fmt.Sprintf(`
account "alpha" {
  username = "alpha"
  password = "pw-alpha"

  readers {
    users  = [%q]
    groups = [%q]
  }
}
`, p.User, p.Group)+"\n"+AccountHCL(users[1]))
	f := &socketFixture{sim: sim, d: d, p: p, daemon: d.StartDaemon()}
	f.daemon.WaitOutput("swaykeep ready")
	f.tokens = d.WaitTokens(users)
	// Numeric ids no system database names: the daemon can know them only
	// from the kernel's credentials of the connection.
	f.root = NewClient("root", 0, 0)
	f.reader = NewClient("reader by uid "+p.User, p.UID, p.UserGID)
	f.groupReader = NewClient("reader by supplementary group "+p.Group, 2901, 2901, 2902, p.GID)
	f.stranger = NewClient("stranger", 2903, 2903, 2904)
	return f
}

// visibleAccounts returns the names GET /v1/accounts lists for c.
func (f *socketFixture) visibleAccounts(t *testing.T, c *Client) []string {
	t.Helper()
	a := c.Curl(t, f.d.Socket, "", "/v1/accounts")
	if a.Status != http.StatusOK {
		t.Fatalf("GET /v1/accounts as %s: %s", c, a.Raw)
	}
	var list struct {
		Accounts []struct {
			Account string `json:"account"`
		} `json:"accounts"`
	}
	if err := json.Unmarshal([]byte(a.Body), &list); err != nil {
		t.Fatalf("GET /v1/accounts as %s: decode %q: %v", c, a.Body, err)
	}
	var names []string
	for _, acc := range list.Accounts {
		names = append(names, acc.Account)
	}
	slices.Sort(names)
	return names
}

// curl --unix-socket .../v1/accounts/alpha/token answers exactly the token
// for root, a reader by uid and a reader by supplementary group; anybody
// else gets the unknown name's 404, byte for byte, and does not see alpha
// listed or counted; swaykeep token prints exactly the token (issue 5,
// "Done when").
func TestSocketTokenAuthorization(t *testing.T) {
	f := startSocketFixture(t)
	tests := []struct {
		c    *Client
		sees []string
	}{
		{f.root, []string{"alpha", "beta"}},
		{f.reader, []string{"alpha"}},
		{f.groupReader, []string{"alpha"}},
		{f.stranger, nil},
	}
	for _, tt := range tests {
		unknown := tt.c.Curl(t, f.d.Socket, "", "/v1/accounts/nosuch/token")
		if unknown.Status != http.StatusNotFound {
			t.Errorf("token of an unknown account as %s: %s, want 404", tt.c, unknown.Raw)
		}
		for _, name := range []string{"alpha", "beta"} {
			a := tt.c.Curl(t, f.d.Socket, "", "/v1/accounts/"+name+"/token")
			if !slices.Contains(tt.sees, name) {
				if a.Raw != unknown.Raw {
					t.Errorf("token of hidden %s as %s:\n%s\nwant, byte for byte, the unknown name's:\n%s", name, tt.c, a.Raw, unknown.Raw)
				}
				continue
			}
			// The answer is compared with the token file; the token itself
			// is never printed.
			if a.Status != http.StatusOK || a.Body != f.tokens[name] {
				t.Errorf("token of %s as %s: status %d, %d bytes, equal to the token file: %v; want 200 and exactly the token",
					name, tt.c, a.Status, len(a.Body), a.Body == f.tokens[name])
			}
		}
		if got := f.visibleAccounts(t, tt.c); !slices.Equal(got, tt.sees) {
			t.Errorf("GET /v1/accounts as %s lists %q, want %q", tt.c, got, tt.sees)
		}
		h := tt.c.Curl(t, f.d.Socket, "", "/v1/health")
		var health struct {
			Accounts int `json:"accounts"`
		}
		if err := json.Unmarshal([]byte(h.Body), &health); h.Status != http.StatusOK || err != nil || health.Accounts != len(tt.sees) {
			t.Errorf("GET /v1/health as %s: %s, want 200 counting %d accounts", tt.c, h.Raw, len(tt.sees))
		}
	}

	// swaykeep token, stdout a pipe: exactly the token, no newline.
	for _, c := range []*Client{f.root, f.reader, f.groupReader} {
		out, errOut, code := c.Swaykeep(t, "token", "-socket", f.d.Socket, "alpha")
		if code != 0 || out != f.tokens["alpha"] {
			t.Errorf("swaykeep token alpha as %s: exit %d, %d bytes on stdout, equal to the token file: %v; stderr %q",
				c, code, len(out), out == f.tokens["alpha"], errOut)
		}
	}
	_, hidden, code := f.stranger.Swaykeep(t, "token", "-socket", f.d.Socket, "alpha")
	_, unknown, _ := f.stranger.Swaykeep(t, "token", "-socket", f.d.Socket, "nosuch")
	if code == 0 || strings.ReplaceAll(hidden, "alpha", "NAME") != strings.ReplaceAll(unknown, "nosuch", "NAME") {
		t.Errorf("swaykeep token alpha as %s: exit %d, stderr %q; want a failure worded as for an unknown name: %q", f.stranger, code, hidden, unknown)
	}
	if out := f.daemon.Output(); containsAny(out, f.tokens) {
		t.Error("the daemon's output holds a token")
	}
	f.daemon.Stop()
}

// swaykeep login by root makes one new login; a reader that is no admin
// gets 403; a stranger gets the unknown name's 404 (issue 5, DESIGN.md §4).
func TestSocketLoginAuthorization(t *testing.T) {
	f := startSocketFixture(t)
	before := f.sim.UserStats(t, "alpha").Logins

	out, errOut, code := f.root.Swaykeep(t, "login", "-socket", f.d.Socket, "alpha")
	if code != 0 {
		t.Fatalf("swaykeep login alpha as root: exit %d: %s%s", code, out, errOut)
	}
	f.sim.StatsEventually(t, "alpha", "one more login", func(st Stats) bool { return st.Logins >= before+1 })
	Eventually(t, "a new token for alpha", func() bool {
		tok, ok := ReadToken(t, f.d.TokenPath("alpha"))
		return ok && tok != f.tokens["alpha"] && TokenShape.MatchString(tok)
	})

	for _, c := range []*Client{f.reader, f.groupReader} {
		_, errOut, code := c.Swaykeep(t, "login", "-socket", f.d.Socket, "alpha")
		a := c.Curl(t, f.d.Socket, http.MethodPost, "/v1/accounts/alpha/login")
		if code == 0 || a.Status != http.StatusForbidden {
			t.Errorf("login of alpha as %s: swaykeep exit %d (%q), curl %d; want a failure and 403", c, code, errOut, a.Status)
		}
	}
	_, hidden, code := f.stranger.Swaykeep(t, "login", "-socket", f.d.Socket, "alpha")
	_, unknown, _ := f.stranger.Swaykeep(t, "login", "-socket", f.d.Socket, "nosuch")
	if code == 0 || strings.ReplaceAll(hidden, "alpha", "NAME") != strings.ReplaceAll(unknown, "nosuch", "NAME") {
		t.Errorf("swaykeep login alpha as %s: exit %d, stderr %q; want it worded as for an unknown name: %q", f.stranger, code, hidden, unknown)
	}
	for _, name := range []string{"alpha", "beta"} {
		a := f.stranger.Curl(t, f.d.Socket, http.MethodPost, "/v1/accounts/"+name+"/login")
		u := f.stranger.Curl(t, f.d.Socket, http.MethodPost, "/v1/accounts/nosuch/login")
		if a.Status != http.StatusNotFound || a.Raw != u.Raw {
			t.Errorf("login of %s as %s:\n%s\nwant, byte for byte, the unknown name's:\n%s", name, f.stranger, a.Raw, u.Raw)
		}
	}
	// The refused requests made no login.
	if got := f.sim.UserStats(t, "alpha").Logins; got != before+1 {
		t.Errorf("alpha: %d logins after one admin login and refused ones, want %d", got, before+1)
	}
	f.daemon.Stop()
}

// swaykeep status shows every account's state, expiry and last error, as a
// table and as JSON (issue 5, "Done when").
func TestSocketStatus(t *testing.T) {
	good := User{Username: "alpha", Domain: "default", Password: "pw-alpha"}
	bad := User{Username: "mallory", Domain: "default", Password: "SENTINEL-status-pw"}
	sim := StartSimulator(t, SimOptions{Users: []User{good, {Username: "mallory", Password: "mallorys-real-pw"}}})
	d := NewDir(t)
	d.WriteConfig(sim, []User{good, bad})
	daemon := d.StartDaemon()
	tokens := d.WaitTokens([]User{good})
	d.WaitState("mallory", "rejected")

	stdout, stderr, code := Run(t, "status", "-json", "-socket", d.Socket)
	if code != 0 {
		t.Fatalf("swaykeep status -json: exit %d: %s", code, stderr)
	}
	var list struct {
		Accounts []struct {
			Account   string    `json:"account"`
			State     string    `json:"state"`
			ExpiresAt time.Time `json:"expires_at"`
			LastError string    `json:"last_error"`
		} `json:"accounts"`
	}
	if err := json.Unmarshal([]byte(stdout), &list); err != nil {
		t.Fatalf("swaykeep status -json: decode: %v\n%s", err, stdout)
	}
	if len(list.Accounts) != 2 {
		t.Fatalf("swaykeep status -json lists %d accounts, want 2:\n%s", len(list.Accounts), stdout)
	}
	lastErr := ""
	for _, a := range list.Accounts {
		switch a.Account {
		case "alpha":
			// The simulator's default session timeout is 30 minutes.
			if a.State != "active" || time.Until(a.ExpiresAt) < 25*time.Minute || time.Until(a.ExpiresAt) > 31*time.Minute || a.LastError != "" {
				t.Errorf("alpha: state %q, expires %v, last error %q; want active, in about 30m, none", a.State, a.ExpiresAt, a.LastError)
			}
		case "mallory":
			lastErr = a.LastError
			if a.State != "rejected" || lastErr == "" || !a.ExpiresAt.IsZero() {
				t.Errorf("mallory: state %q, expires %v, last error %q; want rejected with its error and no expiry", a.State, a.ExpiresAt, lastErr)
			}
		default:
			t.Errorf("unexpected account %q", a.Account)
		}
	}

	table, stderr, code := Run(t, "status", "-socket", d.Socket)
	if code != 0 {
		t.Fatalf("swaykeep status: exit %d: %s", code, stderr)
	}
	rows := map[string]*regexp.Regexp{
		"header":  regexp.MustCompile(`(?m)^ACCOUNT\s+STATE\s+EXPIRES\s+LAST ERROR\s*$`),
		"alpha":   regexp.MustCompile(`(?m)^alpha\s+active\s+in (29m|30m)\S*\s+-\s*$`),
		"mallory": regexp.MustCompile(`(?m)^mallory\s+rejected\s+-\s+` + regexp.QuoteMeta(strings.ReplaceAll(lastErr, "\n", " ")) + `\s*$`),
	}
	for what, re := range rows {
		if lastErr == "" && what == "mallory" {
			continue // reported above
		}
		if !re.MatchString(table) {
			t.Errorf("swaykeep status: no %s row matching %s:\n%s", what, re, table)
		}
	}
	for _, out := range []string{stdout, table, daemon.Output()} {
		if strings.Contains(out, "SENTINEL") || containsAny(out, tokens) {
			t.Errorf("a password or token in the output:\n%s", out)
		}
	}
	daemon.Stop()
}

// ?wait=10s on an account that is logging in answers as soon as the token
// is published, not when the wait ends (issue 5, "Done when"). The
// simulator's latency fault keeps the login in flight for loginLatency.
func TestSocketTokenWaitReturnsOnPublish(t *testing.T) {
	const loginLatency = 3 * time.Second
	curl := RequireCurl(t)
	u := User{Username: "slow", Domain: "default", Password: "pw-slow"}
	sim := StartSimulator(t, SimOptions{Users: []User{u}})
	sim.SetFaults(t, Faults{Latency: loginLatency.String()})
	d := NewDir(t)
	d.WriteConfig(sim, []User{u})
	daemon := d.StartDaemon()
	Eventually(t, "the daemon's socket accepting", func() bool {
		c, err := net.Dial("unix", d.Socket)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	if _, ok := ReadToken(t, d.TokenPath("slow")); ok {
		t.Fatal("the token was published before the wait started: the login was not slowed")
	}

	start := time.Now()
	cmd := exec.Command(curl, "-q", "-sS", "--max-time", "20", "--unix-socket", d.Socket, "http://x/v1/accounts/slow/token?wait=10s")
	p := StartCmd(t, "curl ?wait=10s", cmd)
	var published, answered time.Time
	var token string
	EventuallyWithin(t, 15*time.Second, "the token published and the wait answered", func() bool {
		if published.IsZero() {
			if tok, ok := ReadToken(t, d.TokenPath("slow")); ok {
				published, token = time.Now(), tok
			}
		}
		if answered.IsZero() && p.Exited() {
			answered = time.Now()
		}
		return !published.IsZero() && !answered.IsZero()
	})
	if st := p.Wait(); st.ExitCode() != 0 {
		t.Fatalf("curl ?wait=10s: %v: %s", st, p.Output())
	}
	if p.Output() != token {
		t.Errorf("curl ?wait=10s printed %d bytes, equal to the token file: %v; want exactly the token", len(p.Output()), p.Output() == token)
	}
	t.Logf("login %v after the request, answer %v after it (%v after the token file)",
		elapsed(published.Sub(start)), elapsed(answered.Sub(start)), elapsed(answered.Sub(published)))
	// Polling sees the file up to one Poll late, and the socket may learn
	// of the token a moment before or after the file is renamed in place.
	if lag := answered.Sub(published); lag > time.Second {
		t.Errorf("the wait answered %v after the token was published, want at once", elapsed(lag))
	}
	if took := answered.Sub(start); took < loginLatency/2 || took > 10*time.Second/2 {
		t.Errorf("the wait answered after %v: want about the login's %v, well before 10s", elapsed(took), loginLatency)
	}
	sim.ClearFaults(t)
	daemon.Stop()
}
