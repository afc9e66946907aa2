package e2etest

import (
	"fmt"
	"os"
	"regexp"
	"sync"
	"testing"
	"time"
)

// headerShape is a token file of the header format.
var headerShape = regexp.MustCompile(`^Authorization: DXAPI ([A-Za-z0-9_-]{43})\n$`)

// A reader looping over the token files while sessions churn (forced
// logouts at the simulator, re-logins by the daemon) never reads an empty,
// partial or never-issued token: only "a valid token or no file" (DESIGN.md
// §4; issue 4, "Done when"). Every token the reader sees must be one the
// test itself verified with the simulator while it was published.
func TestReaderNeverSeesPartialTokenUnderChurn(t *testing.T) {
	const rounds = 4
	users := Users("churn", 4)
	sim := StartSimulator(t, SimOptions{Users: users})
	d := NewDir(t)
	// Two files per account: raw (the default) and header.
	d.Write("main.hcl", d.DaemonHCL()+"\n"+d.DefaultsHCL(sim, `ping_interval = "1s"`)+`
account "churn" {
  for_each = toset(["churn01", "churn02", "churn03", "churn04"])
  username = each.key
  password = "pw-${each.key}"

  token_file {
    path = "`+d.Tokens+`/${each.key}.token"
  }
  token_file {
    path   = "`+d.Tokens+`/${each.key}.header"
    format = "header"
  }
}
`)
	daemon := d.StartDaemon()
	// for_each names the accounts churn.churn01...; the files are named by
	// key, so TokenPath(username) is still the raw file.
	current := d.WaitTokens(users)
	daemon.WaitOutput("swaykeep ready")

	verified := make(map[string]bool) // tokens pinged successfully while published
	for _, tok := range current {
		sim.RequireValid(t, "first token", tok)
		verified[tok] = true
	}

	stop := make(chan struct{})
	r := &reader{}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, u := range users {
				r.read(d.TokenPath(u.Username), false)
				r.read(d.Tokens+"/"+u.Username+".header", true)
			}
			// Not synchronisation: leaves some CPU to the daemon on a
			// small shared machine while still reading thousands of times.
			time.Sleep(100 * time.Microsecond)
		}
	})
	stopReader := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopReader()

	var slowest time.Duration
	for round := range rounds {
		// Alternate: every user at once, then one user.
		victims := users
		if round%2 == 1 {
			victims = users[round%len(users) : round%len(users)+1]
		}
		start := time.Now()
		if len(victims) == len(users) {
			sim.ForceLogoutAll(t)
		} else {
			sim.ForceLogout(t, victims[0].Username)
		}
		for _, u := range victims {
			old := current[u.Username]
			Eventually(t, fmt.Sprintf("round %d: a new token for %s", round, u.Username), func() bool {
				tok, ok := ReadToken(t, d.TokenPath(u.Username))
				if !ok || tok == old || !TokenShape.MatchString(tok) {
					return false
				}
				current[u.Username] = tok
				return true
			})
			slowest = max(slowest, time.Since(start))
			// Verify it before the next forced logout can end it.
			sim.RequireValid(t, fmt.Sprintf("round %d: new token of %s", round, u.Username), current[u.Username])
			verified[current[u.Username]] = true
		}
	}
	stopReader()

	t.Logf("%d reads (%d while a file was absent), %d distinct tokens; slowest new token after a forced logout: %v (ping_interval 1s)",
		r.reads, r.absent, len(r.seen), elapsed(slowest))
	for _, bad := range r.bad {
		t.Error(bad)
	}
	for tok := range r.seen {
		if !verified[tok] {
			t.Errorf("the reader saw a token (%d bytes) that was never verified as issued", len(tok))
		}
	}
	if r.reads == 0 {
		t.Fatal("the reader read nothing")
	}
	all := sim.Stats(t)
	if want := len(users) + (rounds/2)*len(users) + rounds/2; all.Totals.Logins != want {
		t.Errorf("%d logins at the simulator, want %d (one per account and per forced logout)", all.Totals.Logins, want)
	}
	daemon.Stop()
}

// reader is the churn test's reader: it records what it saw.
type reader struct {
	reads, absent int
	seen          map[string]bool
	bad           []string
}

// read reads one token file and checks it holds a whole token or is absent.
func (r *reader) read(path string, header bool) {
	if r.seen == nil {
		r.seen = make(map[string]bool)
	}
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		r.absent++
		return
	}
	r.reads++
	if err != nil {
		r.fail("read %s: %v", path, err)
		return
	}
	tok := string(b)
	if header {
		m := headerShape.FindStringSubmatch(tok)
		if m == nil {
			r.fail("%s: %d bytes that are not a whole header line", path, len(b))
			return
		}
		tok = m[1]
	} else if !TokenShape.MatchString(tok) {
		r.fail("%s: %d bytes that are not a whole token", path, len(b))
		return
	}
	r.seen[tok] = true
}

func (r *reader) fail(format string, args ...any) {
	if len(r.bad) < 10 {
		r.bad = append(r.bad, fmt.Sprintf(format, args...))
	}
}
