package e2etest

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Client is the identity a socket client process runs with: its uid, gid
// and supplementary groups, exactly as the kernel will report them to the
// daemon (SO_PEERCRED, SO_PEERGROUPS). A nil *Client runs as the test
// itself.
type Client struct {
	Name string // for messages
	Cred *syscall.Credential
}

// Principals are an existing user and an existing group that the socket
// tests name in a readers block, resolved from the system's databases at
// test time (the daemon resolves them the same way).
type Principals struct {
	User         string // a user name
	UID, UserGID uint32 // its uid and primary gid
	Group        string // a group name whose gid differs from UserGID
	GID          uint32
}

// RequireRoot skips the test unless it runs as root: running clients as
// other uids and groups needs CAP_SETUID and CAP_SETGID (CI runs as root).
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("running socket clients as other users needs root (CI runs the tests as root)")
	}
}

// RequireCurl returns curl's path, or skips the test when there is none.
func RequireCurl(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed: the curl --unix-socket checks need it")
	}
	return p
}

// LookupPrincipals picks a reader user and a reader group that exist on
// this machine, the group distinct from the user's primary group (so that
// being let in by uid and by group are separate facts), or skips the test.
func LookupPrincipals(t testing.TB) Principals {
	t.Helper()
	var p Principals
	for _, name := range []string{"nobody", "daemon", "bin", "sys"} {
		u, err := user.Lookup(name)
		if err != nil || u.Uid == "0" {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		p.User, p.UID, p.UserGID = name, uint32(uid), uint32(gid)
		break
	}
	if p.User == "" {
		t.Skip("no usable system user (nobody, daemon, bin, sys) to name as a reader")
	}
	for _, name := range []string{"nogroup", "daemon", "bin", "sys", "news", "uucp"} {
		g, err := user.LookupGroup(name)
		if err != nil || g.Gid == "0" {
			continue
		}
		gid, err := strconv.ParseUint(g.Gid, 10, 32)
		if err != nil || uint32(gid) == p.UserGID {
			continue
		}
		p.Group, p.GID = name, uint32(gid)
		break
	}
	if p.Group == "" {
		t.Skip("no usable system group to name as a reader")
	}
	return p
}

// NewClient returns a client identity with these ids; groups are its
// supplementary groups (none when empty).
func NewClient(name string, uid, gid uint32, groups ...uint32) *Client {
	if groups == nil {
		groups = []uint32{}
	}
	return &Client{Name: name, Cred: &syscall.Credential{Uid: uid, Gid: gid, Groups: groups}}
}

func (c *Client) String() string {
	if c == nil || c.Cred == nil {
		return "the test's own user"
	}
	return fmt.Sprintf("%s (uid %d, gid %d, groups %v)", c.Name, c.Cred.Uid, c.Cred.Gid, c.Cred.Groups)
}

// Exec runs name with args as client c, bounded by Deadline, with a minimal
// environment and / as working directory (reachable by any uid), and
// returns its stdout, stderr and exit status.
func (c *Client) Exec(t testing.TB, name string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/nonexistent", "LC_ALL=C"}
	if c != nil && c.Cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.Cred}
	}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s as %s: %v", name, c, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(Deadline):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s %s as %s did not finish within %s", name, strings.Join(args, " "), c, Deadline)
	}
	return o.String(), e.String(), cmd.ProcessState.ExitCode()
}

// Swaykeep runs the swaykeep binary as client c.
func (c *Client) Swaykeep(t testing.TB, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return c.Exec(t, Binary(t), args...)
}

// Answer is one HTTP answer from the socket as curl received it.
type Answer struct {
	Status int
	Body   string
	// Raw is the whole answer, status line and headers included, less
	// the Date header, so that two answers compare byte for byte.
	Raw string
}

// Curl sends one request with `curl --unix-socket socket` as client c and
// returns the answer; method "" is GET. extra are more curl arguments
// (headers).
func (c *Client) Curl(t testing.TB, socket, method, target string, extra ...string) Answer {
	t.Helper()
	curl := RequireCurl(t)
	// -q first: ignore any .curlrc; -i: the headers too; no -f: an error
	// status is an answer, not a failure.
	args := []string{"-q", "-sS", "-i", "--max-time", "20", "--unix-socket", socket}
	if method != "" {
		args = append(args, "-X", method)
	}
	args = append(args, extra...)
	args = append(args, "http://x"+target)
	out, errOut, code := c.Exec(t, curl, args...)
	if code != 0 {
		t.Fatalf("curl %s %s as %s: exit status %d: %s", method, target, c, code, errOut)
	}
	return parseAnswer(t, method+" "+target, out)
}

func parseAnswer(t testing.TB, what, raw string) Answer {
	t.Helper()
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(raw)), nil)
	if err != nil {
		t.Fatalf("%s: curl printed no HTTP answer: %v", what, err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	var kept []string
	for _, line := range strings.SplitAfter(raw, "\n") {
		if !strings.HasPrefix(line, "Date: ") {
			kept = append(kept, line)
		}
	}
	return Answer{Status: resp.StatusCode, Body: body.String(), Raw: strings.Join(kept, "")}
}
