//go:build linux && !race

// The race detector's runtime makes system calls of its own that the daemon,
// built without it, does not; so the survey runs only in normal builds.

package packaging

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"github.com/coreos/go-systemd/v22/journal"
	"github.com/fsnotify/fsnotify"
	"golang.org/x/sys/unix"
)

const probeEnv = "SWAYKEEP_SYSCALL_PROBE"

// TestMain turns the test binary into the probe when strace runs it.
func TestMain(m *testing.M) {
	if dir := os.Getenv(probeEnv); dir != "" {
		if err := probe(dir); err != nil {
			fmt.Fprintln(os.Stderr, "probe:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestSyscallSurvey traces the daemon's kinds of work (token files with mode,
// group and ACL, crash-safe rename, the config watcher, the Unix socket with
// peer credentials, HTTPS, sd_notify, the journal, signals) and checks that
// the unit's SystemCallFilter= allows every system call they make, so no
// feature fails with EPERM under the packaged unit.
func TestSyscallSurvey(t *testing.T) {
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace not installed (the packaging checks of .ci/run install it)")
	}
	allowed := allowedSyscalls(t, parseUnit(t, "swaykeep.service"))
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	trace := filepath.Join(dir, "trace")
	cmd := exec.Command("strace", "-f", "-qq", "-o", trace, self)
	cmd.Env = append(os.Environ(), probeEnv+"="+dir)
	cmd.WaitDelay = time.Minute
	if out, err := cmd.CombinedOutput(); err != nil {
		if strings.Contains(string(out), "PTRACE_TRACEME") || strings.Contains(string(out), "Operation not permitted") {
			t.Skipf("cannot trace here: %s", out)
		}
		t.Fatalf("probe under strace: %v\n%s", err, out)
	}
	calls := tracedSyscalls(t, trace)
	var blocked []string
	for sc := range calls {
		if !allowed[sc] {
			blocked = append(blocked, sc)
		}
	}
	sort.Strings(blocked)
	if len(blocked) > 0 {
		t.Errorf("the unit's SystemCallFilter= would refuse (EPERM): %s", strings.Join(blocked, ", "))
	}
	for _, sc := range []string{"fchown", "fsetxattr", "fchmod", "getsockopt", "inotify_add_watch", "sendmsg"} {
		if !calls[sc] {
			t.Errorf("the probe never called %s: the survey is not covering what it claims", sc)
		}
	}
	t.Logf("%d distinct system calls traced", len(calls))
}

var syscallLine = regexp.MustCompile(`^\d+\s+(?:<\.\.\. )?([a-z0-9_]+)[( ]`)

func tracedSyscalls(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if m := syscallLine.FindStringSubmatch(line); m != nil {
			calls[m[1]] = true
		}
	}
	// The exec of the probe itself is strace's doing, before any filter
	// would apply (systemd installs the filter just before execve).
	delete(calls, "execve")
	if len(calls) < 20 {
		t.Fatalf("only %d system calls traced: %v", len(calls), calls)
	}
	return calls
}

// probe does, in small, what the daemon does.
func probe(dir string) error {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGHUP, syscall.SIGTERM)

	// The config watcher.
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	if err := w.Add(dir); err != nil {
		return err
	}

	// A token file: hidden temp name, mode and group before content, an ACL
	// entry for a reader, then content, fsync, rename, fsync of the directory.
	tmp := filepath.Join(dir, ".alpha.token.tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o640); err != nil {
		return err
	}
	if err := f.Chown(-1, os.Getgid()); err != nil {
		return fmt.Errorf("fchown: %w", err)
	}
	// EOPNOTSUPP on a file system without ACLs is fine: the call was made.
	_ = unix.Fsetxattr(int(f.Fd()), "system.posix_acl_access", aclReader(uint32(os.Getuid())), 0)
	_, _ = unix.Fgetxattr(int(f.Fd()), "system.posix_acl_access", make([]byte, 128))
	if _, err := f.WriteString("token"); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, "alpha.token")); err != nil {
		return err
	}
	if err := os.Chown(filepath.Join(dir, "alpha.token"), -1, os.Getgid()); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		return err
	}
	d.Close()
	select {
	case <-w.Events:
	case err := <-w.Errors:
		return err
	case <-time.After(10 * time.Second):
		return fmt.Errorf("no fsnotify event")
	}

	// The local API: a Unix socket, peer credentials of each connection.
	ln, err := net.Listen("unix", filepath.Join(dir, "s.sock"))
	if err != nil {
		return err
	}
	defer ln.Close()
	go func() {
		c, err := net.Dial("unix", ln.Addr().String())
		if err == nil {
			c.Write([]byte("x"))
			c.Close()
		}
	}()
	c, err := ln.Accept()
	if err != nil {
		return err
	}
	rc, err := c.(*net.UnixConn).SyscallConn()
	if err != nil {
		return err
	}
	var credErr error
	rc.Control(func(fd uintptr) {
		if _, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED); credErr == nil {
			_, credErr = unix.GetsockoptString(int(fd), unix.SOL_SOCKET, unix.SO_PEERGROUPS)
		}
	})
	c.Close()
	if credErr != nil {
		return fmt.Errorf("peer credentials: %w", credErr)
	}

	// The API over HTTPS, on loopback.
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "{}") }))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if _, err := rand.Read(make([]byte, 32)); err != nil {
		return err
	}

	// sd_notify and the journal (absent here: the calls are made anyway).
	notify, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: filepath.Join(dir, "n.sock"), Net: "unixgram"})
	if err != nil {
		return err
	}
	defer notify.Close()
	os.Setenv("NOTIFY_SOCKET", notify.LocalAddr().String())
	if _, err := daemon.SdNotify(false, "READY=1"); err != nil {
		return err
	}
	_ = journal.Send("probe", journal.PriInfo, map[string]string{"ACCOUNT": "alpha"})
	time.Sleep(10 * time.Millisecond) // a timer, as the keepers use
	return nil
}

// aclReader is a POSIX ACL (xattr form) granting uid read access besides the
// owner and group: what the sink writes for a `readers` entry.
func aclReader(uid uint32) []byte {
	const (
		version  = 2
		userObj  = 0x01
		user     = 0x02
		groupObj = 0x04
		mask     = 0x10
		other    = 0x20
		undef    = 0xffffffff
	)
	entries := []struct {
		tag, perm uint16
		id        uint32
	}{{userObj, 6, undef}, {user, 4, uid}, {groupObj, 4, undef}, {mask, 4, undef}, {other, 0, undef}}
	b := binary.LittleEndian.AppendUint32(nil, version)
	for _, e := range entries {
		b = binary.LittleEndian.AppendUint16(b, e.tag)
		b = binary.LittleEndian.AppendUint16(b, e.perm)
		b = binary.LittleEndian.AppendUint32(b, e.id)
	}
	return b
}
