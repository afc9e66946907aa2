package e2etest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// quiet is how long a reload test waits before asserting that nothing
// happened: the watcher's 250 ms debounce (daemon/run.go) and one reload,
// with a margin for a loaded machine. It is the only fixed wait of the
// reload tests, and never stands in for a condition that can be polled.
const quiet = 1250 * time.Millisecond

// reloadRig is a running daemon whose config directory holds main.hcl (the
// daemon and defaults blocks) and one file per account, acct-NAME.hcl, so
// reload tests can add, remove and rename accounts by file. The daemon logs
// at debug level, so even a reload that changes nothing leaves a line.
type reloadRig struct {
	t      *testing.T
	sim    *Simulator
	d      *Dir
	daemon *Process
	users  []User // the accounts configured at start
}

// startReloadRig starts a simulator knowing known (a superset of users),
// writes the configuration of users with watch on or off, starts the daemon
// and waits for every token and "swaykeep ready".
func startReloadRig(t *testing.T, users, known []User, watch bool) *reloadRig {
	t.Helper()
	r := newReloadRig(t, users, known, watch)
	for _, u := range users {
		r.d.Write(accountFile(u.Username), AccountHCL(u))
	}
	r.start()
	return r
}

// newReloadRig starts the simulator and writes main.hcl only, for tests
// that lay the accounts out themselves before start.
func newReloadRig(t *testing.T, users, known []User, watch bool) *reloadRig {
	t.Helper()
	r := &reloadRig{t: t, sim: StartSimulator(t, SimOptions{Users: known}), d: NewDir(t), users: users}
	r.d.Write("main.hcl", r.mainHCL(watch))
	return r
}

// start starts the daemon and waits for every token and "swaykeep ready".
func (r *reloadRig) start() {
	r.t.Helper()
	r.daemon = r.d.StartDaemon()
	r.d.WaitTokens(r.users)
	r.daemon.WaitOutput("swaykeep ready")
}

// sentinelUsers is Users with passwords that tests look for in every
// output: SENTINEL-pw-NAME.
func sentinelUsers(prefix string, n int) []User {
	users := Users(prefix, n)
	for i := range users {
		users[i].Password = "SENTINEL-" + users[i].Password
	}
	return users
}

// passwords returns the users' passwords, for noSecrets.
func passwords(users ...User) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.Password
	}
	return out
}

// accountWithTokenFile is an account block with its own token_file block
// (path, then extra attribute lines such as `mode = "0640"`).
func accountWithTokenFile(u User, path string, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "account %q {\n  username = %q\n  password = %q\n\n  token_file {\n    path = %q\n", u.Username, u.Username, u.Password, path)
	for _, e := range extra {
		fmt.Fprintf(&b, "    %s\n", e)
	}
	b.WriteString("  }\n}\n")
	return b.String()
}

// mainHCL is the daemon and defaults blocks of the rig.
func (r *reloadRig) mainHCL(watch bool) string {
	return r.d.DaemonHCL(fmt.Sprintf("watch      = %t", watch), `log_level  = "debug"`) +
		"\n" + r.d.DefaultsHCL(r.sim)
}

// accountFile is the config file that holds one account in a reloadRig.
func accountFile(name string) string { return "acct-" + name + ".hcl" }

// reloads counts the reloads the daemon has logged so far, applied ("configuration
// reloaded", with or without changes) and failed ("reload failed").
func (r *reloadRig) reloads() int {
	out := r.daemon.Output()
	return strings.Count(out, "configuration reloaded") + strings.Count(out, "reload failed")
}

// waitReload waits until the daemon has logged more than after reloads,
// and fails the test if it exited.
func (r *reloadRig) waitReload(after int, what string) {
	r.t.Helper()
	Eventually(r.t, "a reload after "+what, func() bool {
		if r.daemon.Exited() {
			r.t.Fatalf("the daemon exited after %s", what)
		}
		return r.reloads() > after
	})
}

// counts returns every user's counters at the simulator.
func (r *reloadRig) counts() map[string]Stats {
	r.t.Helper()
	return r.sim.Stats(r.t).Users
}

// requireCounts checks logins, failed logins and logouts of every user named
// in want; want[name] holds {logins, logouts}; failed logins must be 0.
func (r *reloadRig) requireCounts(when string, want map[string][2]int) {
	r.t.Helper()
	all := r.counts()
	for name, w := range want {
		st := all[name]
		if st.Logins != w[0] || st.Logouts != w[1] || st.FailedLogins != 0 {
			r.t.Errorf("%s: %s: %d logins, %d logouts, %d failed logins; want %d, %d, 0",
				when, name, st.Logins, st.Logouts, st.FailedLogins, w[0], w[1])
		}
	}
}

// onceEach is the counts of users that logged in once and never out.
func onceEach(users ...User) map[string][2]int {
	m := make(map[string][2]int, len(users))
	for _, u := range users {
		m[u.Username] = [2]int{1, 0}
	}
	return m
}

// fileState is what tells a rewritten file from an untouched one.
type fileState struct {
	ino     uint64
	mode    os.FileMode
	mtime   time.Time
	content string
}

// stateOf returns the state of the file at path, which must exist.
func stateOf(t *testing.T, path string) fileState {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat %s: %v", filepath.Base(path), err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return fileState{ino: fi.Sys().(*syscall.Stat_t).Ino, mode: fi.Mode().Perm(), mtime: fi.ModTime(), content: string(b)}
}

// tokenStates returns the state of every user's token file.
func (r *reloadRig) tokenStates(users []User) map[string]fileState {
	r.t.Helper()
	m := make(map[string]fileState, len(users))
	for _, u := range users {
		m[u.Username] = stateOf(r.t, r.d.TokenPath(u.Username))
	}
	return m
}

// requireUntouched fails unless every token file is the same file, with the
// same mode, content and modification time as in before.
func (r *reloadRig) requireUntouched(when string, before map[string]fileState) {
	r.t.Helper()
	for name, was := range before {
		path := r.d.TokenPath(name)
		if _, err := os.Stat(path); err != nil {
			r.t.Errorf("%s: token file of %s: %v", when, name, err)
			continue
		}
		if now := stateOf(r.t, path); now != was {
			r.t.Errorf("%s: token file of %s was rewritten or changed (inode %d -> %d, mode %v -> %v, same content %t)",
				when, name, was.ino, now.ino, was.mode, now.mode, was.content == now.content)
		}
	}
}

// requireRunning fails the test if the daemon has exited.
func (r *reloadRig) requireRunning(when string) {
	r.t.Helper()
	if r.daemon.Exited() {
		r.t.Fatalf("%s: the daemon exited", when)
	}
}

// writeFile writes path with mode 0644, creating its directory.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// saveLikeVim replaces path as editors do: the new content goes to a
// temporary file in the same directory, which is renamed over the old one,
// so the file's inode changes and a watch on the file itself would go quiet.
func saveLikeVim(t *testing.T, path, content string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".swp")
	writeFile(t, tmp, content)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// noSecrets fails if any of the secrets appears in out.
func noSecrets(t *testing.T, what, out string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(out, s) {
			t.Errorf("%s shows a secret (%d bytes)", what, len(s))
		}
	}
}

// requireRelogin waits until name was logged out once and holds a new,
// valid token instead of old.
func (r *reloadRig) requireRelogin(name, old string) {
	r.t.Helper()
	var tok string
	Eventually(r.t, name+": one logout and a new token", func() bool {
		var ok bool
		tok, ok = ReadToken(r.t, r.d.TokenPath(name))
		st := r.sim.UserStats(r.t, name)
		return ok && tok != old && TokenShape.MatchString(tok) && st.Logouts == 1 && st.Logins == 2
	})
	r.sim.RequireValid(r.t, "new token of "+name, tok)
	if code := r.sim.Ping(r.t, old); code >= 200 && code <= 299 {
		r.t.Errorf("%s: the old session is still valid (ping %d)", name, code)
	}
}

// symlink makes link point at target.
func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}
