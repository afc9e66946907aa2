package packaging

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// unit is a parsed systemd unit file: section → key → values in order (a key
// may be repeated; an empty assignment resets it, as systemd does).
type unit map[string]map[string][]string

func parseUnit(t *testing.T, path string) unit {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := unit{}
	section := ""
	sc := bufio.NewScanner(f)
	var cont string
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if cont != "" {
			line = cont + " " + line
			cont = ""
		}
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			cont = strings.TrimSuffix(line, `\`)
			continue
		}
		if line[0] == '[' && line[len(line)-1] == ']' {
			section = line[1 : len(line)-1]
			if u[section] == nil {
				u[section] = map[string][]string{}
			}
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || section == "" {
			t.Fatalf("%s:%d: not an assignment in a section: %q", path, n, line)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if v == "" {
			u[section][k] = []string{} // reset, but present
			continue
		}
		u[section][k] = append(u[section][k], v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return u
}

// one returns the last value of a key ("" when unset), as systemd applies it.
func (u unit) one(section, key string) string {
	vs := u[section][key]
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}

// words returns every space-separated word of every value of a key.
func (u unit) words(section, key string) []string {
	var out []string
	for _, v := range u[section][key] {
		out = append(out, strings.Fields(v)...)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// timespan parses the systemd time spans used here ("30s", "1min 30s", "45").
func timespan(t *testing.T, s string) time.Duration {
	t.Helper()
	if n, err := strconv.Atoi(s); err == nil {
		return time.Duration(n) * time.Second
	}
	var total time.Duration
	for _, w := range strings.Fields(s) {
		w = strings.Replace(w, "min", "m", 1)
		d, err := time.ParseDuration(w)
		if err != nil {
			t.Fatalf("time span %q: %v", s, err)
		}
		total += d
	}
	return total
}

// shutdownTimeout is the config's default shutdown_timeout (DESIGN.md §2),
// which TimeoutStopSec= must exceed.
const shutdownTimeout = 10 * time.Second

func TestServiceContract(t *testing.T) {
	u := parseUnit(t, "swaykeep.service")
	svc := "Service"
	checks := []struct {
		name string
		ok   bool
		got  string
	}{
		{"Type=notify (READY=1 after start-up reconciliation)", u.one(svc, "Type") == "notify", u.one(svc, "Type")},
		{"ExecStart runs the daemon on /etc/swaykeep", u.one(svc, "ExecStart") == "/usr/bin/swaykeep run -config /etc/swaykeep", u.one(svc, "ExecStart")},
		{"ExecReload waits for `swaykeep reload`", u.one(svc, "ExecReload") == "/usr/bin/swaykeep reload", u.one(svc, "ExecReload")},
		{"WatchdogSec is set", u.one(svc, "WatchdogSec") != "" && timespan(t, u.one(svc, "WatchdogSec")) > 0, u.one(svc, "WatchdogSec")},
		{"Restart=on-failure", u.one(svc, "Restart") == "on-failure", u.one(svc, "Restart")},
		{"RestartPreventExitStatus has 78 (EX_CONFIG)", contains(u.words(svc, "RestartPreventExitStatus"), "78"), u.one(svc, "RestartPreventExitStatus")},
		{"TimeoutStopSec above shutdown_timeout", u.one(svc, "TimeoutStopSec") != "" && timespan(t, u.one(svc, "TimeoutStopSec")) > shutdownTimeout, u.one(svc, "TimeoutStopSec")},
		{"After=time-sync.target (sessions judged by the wall clock)", contains(u.words("Unit", "After"), "time-sync.target"), u.one("Unit", "After")},
		{"After=network-online.target", contains(u.words("Unit", "After"), "network-online.target"), u.one("Unit", "After")},
		{"Wants=network-online.target", contains(u.words("Unit", "Wants"), "network-online.target"), u.one("Unit", "Wants")},
		{"static User=swaykeep", u.one(svc, "User") == "swaykeep", u.one(svc, "User")},
		{"no DynamicUser (files and sockets need a stable owner)", !isYes(u.one(svc, "DynamicUser")), u.one(svc, "DynamicUser")},
		{"no PrivateUsers (it breaks SO_PEERCRED authorization)", !isYes(u.one(svc, "PrivateUsers")), u.one(svc, "PrivateUsers")},
		{"SystemCallErrorNumber=EPERM (SIGSYS would kill a Go thread)", u.one(svc, "SystemCallErrorNumber") == "EPERM", u.one(svc, "SystemCallErrorNumber")},
		{"no RuntimeDirectory (removed on stop; tmpfiles.d makes /run/swaykeep)", len(u[svc]["RuntimeDirectory"]) == 0, u.one(svc, "RuntimeDirectory")},
		{"ReadWritePaths has /run/swaykeep", contains(u.words(svc, "ReadWritePaths"), "/run/swaykeep"), u.one(svc, "ReadWritePaths")},
		{"StateDirectory=swaykeep", u.one(svc, "StateDirectory") == "swaykeep", u.one(svc, "StateDirectory")},
		{"StateDirectoryMode=0700", u.one(svc, "StateDirectoryMode") == "0700", u.one(svc, "StateDirectoryMode")},
		{"ConfigurationDirectory=swaykeep", u.one(svc, "ConfigurationDirectory") == "swaykeep", u.one(svc, "ConfigurationDirectory")},
		{"UMask=0077", u.one(svc, "UMask") == "0077", u.one(svc, "UMask")},
		{"NotifyAccess is main (children cannot fake READY)", u.one(svc, "NotifyAccess") == "" || u.one(svc, "NotifyAccess") == "main", u.one(svc, "NotifyAccess")},
		{"empty CapabilityBoundingSet", u[svc]["CapabilityBoundingSet"] != nil && len(u[svc]["CapabilityBoundingSet"]) == 0, u.one(svc, "CapabilityBoundingSet")},
		{"NoNewPrivileges", isYes(u.one(svc, "NoNewPrivileges")), u.one(svc, "NoNewPrivileges")},
		{"ProtectSystem=strict", u.one(svc, "ProtectSystem") == "strict", u.one(svc, "ProtectSystem")},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: got %q", c.name, c.got)
		}
	}

	// The API is remote HTTPS: an address allow list would block it.
	if contains(u.words(svc, "IPAddressDeny"), "any") && len(u[svc]["IPAddressAllow"]) == 0 {
		t.Error("IPAddressDeny=any without an allow list blocks the API")
	}
	fams := u.words(svc, "RestrictAddressFamilies")
	for _, f := range []string{"AF_UNIX", "AF_INET", "AF_INET6"} {
		if !contains(fams, f) {
			t.Errorf("RestrictAddressFamilies lacks %s: %v", f, fams)
		}
	}
}

// TestNoPasswordInEnvironment: passwords come from LoadCredential= or
// root-owned files; Environment= is visible to every local user through the
// service manager (systemctl show).
func TestNoPasswordInEnvironment(t *testing.T) {
	u := parseUnit(t, "swaykeep.service")
	for _, key := range []string{"Environment", "PassEnvironment"} {
		for _, v := range u["Service"][key] {
			up := strings.ToUpper(v)
			for _, bad := range []string{"PASSWORD", "PASSWD", "SECRET", "TOKEN", "SWAYKEEP_VAR_"} {
				if strings.Contains(up, bad) {
					t.Errorf("%s=%s: secrets must come from LoadCredential= or root-owned files", key, v)
				}
			}
		}
	}
}

func isYes(v string) bool {
	switch strings.ToLower(v) {
	case "1", "yes", "true", "on":
		return true
	}
	return false
}

func TestSocketContract(t *testing.T) {
	u := parseUnit(t, "swaykeep.socket")
	for key, want := range map[string]string{
		"ListenStream": "/run/swaykeep/swaykeep.sock",
		"SocketMode":   "0666",
		"SocketUser":   "swaykeep",
		"Service":      "swaykeep.service",
	} {
		if got := u.one("Socket", key); got != want {
			t.Errorf("%s=%q, want %q", key, got, want)
		}
	}
}

func TestSysusersAndTmpfiles(t *testing.T) {
	sysusers := lines(t, "sysusers.d/swaykeep.conf")
	if !hasLine(sysusers, "u", "swaykeep") || !hasLine(sysusers, "g", "swaykeep-admin") {
		t.Errorf("sysusers.d lacks the swaykeep user or the swaykeep-admin group: %q", sysusers)
	}
	tmp := lines(t, "tmpfiles.d/swaykeep.conf")
	for _, dir := range []string{"/run/swaykeep", "/run/swaykeep/tokens"} {
		f := fieldsOf(tmp, "d", dir)
		if f == nil || f[3] != "swaykeep" {
			t.Errorf("tmpfiles.d: no `d %s ... swaykeep` line: %q", dir, tmp)
			continue
		}
		if mode, _ := strconv.ParseUint(f[2], 8, 32); mode&0o001 == 0 || mode&0o002 != 0 {
			t.Errorf("tmpfiles.d: %s mode %s: readers must traverse it (o+x) and not write it", dir, f[2])
		}
	}
}

func lines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && l[0] != '#' {
			out = append(out, l)
		}
	}
	return out
}

func fieldsOf(lines []string, typ, name string) []string {
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) >= 5 && f[0] == typ && f[1] == name {
			return f
		}
	}
	return nil
}

func hasLine(lines []string, typ, name string) bool {
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) >= 2 && f[0] == typ && f[1] == name {
			return true
		}
	}
	return false
}
