// Package e2etest runs the real swaykeep binary as processes: the daemon
// against `swaykeep simulate`, with temporary configs, files, signals and
// restarts (DESIGN.md §8 "End-to-end tests"). Its _test.go files are the
// end-to-end tests of the keeper issue; other test packages import the
// harness for theirs (socket, reload).
//
// Everything here waits by polling a condition with a bounded deadline:
// these are real processes on a shared machine, so there is no fake clock to
// advance, and a fixed sleep would be either flaky or slow.
package e2etest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	// Poll is how often the wait helpers re-check their condition.
	Poll = 20 * time.Millisecond
	// Deadline bounds every wait helper unless told otherwise.
	Deadline = 10 * time.Second
	// binaryPackage is the import path of the binary the harness builds.
	binaryPackage = "github.com/swaykeep/swaykeep/cmd/swaykeep"
)

var build struct {
	once sync.Once
	dir  string // temporary directory holding the binary
	bin  string
	repo string // the module's root directory
	err  error
}

// Binary returns the path of a swaykeep binary built from this module, once
// per test process (Main removes it at the end). The binary is not built with
// -race: the tests are, and the daemon's own race tests are in-process.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce()
	if build.err != nil {
		t.Fatalf("build swaykeep: %v", build.err)
	}
	return build.bin
}

// RepoRoot returns the module's root directory (for examples/ and testdata).
func RepoRoot(t testing.TB) string {
	t.Helper()
	buildOnce()
	if build.err != nil {
		t.Fatalf("build swaykeep: %v", build.err)
	}
	return build.repo
}

func buildOnce() {
	build.once.Do(func() {
		gobin, err := goTool()
		if err != nil {
			build.err = err
			return
		}
		// Run go from this file's directory when the source is there (it
		// is, unless built with -trimpath), so the module is found whatever
		// package imports the harness.
		srcDir := ""
		if _, file, _, ok := runtime.Caller(0); ok {
			if st, err := os.Stat(filepath.Dir(file)); err == nil && st.IsDir() {
				srcDir = filepath.Dir(file)
			}
		}
		out, err := goCmd(gobin, srcDir, "list", "-m", "-f", "{{.Dir}}").Output()
		if err != nil {
			build.err = fmt.Errorf("find the module root: %w", err)
			return
		}
		build.repo = strings.TrimSpace(string(out))
		dir, err := os.MkdirTemp("", "swaykeep-e2e-bin")
		if err != nil {
			build.err = err
			return
		}
		build.dir = dir
		bin := filepath.Join(dir, "swaykeep")
		cmd := goCmd(gobin, srcDir, "build", "-o", bin, binaryPackage)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			build.err = fmt.Errorf("go build %s: %w\n%s", binaryPackage, err, stderr.String())
			return
		}
		// Readable and executable by everybody: socket tests run clients
		// as other uids.
		os.Chmod(dir, 0o755)
		build.bin = bin
	})
}

func goCmd(gobin, dir string, args ...string) *exec.Cmd {
	cmd := exec.Command(gobin, args...)
	cmd.Dir = dir
	return cmd
}

// goTool finds the go command: on PATH, else in the GOROOT this test binary
// was built with.
func goTool() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("no go command on PATH or in %s", runtime.GOROOT())
	}
	return p, nil
}

// Main runs the tests of a package that uses the harness and removes the
// binary afterwards: call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
	os.Exit(code)
}

// Eventually polls cond every Poll until it returns true, failing the test
// with what after Deadline.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	EventuallyWithin(t, Deadline, what, cond)
}

// EventuallyWithin is Eventually with its own deadline.
func EventuallyWithin(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	if !poll(limit, cond) {
		t.Fatalf("timed out after %s waiting for %s", limit, what)
	}
}

// poll reports whether cond became true within limit.
func poll(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(Poll)
	}
}
