package socket_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swaykeep/swaykeep/daemon/keeper"
	"github.com/swaykeep/swaykeep/daemon/socket"
	"github.com/swaykeep/swaykeep/daemon/socket/sockettest"
)

// docsPaths are the pages whose examples TestDocExamples runs.
var docsPaths = []string{"../../docs/socket.md", "../../README.md"}

// documentedSocket is the socket path the examples use; the test replaces
// it with its own.
const documentedSocket = "/run/swaykeep/swaykeep.sock"

// example is one "$ command" of a console block and the output shown under it.
type example struct {
	line    int
	command string
	output  string
}

// consoleExamples returns the commands of every ```console block.
func consoleExamples(t *testing.T, path string) []example {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []example
	var in bool
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case !in && line == "```console":
			in = true
		case in && line == "```":
			in = false
		case in && strings.HasPrefix(line, "$ "):
			out = append(out, example{line: n, command: strings.TrimPrefix(line, "$ ")})
		case in && len(out) > 0:
			out[len(out)-1].output += line + "\n"
		}
	}
	return out
}

// docsBackend is the daemon the examples describe: alpha active, desk.eu
// backing off, and one event for whoever subscribes, after which the
// stream ends (so that curl returns).
type docsBackend struct{ *sockettest.Backend }

func (docsBackend) Subscribe() (<-chan keeper.Event, func()) {
	ch := make(chan keeper.Event, 1)
	t0 := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	ch <- keeper.Event{Time: t0, Account: "alpha", Old: keeper.Pending, New: keeper.Active, Published: true, NewToken: true, Expires: t0.Add(30 * time.Minute)}
	close(ch)
	return ch, func() {}
}

// TestDocExamples runs every curl example of docs/socket.md and README.md against a
// server holding the accounts the page describes, and compares the output.
func TestDocExamples(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	t0 := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	b := sockettest.New()
	b.Set(socket.Account{Status: keeper.Status{Account: "alpha", State: keeper.Pending}})
	b.Set(socket.Account{Status: keeper.Status{Account: "desk.eu", State: keeper.Pending}})
	b.Publish("alpha", "3fa8c1d2e4b5a697", t0.Add(30*time.Minute))
	b.Set(socket.Account{Status: keeper.Status{Account: "alpha", State: keeper.Active,
		Expires: t0.Add(30 * time.Minute), Issued: t0, LastSuccess: t0.Add(15 * time.Minute), Timeout: 30 * time.Minute, Logins: 1}})
	b.Set(socket.Account{Status: keeper.Status{Account: "desk.eu", State: keeper.Backoff,
		LastError: "login: transient failure (HTTP 502)", NextAttempt: t0.Add(time.Minute), Logins: 3}})

	path := filepath.Join(shortDir(t), "s.sock")
	l, err := socket.Listen(path, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	serveUntilCleanup(t, newServer(t, docsBackend{b}), l)

	for _, docsPath := range docsPaths {
		runExamples(t, docsPath, path)
	}
}

// runExamples runs the console examples of one page against the socket at path.
func runExamples(t *testing.T, docsPath, path string) {
	examples := consoleExamples(t, docsPath)
	if len(examples) < 5 {
		t.Fatalf("found %d examples in %s", len(examples), docsPath)
	}
	for _, ex := range examples {
		cmd := exec.Command("sh", "-c", strings.ReplaceAll(ex.command, documentedSocket, path))
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		out, err := cmd.Output()
		if err != nil {
			t.Errorf("%s:%d: %s: %v", docsPath, ex.line, ex.command, err)
			continue
		}
		if got, want := strings.TrimRight(string(out), "\n"), strings.TrimRight(ex.output, "\n"); got != want {
			t.Errorf("%s:%d: %s\nprints:\n%s\ndocumented:\n%s", docsPath, ex.line, ex.command, got, want)
		}
	}
}
