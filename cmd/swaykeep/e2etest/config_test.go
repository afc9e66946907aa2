package e2etest

import (
	"regexp"
	"strings"
	"testing"
)

// An invalid configuration at start exits with status 78 (EX_CONFIG) and
// prints the diagnostic, pointing at the file and line, without the
// password on the neighbouring line.
func TestInvalidConfigExits78(t *testing.T) {
	sim := StartSimulator(t, SimOptions{Users: Users("user", 1)})
	d := NewDir(t)
	d.Write("main.hcl", d.DaemonHCL()+"\n"+d.DefaultsHCL(sim)+`
account "user01" {
  username = "user01"
  password = "SENTINEL-e2e-password"
  colour   = "blue"
}
`)
	daemon := d.StartDaemon()
	st := daemon.Wait()
	out := daemon.Output()
	if st.ExitCode() != 78 {
		t.Errorf("exit status %d, want 78 (EX_CONFIG)", st.ExitCode())
	}
	// The diagnostic names the file and line of the unknown attribute.
	if !regexp.MustCompile(`main\.hcl:\d+`).MatchString(out) || !strings.Contains(out, "colour") {
		t.Errorf("output lacks a diagnostic pointing at main.hcl and the attribute:\n%s", out)
	}
	if strings.Contains(out, "SENTINEL") {
		t.Errorf("the diagnostic shows the password:\n%s", out)
	}
	if all := sim.Stats(t); all.Totals.Logins+all.Totals.FailedLogins != 0 {
		t.Errorf("%d login attempts with an invalid configuration, want 0", all.Totals.Logins+all.Totals.FailedLogins)
	}
}
