package e2etest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Process is a swaykeep process started by a test. Its stdout and stderr
// are captured together (in order) and printed when the test fails. The
// test's cleanup kills it if it still runs. Its methods report failures to
// the test that started it, so use it from that test's goroutine only.
type Process struct {
	t     testing.TB
	name  string
	cmd   *exec.Cmd
	out   *lockedBuffer
	start time.Time
	done  chan struct{} // closed once the process has exited
	state *os.ProcessState
}

// Start runs the swaykeep binary with args; name labels its output in
// failure dumps.
func Start(t testing.TB, name string, args ...string) *Process {
	t.Helper()
	return StartCmd(t, name, exec.Command(Binary(t), args...))
}

// StartCmd starts cmd (whose Stdout and Stderr it sets) as a Process.
func StartCmd(t testing.TB, name string, cmd *exec.Cmd) *Process {
	t.Helper()
	p := &Process{t: t, name: name, cmd: cmd, out: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stdout = p.out
	cmd.Stderr = p.out
	p.start = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		cmd.Wait() // the exit status is read from ProcessState
		p.state = cmd.ProcessState
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.Exited() {
			cmd.Process.Kill()
			select {
			case <-p.done:
			case <-time.After(Deadline):
				t.Errorf("%s (pid %d) did not exit after SIGKILL", name, cmd.Process.Pid)
			}
		}
		if t.Failed() {
			t.Logf("output of %s (%s):\n%s", name, strings.Join(cmd.Args, " "), p.Output())
		}
	})
	return p
}

// Pid returns the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Started returns when the process was started.
func (p *Process) Started() time.Time { return p.start }

// Output returns everything the process wrote so far, stdout and stderr.
func (p *Process) Output() string { return p.out.String() }

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Signal sends sig (syscall.SIGTERM, SIGKILL, SIGHUP...) to the process.
func (p *Process) Signal(sig os.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.t.Fatalf("signal %v to %s: %v", sig, p.name, err)
	}
}

// Wait waits up to Deadline for the process to exit and returns its state.
func (p *Process) Wait() *os.ProcessState {
	p.t.Helper()
	return p.WaitWithin(Deadline)
}

// WaitWithin waits up to limit for the process to exit and returns its state.
func (p *Process) WaitWithin(limit time.Duration) *os.ProcessState {
	p.t.Helper()
	select {
	case <-p.done:
		return p.state
	case <-time.After(limit):
		p.t.Fatalf("%s did not exit within %s", p.name, limit)
		return nil
	}
}

// Stop sends SIGTERM and waits for a clean exit (status 0).
func (p *Process) Stop() {
	p.t.Helper()
	p.Signal(syscall.SIGTERM)
	if st := p.Wait(); st.ExitCode() != 0 {
		p.t.Fatalf("%s after SIGTERM: %v, want exit status 0", p.name, st)
	}
}

// Kill sends SIGKILL and waits for the process to die.
func (p *Process) Kill() {
	p.t.Helper()
	p.Signal(syscall.SIGKILL)
	p.Wait()
}

// WaitOutput waits up to Deadline for the output to contain s.
func (p *Process) WaitOutput(s string) {
	p.t.Helper()
	p.waitOutput(s, func(out string) bool { return strings.Contains(out, s) })
}

// WaitMatch waits up to Deadline for the output to match re and returns
// the first match's submatches.
func (p *Process) WaitMatch(re *regexp.Regexp) []string {
	p.t.Helper()
	var m []string
	p.waitOutput(re.String(), func(out string) bool {
		m = re.FindStringSubmatch(out)
		return m != nil
	})
	return m
}

func (p *Process) waitOutput(what string, match func(string) bool) {
	p.t.Helper()
	ok := poll(Deadline, func() bool {
		if match(p.Output()) {
			return true
		}
		// One last look after exit: the output is complete then.
		return p.Exited() && match(p.Output())
	})
	if !ok {
		if p.Exited() {
			p.t.Fatalf("%s exited (%v) without writing %q", p.name, p.state, what)
		}
		p.t.Fatalf("timed out after %s waiting for %s to write %q", Deadline, p.name, what)
	}
}

// Run runs the swaykeep binary to completion (bounded by Deadline) and
// returns its stdout, stderr and exit status, for the one-shot commands
// (validate, status, token...).
func Run(t testing.TB, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(Binary(t), args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Start(); err != nil {
		t.Fatalf("start swaykeep %s: %v", strings.Join(args, " "), err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(Deadline):
		cmd.Process.Kill()
		<-done
		t.Fatalf("swaykeep %s did not finish within %s", strings.Join(args, " "), Deadline)
	}
	return o.String(), e.String(), cmd.ProcessState.ExitCode()
}

// lockedBuffer is a bytes.Buffer written by exec's copying goroutine and
// read by the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
