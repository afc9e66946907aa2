package e2etest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Dir is a test's temporary tree: a config directory, token files, the
// state directory and the socket, under a short path in /tmp so the socket
// path stays far below the 107 bytes a Unix socket path may have.
//
// A Dir, and the processes its StartDaemon starts, belong to the test that
// created it: their helpers call that test's Fatal, so do not use them from
// a subtest (create the Dir inside the subtest instead).
type Dir struct {
	t      testing.TB
	Root   string // /tmp/skNNNN
	Config string // Root/etc: the -config directory
	Tokens string // Root/tok: token files
	State  string // Root/state: state_dir (created by the daemon)
	Socket string // Root/sk.sock
}

// NewDir creates a Dir, removed when the test ends. Directories are 0755 so
// clients running as other uids can reach the socket and files.
func NewDir(t testing.TB) *Dir {
	t.Helper()
	root, err := os.MkdirTemp("/tmp", "sk")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	d := &Dir{
		t:      t,
		Root:   root,
		Config: filepath.Join(root, "etc"),
		Tokens: filepath.Join(root, "tok"),
		State:  filepath.Join(root, "state"),
		Socket: filepath.Join(root, "sk.sock"),
	}
	for _, dir := range []string{root, d.Config, d.Tokens} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		// MkdirTemp makes 0700 and the umask narrows MkdirAll: set it.
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// Write writes one file of the config directory (mode 0644).
func (d *Dir) Write(name, content string) {
	d.t.Helper()
	if err := os.WriteFile(filepath.Join(d.Config, name), []byte(content), 0o644); err != nil {
		d.t.Fatal(err)
	}
}

// Remove removes one file of the config directory.
func (d *Dir) Remove(name string) {
	d.t.Helper()
	if err := os.Remove(filepath.Join(d.Config, name)); err != nil {
		d.t.Fatal(err)
	}
}

// TokenPath is the path of the default token file of account (raw format):
// Tokens/ACCOUNT.token, as DefaultsHCL declares it.
func (d *Dir) TokenPath(account string) string {
	return filepath.Join(d.Tokens, account+".token")
}

// DaemonHCL returns a daemon block for tests: state_dir, socket and a login
// rate of 100/s inside the Dir, watch off (reload tests turn it on), plus
// extra attribute lines such as `logout_on_exit = true`.
func (d *Dir) DaemonHCL(extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "daemon {\n  state_dir  = %q\n  login_rate = 100\n", d.State)
	hasWatch := false
	for _, e := range extra {
		if strings.HasPrefix(strings.TrimSpace(e), "watch") {
			hasWatch = true
		}
		fmt.Fprintf(&b, "  %s\n", e)
	}
	if !hasWatch {
		b.WriteString("  watch      = false\n")
	}
	fmt.Fprintf(&b, "\n  socket {\n    path = %q\n  }\n}\n", d.Socket)
	return b.String()
}

// DefaultsHCL returns a defaults block pointing every account at the
// simulator, with one raw token file per account (TokenPath), plus extra
// attribute lines such as `ping_interval = "1s"`.
func (d *Dir) DefaultsHCL(sim *Simulator, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "defaults {\n  api_url = %q\n  domain  = \"default\"\n", sim.URL)
	for _, e := range extra {
		fmt.Fprintf(&b, "  %s\n", e)
	}
	fmt.Fprintf(&b, "\n  token_file {\n    path = \"%s/${account.name}.token\"\n  }\n}\n", d.Tokens)
	return b.String()
}

// AccountHCL returns an account block named like its user.
func AccountHCL(u User) string {
	return fmt.Sprintf("account %q {\n  username = %q\n  password = %q\n}\n", u.Username, u.Username, u.Password)
}

// WriteConfig writes the usual test configuration as main.hcl: DaemonHCL
// with daemonExtra, DefaultsHCL, and one account per user.
func (d *Dir) WriteConfig(sim *Simulator, users []User, daemonExtra ...string) {
	d.t.Helper()
	var b strings.Builder
	b.WriteString(d.DaemonHCL(daemonExtra...))
	b.WriteString("\n")
	b.WriteString(d.DefaultsHCL(sim))
	for _, u := range users {
		b.WriteString("\n")
		b.WriteString(AccountHCL(u))
	}
	d.Write("main.hcl", b.String())
}

// StartDaemon runs `swaykeep run -config d.Config` with extra flags.
func (d *Dir) StartDaemon(extra ...string) *Process {
	d.t.Helper()
	return Start(d.t, "swaykeep run", append([]string{"run", "-config", d.Config}, extra...)...)
}

// ReadToken returns the content of a token file, and false when the file
// does not exist (the contract: a valid token or no file).
func ReadToken(t testing.TB, path string) (string, bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false
	}
	if err != nil {
		t.Fatalf("read token file: %v", err)
	}
	return string(b), true
}

// WaitTokens waits until the raw token file of every user exists and holds
// a token of the simulator's shape, and returns them by username.
func (d *Dir) WaitTokens(users []User) map[string]string {
	d.t.Helper()
	tokens := make(map[string]string, len(users))
	Eventually(d.t, fmt.Sprintf("%d token files", len(users)), func() bool {
		for _, u := range users {
			tok, ok := ReadToken(d.t, d.TokenPath(u.Username))
			if !ok {
				return false
			}
			if !TokenShape.MatchString(tok) {
				d.t.Fatalf("token file of %s holds %d bytes not shaped like a token", u.Username, len(tok))
			}
			tokens[u.Username] = tok
		}
		return true
	})
	return tokens
}

// Users returns n users named prefix01..prefixNN with password pw-NAME.
func Users(prefix string, n int) []User {
	out := make([]User, n)
	for i := range out {
		name := fmt.Sprintf("%s%02d", prefix, i+1)
		out[i] = User{Username: name, Domain: "default", Password: "pw-" + name}
	}
	return out
}

// AccountStatus is one account of `swaykeep status -json`.
type AccountStatus struct {
	Account   string `json:"account"`
	State     string `json:"state"`
	LastError string `json:"last_error"`
	Logins    int    `json:"logins"`
}

// Status runs `swaykeep status -json` against the Dir's socket and returns
// the accounts by name, or false when the command fails (daemon not ready).
func (d *Dir) Status() (map[string]AccountStatus, bool) {
	d.t.Helper()
	stdout, _, code := Run(d.t, "status", "-json", "-socket", d.Socket)
	if code != 0 {
		return nil, false
	}
	var list struct {
		Accounts []AccountStatus `json:"accounts"`
	}
	if err := json.Unmarshal([]byte(stdout), &list); err != nil {
		d.t.Fatalf("swaykeep status -json: decode: %v\n%s", err, stdout)
	}
	out := make(map[string]AccountStatus, len(list.Accounts))
	for _, a := range list.Accounts {
		out[a.Account] = a
	}
	return out, true
}

// WaitState waits until `swaykeep status -json` shows account in state.
func (d *Dir) WaitState(account, state string) AccountStatus {
	d.t.Helper()
	var st AccountStatus
	Eventually(d.t, fmt.Sprintf("account %s in state %s", account, state), func() bool {
		all, ok := d.Status()
		st = all[account]
		return ok && st.State == state
	})
	return st
}
