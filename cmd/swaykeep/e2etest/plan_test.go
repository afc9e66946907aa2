package e2etest

import (
	"flag"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// End-to-end tests of `swaykeep plan` (issue 6; DESIGN.md §5) with the
// real binary: against a running daemon over its socket, and locally when
// no daemon listens. Outputs are compared with golden files in testdata/,
// temporary paths and the simulator's port normalised; -update rewrites them.

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/")

// planUsers are the accounts of the plan tests: one kept, one removed, one
// whose password changes, and one added by the candidate configuration.
var planUsers = struct{ keep, gone, rotate, rotated, added User }{
	keep:    User{Username: "keep", Domain: "default", Password: "SENTINEL-pw-keep"},
	gone:    User{Username: "gone", Domain: "default", Password: "SENTINEL-pw-gone"},
	rotate:  User{Username: "rotate", Domain: "default", Password: "SENTINEL-pw-rotate"},
	rotated: User{Username: "rotate", Domain: "default", Password: "SENTINEL-pw-rotated"},
	added:   User{Username: "added", Domain: "default", Password: "SENTINEL-pw-added"},
}

// `swaykeep plan -config DIR2` against a running daemon shows the added,
// removed and changed accounts with +, - and ~ lines, masks the password,
// leaves the unchanged account out, and applies nothing (issue 6, "Done
// when").
func TestPlanAgainstRunningDaemon(t *testing.T) {
	p := planUsers
	running := []User{p.gone, p.keep, p.rotate}
	r := startReloadRig(t, running, []User{p.keep, p.gone, p.rotate, p.added}, false)
	before, n := r.tokenStates(running), r.reloads()

	// DIR2: a modified copy of the running configuration.
	dir2 := filepath.Join(r.d.Root, "etc2")
	main, err := os.ReadFile(filepath.Join(r.d.Config, "main.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir2, "main.hcl"), string(main))
	writeFile(t, filepath.Join(dir2, accountFile("keep")), AccountHCL(p.keep))
	writeFile(t, filepath.Join(dir2, accountFile("rotate")), AccountHCL(p.rotated))
	writeFile(t, filepath.Join(dir2, accountFile("added")), AccountHCL(p.added))

	stdout, stderr, code := Run(t, "plan", "-socket", r.d.Socket, "-config", dir2)
	if code != 0 {
		t.Fatalf("swaykeep plan: exit status %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if strings.Contains(stderr, "No daemon") {
		t.Errorf("swaykeep plan planned locally with a daemon listening:\n%s", stderr)
	}
	for _, want := range []string{`+ account "added"`, `- account "gone"`, `~ account "rotate"`, "(sensitive)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the plan has no %q", want)
		}
	}
	if strings.Contains(stdout, `"keep"`) {
		t.Error("the plan shows the unchanged account")
	}
	noSecrets(t, "swaykeep plan's output", stdout+stderr, passwords(p.keep, p.gone, p.rotate, p.rotated, p.added)...)
	golden(t, "plan-daemon.golden", normalise(stdout, r.d.Root, r.sim.URL))

	// Nothing applied: apply is synchronous within a request, so a plan
	// that applied anything would show at once in status and at the
	// simulator (a removed account is logged out before the answer).
	status, ok := r.d.Status()
	if !ok || len(status) != len(running) {
		t.Fatalf("status after plan: %d accounts (ok %t), want %d", len(status), ok, len(running))
	}
	for _, u := range running {
		if st := status[u.Username].State; st != "active" {
			t.Errorf("%s is %q after plan, want active", u.Username, st)
		}
	}
	r.requireCounts("after plan", onceEach(running...))
	if st := r.sim.UserStats(t, "added"); st.Logins+st.FailedLogins != 0 {
		t.Error("plan logged the added account in")
	}
	r.requireUntouched("after plan", before)
	if r.reloads() != n {
		t.Error("plan made the daemon reload")
	}
	noSecrets(t, "the daemon's output", r.daemon.Output(), passwords(p.keep, p.gone, p.rotate, p.rotated, p.added)...)
}

// With no daemon listening (no socket file), `swaykeep plan` says so and
// plans against an empty configuration: every account added.
func TestPlanWithoutDaemonPlansLocally(t *testing.T) {
	p := planUsers
	d := NewDir(t)
	// No simulator is needed: nothing is contacted, only the URL is shown.
	sim := &Simulator{URL: "http://127.0.0.1:1/dxsca-web/"}
	d.Write("main.hcl", d.DaemonHCL()+"\n"+d.DefaultsHCL(sim))
	for _, u := range []User{p.keep, p.gone, p.rotate} {
		d.Write(accountFile(u.Username), AccountHCL(u))
	}

	stdout, stderr, code := Run(t, "plan", "-socket", filepath.Join(d.Root, "none.sock"), "-config", d.Config)
	if code != 0 {
		t.Fatalf("swaykeep plan: exit status %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "No daemon is listening") {
		t.Errorf("swaykeep plan did not say it planned locally:\n%s", stderr)
	}
	noSecrets(t, "swaykeep plan's output", stdout+stderr, passwords(p.keep, p.gone, p.rotate)...)
	golden(t, "plan-local.golden", normalise(stdout, d.Root, sim.URL))

	// A socket file nobody listens on (a daemon killed with SIGKILL leaves
	// one): connection refused also means "no daemon".
	stale := filepath.Join(d.Root, "stale.sock")
	l, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	stdout2, stderr, code := Run(t, "plan", "-socket", stale, "-config", d.Config)
	if code != 0 || !strings.Contains(stderr, "No daemon is listening") || stdout2 != stdout {
		t.Errorf("swaykeep plan with a stale socket: exit status %d, want 0 and the same local plan\nstdout:\n%s\nstderr:\n%s", code, stdout2, stderr)
	}
}

// normalise replaces the test's temporary root and the simulator's URL,
// which change with every run.
func normalise(out, root, apiURL string) string {
	out = strings.ReplaceAll(out, apiURL, "http://127.0.0.1:PORT/dxsca-web/")
	return strings.ReplaceAll(out, root, "/tmp/ROOT")
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *updateGolden {
		writeFile(t, path, got)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update to accept it):\n--- got\n%s--- want\n%s", path, got, want)
	}
}
