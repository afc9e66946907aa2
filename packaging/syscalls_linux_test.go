package packaging

import (
	"bufio"
	"bytes"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// needed are system calls the daemon makes, with why: each must survive the
// unit's SystemCallFilter=. syscall_survey_linux_test.go finds the rest by
// tracing the same operations.
var needed = map[string]string{
	"fchown":            "token file `group` (a group the service's user is in: no privilege)",
	"fchownat":          "os.Chown of a token file path",
	"fsetxattr":         "POSIX ACL entries for readers (system.posix_acl_access)",
	"setxattr":          "POSIX ACL entries by path",
	"fgetxattr":         "reading ACLs back",
	"fchmod":            "token file mode, set before content",
	"renameat2":         "atomic replacement of token and state files (renameat on older arches)",
	"fsync":             "durable state files and directory entries",
	"inotify_init1":     "config watcher (fsnotify)",
	"inotify_add_watch": "config watcher (fsnotify)",
	"getsockopt":        "SO_PEERCRED and SO_PEERGROUPS of socket peers",
	"accept4":           "the local API socket",
	"sendmsg":           "sd_notify and the journal",
	"connect":           "the API (HTTPS), sd_notify",
	"getrandom":         "TLS and the state fingerprint key",
	"prlimit64":         "Go raises RLIMIT_NOFILE at start",
	"tgkill":            "Go's goroutine preemption",
	"rt_sigaction":      "SIGHUP and SIGTERM handling",
	"clone3":            "threads",
	"epoll_pwait":       "the network poller",
	"madvise":           "the Go heap",
}

// syscallGroups expands systemd's @groups, as the installed systemd knows
// them, into system call names.
func syscallGroups(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("systemd-analyze", "syscall-filter", "--no-pager").Output()
	if err != nil {
		t.Skipf("systemd-analyze syscall-filter: %v (the packaging checks of .ci/run install systemd)", err)
	}
	groups := map[string][]string{}
	cur := ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "@"):
			cur = strings.TrimSpace(line)
		case cur != "" && strings.HasPrefix(line, "    ") && !strings.HasPrefix(strings.TrimSpace(line), "#"):
			if w := strings.TrimSpace(line); w != "" {
				groups[cur] = append(groups[cur], w)
			}
		case strings.TrimSpace(line) == "":
			cur = ""
		}
	}
	if len(groups["@system-service"]) == 0 {
		t.Fatalf("cannot parse `systemd-analyze syscall-filter` output:\n%s", out)
	}
	return groups
}

func expand(groups map[string][]string, name string, into map[string]bool) {
	if !strings.HasPrefix(name, "@") {
		into[name] = true
		return
	}
	for _, m := range groups[name] {
		expand(groups, m, into)
	}
}

// allowedSyscalls applies the unit's SystemCallFilter= lines as systemd does:
// the first line without ~ makes an allow list; later lines add to it, or
// remove from it with ~.
func allowedSyscalls(t *testing.T, u unit) map[string]bool {
	t.Helper()
	groups := syscallGroups(t)
	lines := u["Service"]["SystemCallFilter"]
	if len(lines) == 0 || strings.HasPrefix(lines[0], "~") {
		t.Fatalf("SystemCallFilter= must start with an allow list: %q", lines)
	}
	allowed := map[string]bool{}
	for _, l := range lines {
		deny := strings.HasPrefix(l, "~")
		set := map[string]bool{}
		for _, w := range strings.Fields(strings.TrimPrefix(l, "~")) {
			expand(groups, w, set)
		}
		for s := range set {
			if deny {
				delete(allowed, s)
			} else {
				allowed[s] = true
			}
		}
	}
	return allowed
}

func TestSyscallFilterKeepsWhatTheDaemonNeeds(t *testing.T) {
	u := parseUnit(t, "swaykeep.service")
	allowed := allowedSyscalls(t, u)
	var missing []string
	for sc, why := range needed {
		if !allowed[sc] {
			missing = append(missing, sc+" ("+why+")")
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("SystemCallFilter= blocks %s", m)
	}
	// And it does filter: the privileged and resource calls are out.
	for _, sc := range []string{"setuid", "setgroups", "chroot", "setrlimit", "sched_setaffinity", "mount", "ptrace", "reboot", "bpf"} {
		if allowed[sc] {
			t.Errorf("SystemCallFilter= allows %s", sc)
		}
	}
}
