package e2etest

import (
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// devBudget is the bound for `swaykeep dev`: its first token files
// within 10 seconds of starting (after the build).
const devBudget = 10 * time.Second

// `swaykeep dev` on examples/dev, stdout not a terminal: it writes the
// token files of the good accounts within 10 seconds, prints plain log
// lines, and mallory (wrong password) is rejected and gets no file.
func TestDevWritesTokens(t *testing.T) {
	d := NewDir(t)
	out := filepath.Join(d.Root, "dev")
	dev := Start(t, "swaykeep dev", "dev", "-dir", out, "-config", filepath.Join(RepoRoot(t), "examples", "dev"))
	simURL := dev.WaitMatch(regexp.MustCompile(`simulator on (\S+);`))[1]
	sim := AttachSimulator(t, dev, simURL)

	tokens := filepath.Join(out, "tokens")
	files := []string{"alice.token", "bob.json", "bob.env", "desk.eu.header", "desk.us.header"}
	EventuallyWithin(t, devBudget, "the first token files of swaykeep dev", func() bool {
		_, ok := ReadToken(t, filepath.Join(tokens, "alice.token"))
		return ok
	})
	t.Logf("first token file %v after start", elapsed(time.Since(dev.Started())))
	EventuallyWithin(t, devBudget, "every good account's token files", func() bool {
		for _, f := range files {
			if _, ok := ReadToken(t, filepath.Join(tokens, f)); !ok {
				return false
			}
		}
		return true
	})
	t.Logf("all %d token files %v after start", len(files), elapsed(time.Since(dev.Started())))
	alice, _ := ReadToken(t, filepath.Join(tokens, "alice.token"))
	sim.RequireValid(t, "alice's token from swaykeep dev", alice)

	dev.WaitMatch(regexp.MustCompile(`account=mallory .*state=rejected`))
	if _, ok := ReadToken(t, filepath.Join(tokens, "mallory.token")); ok {
		t.Error("mallory (wrong password) has a token file")
	}
	if st := sim.UserStats(t, "mallory"); st.FailedLogins != 1 || st.Logins != 0 {
		t.Errorf("mallory: %d failed and %d good logins, want 1 and 0", st.FailedLogins, st.Logins)
	}
	if st := sim.UserStats(t, "alice"); st.Logins != 1 {
		t.Errorf("alice: %d logins, want 1", st.Logins)
	}
	dev.Stop()
}
