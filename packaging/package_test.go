package packaging

import (
	"os"
	"strings"
	"testing"

	"github.com/swaykeep/swaykeep/config"
)

// TestDefaultConfigLoads: the packaged /etc/swaykeep/swaykeep.hcl is valid as
// shipped, with no account, no environment and no credentials, so a fresh
// install starts (and `systemctl reload` works) before anyone edits it.
func TestDefaultConfigLoads(t *testing.T) {
	res := config.Load(config.Source{Path: "swaykeep.hcl"})
	if res.Diagnostics.HasErrors() {
		var b strings.Builder
		res.WriteDiagnostics(&b, false)
		t.Fatalf("default config does not load:\n%s", b.String())
	}
	for _, d := range res.Diagnostics {
		t.Errorf("default config warns: %s: %s", d.Summary, d.Detail)
	}
	d := res.Config.Daemon
	if d.StateDir != "/var/lib/swaykeep" {
		t.Errorf("state_dir = %q, want /var/lib/swaykeep (the unit's StateDirectory=)", d.StateDir)
	}
	if d.Socket.Path != "/run/swaykeep/swaykeep.sock" {
		t.Errorf("socket path = %q, want the one swaykeep.socket listens on", d.Socket.Path)
	}
	if d.ShutdownTimeout >= 30e9 {
		t.Errorf("shutdown_timeout = %v, must stay below the unit's TimeoutStopSec=30s", d.ShutdownTimeout)
	}
	if len(res.Config.Accounts) != 0 {
		t.Errorf("default config declares %d accounts, want none", len(res.Config.Accounts))
	}
}

// TestRecipeInstallsTheContract: nfpm puts every file where the units and
// scripts expect it, and the config as a conffile.
func TestRecipeInstallsTheContract(t *testing.T) {
	b, err := os.ReadFile("nfpm.yaml")
	if err != nil {
		t.Fatal(err)
	}
	recipe := string(b)
	for src, dst := range map[string]string{
		"./dist/swaykeep":                      "/usr/bin/swaykeep",
		"./packaging/swaykeep.service":         "/usr/lib/systemd/system/swaykeep.service",
		"./packaging/swaykeep.socket":          "/usr/lib/systemd/system/swaykeep.socket",
		"./packaging/sysusers.d/swaykeep.conf": "/usr/lib/sysusers.d/swaykeep.conf",
		"./packaging/tmpfiles.d/swaykeep.conf": "/usr/lib/tmpfiles.d/swaykeep.conf",
		"./packaging/swaykeep.hcl":             "/etc/swaykeep/swaykeep.hcl",
	} {
		if !strings.Contains(recipe, "- src: "+src+"\n    dst: "+dst+"\n") {
			t.Errorf("nfpm.yaml does not install %s as %s", src, dst)
		}
	}
	if !strings.Contains(recipe, "dst: /etc/swaykeep/swaykeep.hcl\n    type: config|noreplace\n") {
		t.Error("the default config is not a config|noreplace conffile")
	}
	for _, script := range []string{"postinstall", "preremove", "postremove"} {
		path := "scripts/" + script + ".sh"
		if !strings.Contains(recipe, script+": ./packaging/"+path) {
			t.Errorf("nfpm.yaml has no %s script", script)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode()&0o111 == 0 {
			t.Errorf("%s: missing or not executable", path)
		}
	}
	post, err := os.ReadFile("scripts/postinstall.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"systemd-sysusers", "systemd-tmpfiles --create", "daemon-reload"} {
		if !strings.Contains(string(post), want) {
			t.Errorf("postinstall does not run %s", want)
		}
	}
	for _, l := range strings.Split(string(post), "\n") {
		if l = strings.TrimSpace(l); !strings.HasPrefix(l, "#") && (strings.Contains(l, "enable") || strings.Contains(l, "systemctl start")) {
			t.Errorf("postinstall starts or enables the service on install: %q", l)
		}
	}
}
