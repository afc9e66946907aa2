package e2etest

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// datagram is one notification the daemon sent, as the test playing
// systemd received it.
type datagram struct {
	text string
	mono int64 // CLOCK_MONOTONIC in µs when it was read
	at   time.Time
	// For READY=1: whether a connection to the daemon's socket succeeded
	// right then, and why not.
	accepts bool
	dialErr error
}

// notifyListener plays systemd's end of NOTIFY_SOCKET: a unixgram socket
// whose datagrams arrive on c in order.
type notifyListener struct {
	path string
	c    chan datagram
}

// listenNotify binds a unixgram socket in dir; for every READY=1 it dials
// socketPath at once, before reading on, so the test knows whether the
// daemon's socket accepted at the moment READY arrived.
func listenNotify(t *testing.T, dir, socketPath string) *notifyListener {
	t.Helper()
	path := filepath.Join(dir, "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	n := &notifyListener{path: path, c: make(chan datagram, 1024)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(n.c)
		buf := make([]byte, 64<<10)
		for {
			k, err := conn.Read(buf)
			if err != nil {
				return // closed by the cleanup
			}
			dg := datagram{text: string(buf[:k]), mono: monotonicUsec(), at: time.Now()}
			if hasLine(dg.text, "READY=1") {
				c, err := net.DialTimeout("unix", socketPath, time.Second)
				dg.accepts, dg.dialErr = err == nil, err
				if c != nil {
					c.Close()
				}
			}
			select {
			case n.c <- dg:
			default: // the test stopped reading; do not block the close
			}
		}
	}()
	t.Cleanup(func() { conn.Close(); <-done })
	return n
}

// next returns the next datagram that is not a WATCHDOG=1 or STATUS= one
// (those come at any time), within limit, and the routine ones it skipped.
func (n *notifyListener) next(t *testing.T, limit time.Duration) (datagram, []datagram) {
	t.Helper()
	var skipped []datagram
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		select {
		case dg, ok := <-n.c:
			if !ok {
				t.Fatal("the notify socket closed")
			}
			if isRoutine(dg.text) {
				skipped = append(skipped, dg)
				continue
			}
			return dg, skipped
		case <-timer.C:
			t.Fatalf("no notification but WATCHDOG/STATUS within %s (skipped %d)", limit, len(skipped))
			return datagram{}, nil
		}
	}
}

// collect returns every datagram received within d.
func (n *notifyListener) collect(d time.Duration) []datagram {
	var out []datagram
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case dg, ok := <-n.c:
			if !ok {
				return out
			}
			out = append(out, dg)
		case <-timer.C:
			return out
		}
	}
}

func isRoutine(text string) bool {
	return text == "WATCHDOG=1" || (strings.HasPrefix(text, "STATUS=") && !strings.Contains(text, "\n"))
}

func hasLine(text, line string) bool {
	for l := range strings.SplitSeq(text, "\n") {
		if l == line {
			return true
		}
	}
	return false
}

func monotonicUsec() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		panic(err) // CLOCK_MONOTONIC exists on every Linux
	}
	return ts.Nano() / 1000
}

// notifyEnv is the test's environment without systemd's variables, plus
// NOTIFY_SOCKET and WATCHDOG_USEC. WATCHDOG_PID stays unset: go-systemd then
// takes the watchdog as meant for the daemon (systemd sets it to the main
// pid, which the test cannot know before the fork).
func notifyEnv(notifySocket string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "JOURNAL_STREAM":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "NOTIFY_SOCKET="+notifySocket, "WATCHDOG_USEC=1000000")
}

var statusCounts = regexp.MustCompile(`^STATUS=2 accounts: 1 active, 1 rejected(;|$)`)

// The daemon under a systemd-like NOTIFY_SOCKET with WATCHDOG_USEC=1000000:
// READY=1 once its socket accepts, at least 3 WATCHDOG=1 in 2 s, STATUS=
// with the counts, RELOADING=1 with MONOTONIC_USEC in one datagram then
// READY=1 around a good and a failed reload on SIGHUP, and STOPPING=1 on
// SIGTERM (issue 7, "Done when").
func TestNotifyProtocol(t *testing.T) {
	good := User{Username: "alpha", Domain: "default", Password: "pw-alpha"}
	bad := User{Username: "mallory", Domain: "default", Password: "SENTINEL-notify-pw"}
	sim := StartSimulator(t, SimOptions{Users: []User{good, {Username: "mallory", Password: "mallorys-real-pw"}}})
	d := NewDir(t)
	d.WriteConfig(sim, []User{good, bad})
	n := listenNotify(t, d.Root, d.Socket)
	cmd := exec.Command(Binary(t), "run", "-config", d.Config)
	cmd.Env = notifyEnv(n.path)
	daemon := StartCmd(t, "swaykeep run (NOTIFY_SOCKET)", cmd)

	ready, _ := n.next(t, Deadline)
	if ready.text != "READY=1" {
		t.Fatalf("first notification %q, want READY=1", ready.text)
	}
	if !ready.accepts {
		t.Errorf("READY=1 arrived while the daemon's socket did not accept: %v", ready.dialErr)
	}

	// The watchdog pings every 500 ms (half of WATCHDOG_USEC).
	window := n.collect(2 * time.Second)
	watchdogs, sawCounts := 0, false
	for _, dg := range window {
		switch {
		case dg.text == "WATCHDOG=1":
			watchdogs++
		case statusCounts.MatchString(dg.text):
			sawCounts = true
		case !isRoutine(dg.text):
			t.Errorf("unexpected notification %q while idle", dg.text)
		}
	}
	t.Logf("%d WATCHDOG=1 in the 2 s after READY=1", watchdogs)
	if watchdogs < 3 {
		t.Errorf("%d WATCHDOG=1 in the 2 s after READY=1, want at least 3 (WATCHDOG_USEC=1000000)", watchdogs)
	}
	if !sawCounts {
		// Mallory's rejection may be rate-limited into a later STATUS=.
		waitStatus(t, n, statusCounts)
	}

	// A good reload, then a failed one: both are framed for systemd.
	checkReload(t, n, daemon, "a good reload")
	d.Write("broken.hcl", "account \"x\" {\n  colour = \"blue\"\n}\n")
	checkReload(t, n, daemon, "a failed reload")
	waitStatus(t, n, regexp.MustCompile(`^STATUS=2 accounts: .*failed`))

	daemon.Signal(syscall.SIGTERM)
	stopping, _ := n.next(t, Deadline)
	if stopping.text != "STOPPING=1" {
		t.Errorf("notification after SIGTERM %q, want STOPPING=1", stopping.text)
	}
	if st := daemon.Wait(); st.ExitCode() != 0 {
		t.Errorf("after SIGTERM: %v, want exit status 0", st)
	}
	for _, dg := range n.collect(100 * time.Millisecond) {
		if !isRoutine(dg.text) {
			t.Errorf("notification %q after STOPPING=1", dg.text)
		}
	}
	if strings.Contains(daemon.Output(), "SENTINEL") {
		t.Error("the daemon's output holds the password")
	}
}

// checkReload sends SIGHUP and checks the answer: one datagram of exactly
// RELOADING=1 and MONOTONIC_USEC= (within a second of CLOCK_MONOTONIC when
// it arrived, and not before the signal), then READY=1 with nothing but
// routine notifications between.
func checkReload(t *testing.T, n *notifyListener, daemon *Process, what string) {
	t.Helper()
	before := monotonicUsec()
	daemon.Signal(syscall.SIGHUP)
	rel, _ := n.next(t, Deadline)
	lines := strings.Split(rel.text, "\n")
	if len(lines) != 2 || lines[0] != "RELOADING=1" || !strings.HasPrefix(lines[1], "MONOTONIC_USEC=") {
		t.Fatalf("%s: notification %q, want RELOADING=1 and MONOTONIC_USEC= in one datagram", what, rel.text)
	}
	usec, err := strconv.ParseInt(strings.TrimPrefix(lines[1], "MONOTONIC_USEC="), 10, 64)
	if err != nil {
		t.Fatalf("%s: %q: %v", what, lines[1], err)
	}
	if usec < before || rel.mono-usec > 1_000_000 {
		t.Errorf("%s: MONOTONIC_USEC=%d; CLOCK_MONOTONIC was %d at SIGHUP and %d on receipt: want it between, within 1 s of receipt",
			what, usec, before, rel.mono)
	}
	ready, _ := n.next(t, Deadline)
	if ready.text != "READY=1" {
		t.Errorf("%s: notification after RELOADING=1 %q, want READY=1", what, ready.text)
	}
}

// waitStatus waits, up to Deadline, for a STATUS= matching re.
func waitStatus(t *testing.T, n *notifyListener, re *regexp.Regexp) {
	t.Helper()
	deadline := time.After(Deadline)
	var seen []string
	for {
		select {
		case dg, ok := <-n.c:
			if !ok {
				t.Fatal("the notify socket closed")
			}
			if re.MatchString(dg.text) {
				t.Logf("%s", dg.text)
				return
			}
			if strings.HasPrefix(dg.text, "STATUS=") {
				seen = append(seen, dg.text)
			} else if !isRoutine(dg.text) {
				t.Errorf("unexpected notification %q while waiting for STATUS=", dg.text)
			}
		case <-deadline:
			t.Fatalf("no STATUS= matching %s within %s; saw %q", re, Deadline, seen)
		}
	}
}
