package e2etest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// End-to-end tests of hot reload (issue 6; DESIGN.md §5) with the real
// binary, the real watcher, signals and `swaykeep reload`. Each asserts
// login and logout counts at the simulator. The in-process variants, under
// synctest, are in daemon/reload_test.go.

// addBudget is the bound for an account added in a new file.
const addBudget = 2 * time.Second

// watch = true: an account added in a new file gets a valid token within 2
// seconds, and the other accounts' login counts stay at 1.
func TestReloadWatchAddAccountInNewFile(t *testing.T) {
	users := sentinelUsers("add", 3)
	r := startReloadRig(t, users[:2], users, true)
	before, n := r.tokenStates(users[:2]), r.reloads()

	start := time.Now()
	r.d.Write(accountFile("add03"), AccountHCL(users[2]))
	var tok string
	if !poll(2*addBudget, func() bool {
		var ok bool
		tok, ok = ReadToken(t, r.d.TokenPath("add03"))
		return ok && TokenShape.MatchString(tok)
	}) {
		t.Fatalf("no token for the account added in a new file after %v (%d reloads logged since the file was written)", 2*addBudget, r.reloads()-n)
	}
	took := time.Since(start)
	t.Logf("token of the added account %v after its file was written", elapsed(took))
	if took > addBudget {
		t.Errorf("the added account got its token after %v, want within %v", elapsed(took), addBudget)
	}
	r.sim.RequireValid(t, "token of the added account", tok)
	r.requireCounts("after adding an account", onceEach(users...))
	r.requireUntouched("after adding an account", before)
	noSecrets(t, "the daemon's output", r.daemon.Output(), passwords(users...)...)
}

// watch = true: removing an account's file logs it out once and removes its
// token file; the others are untouched.
func TestReloadWatchRemoveFileLogsOut(t *testing.T) {
	users := sentinelUsers("rm", 3)
	r := startReloadRig(t, users, users, true)
	before := r.tokenStates([]User{users[0], users[2]})

	r.d.Remove(accountFile("rm02"))
	Eventually(t, "rm02 logged out and its token file removed", func() bool {
		_, exists := ReadToken(t, r.d.TokenPath("rm02"))
		return r.sim.UserStats(t, "rm02").Logouts == 1 && !exists
	})
	want := onceEach(users...)
	want["rm02"] = [2]int{1, 1}
	r.requireCounts("after removing a file", want)
	if st := r.sim.UserStats(t, "rm02"); st.Sessions != 0 {
		t.Errorf("rm02 still has %d sessions at the simulator", st.Sessions)
	}
	r.requireUntouched("after removing another account's file", before)
}

// watch = true: renaming a file without changing its content reloads to an
// identical configuration, which does nothing.
func TestReloadWatchRenameFileDoesNothing(t *testing.T) {
	users := sentinelUsers("ren", 2)
	r := startReloadRig(t, users, users, true)
	before, n := r.tokenStates(users), r.reloads()

	if err := os.Rename(filepath.Join(r.d.Config, accountFile("ren02")), filepath.Join(r.d.Config, "zz-renamed.hcl")); err != nil {
		t.Fatal(err)
	}
	r.waitReload(n, "renaming a file")
	time.Sleep(quiet) // asserting that nothing happens: see quiet
	if out := r.daemon.Output(); !strings.Contains(out, "configuration reloaded: no changes") {
		t.Error("the rename was not reloaded as \"no changes\"")
	}
	r.requireCounts("after renaming a file", onceEach(users...))
	r.requireUntouched("after renaming a file", before)
}

// watch = true: changing only a token file's mode rewrites the file with the
// new mode and the same token, with no login.
func TestReloadWatchModeOnlyChange(t *testing.T) {
	users := sentinelUsers("mode", 2)
	r := startReloadRig(t, users, users, true)
	path := r.d.TokenPath("mode01")
	was := stateOf(t, path)
	other := r.tokenStates(users[1:])

	r.d.Write(accountFile("mode01"), accountWithTokenFile(users[0], path, `mode = "0640"`))
	Eventually(t, "mode01's token file with mode 0640", func() bool {
		fi, err := os.Stat(path)
		return err == nil && fi.Mode().Perm() == 0o640
	})
	if now := stateOf(t, path); now.content != was.content {
		t.Error("the token changed with the file's mode")
	}
	r.sim.RequireValid(t, "token of mode01 after the mode change", was.content)
	r.requireCounts("after a mode-only change", onceEach(users...))
	r.requireUntouched("after another account's mode change", other)
}

// watch = true: a password change in the config (the server's password
// changed first) gives exactly one logout and one login.
func TestReloadWatchPasswordChange(t *testing.T) {
	users := sentinelUsers("pw", 2)
	r := startReloadRig(t, users, users, true)
	old := stateOf(t, r.d.TokenPath("pw01"))
	other := r.tokenStates(users[1:])

	rotated := users[0]
	rotated.Password = "SENTINEL-rotated-pw01"
	r.sim.SetPassword(t, "pw01", rotated.Password)
	r.d.Write(accountFile("pw01"), AccountHCL(rotated))
	r.requireRelogin("pw01", old.content)
	time.Sleep(quiet) // "exactly one": nothing more may follow
	r.requireCounts("after a password change", map[string][2]int{"pw01": {2, 1}, "pw02": {1, 0}})
	r.requireUntouched("after another account's password change", other)
	noSecrets(t, "the daemon's output", r.daemon.Output(), rotated.Password, users[0].Password, users[1].Password)
}

// watch = true: changing the file behind file() (in another directory),
// written in place as `echo new > file` does, gives one logout and one login.
func TestReloadWatchFileFunctionTarget(t *testing.T) {
	users := sentinelUsers("ff", 2)
	r := newReloadRig(t, users, users, true)
	secret := filepath.Join(r.d.Root, "secrets", "ff01")
	writeFile(t, secret, users[0].Password+"\n")
	r.d.Write(accountFile("ff01"), strings.Replace(AccountHCL(users[0]), `"`+users[0].Password+`"`, `file("`+secret+`")`, 1))
	r.d.Write(accountFile("ff02"), AccountHCL(users[1]))
	r.start()
	old := stateOf(t, r.d.TokenPath("ff01"))
	other := r.tokenStates(users[1:])

	const rotated = "SENTINEL-rotated-ff01"
	r.sim.SetPassword(t, "ff01", rotated)
	writeFile(t, secret, rotated+"\n")
	r.requireRelogin("ff01", old.content)
	time.Sleep(quiet) // "exactly one": nothing more may follow
	r.requireCounts("after rotating the password file", map[string][2]int{"ff01": {2, 1}, "ff02": {1, 0}})
	r.requireUntouched("after another account's password file changed", other)
	noSecrets(t, "the daemon's output", r.daemon.Output(), rotated, users[0].Password)
}

// watch = true: an account whose password file does not exist yet, in a
// directory that does not exist yet, is refused with the daemon running;
// creating the directory and file (a missing target is watched) logs it in
// once, with no other login.
func TestReloadWatchMissingFileTargetCreated(t *testing.T) {
	users := sentinelUsers("miss", 2)
	r := startReloadRig(t, users[:1], users, true)
	before, n := r.tokenStates(users[:1]), r.reloads()

	// Into the existing file: this test is about the missing target, not
	// about a new config file.
	secret := filepath.Join(r.d.Root, "later", "miss02")
	second := strings.Replace(AccountHCL(users[1]), `"`+users[1].Password+`"`, `file("`+secret+`")`, 1)
	r.d.Write(accountFile("miss01"), AccountHCL(users[0])+second)
	r.waitReload(n, "referring to a missing password file")
	if !strings.Contains(r.daemon.Output(), "reload failed") {
		t.Fatal("a missing password file did not fail the reload")
	}
	r.requireRunning("after a reload refused for a missing file")

	writeFile(t, secret, users[1].Password+"\n")
	r.sim.RequireValid(t, "token of miss02", r.d.WaitTokens(users[1:])["miss02"])
	r.requireCounts("after creating the password file", onceEach(users...))
	r.requireUntouched("after creating another account's password file", before)
	noSecrets(t, "the daemon's output", r.daemon.Output(), passwords(users...)...)
}

// watch = true: a half-saved file leaves every session and file as it was
// and the daemon running, with a diagnostic naming the file and line; the
// fixed file is reloaded with no extra login.
func TestReloadWatchBrokenFileThenFixed(t *testing.T) {
	users := sentinelUsers("brk", 2)
	r := startReloadRig(t, users, users, true)
	before, n := r.tokenStates(users), r.reloads()

	r.d.Write(accountFile("brk02"), "account \"brk02\" {\n  username = \"brk02\"\n  password = \""+users[1].Password+"\n")
	r.waitReload(n, "a broken save")
	time.Sleep(quiet) // asserting that nothing happens: see quiet
	out := r.daemon.Output()
	if !strings.Contains(out, "reload failed") || !regexp.MustCompile(`acct-brk02\.hcl:\d+`).MatchString(out) {
		t.Errorf("no failed reload with a diagnostic at acct-brk02.hcl:LINE in the daemon's output")
	}
	r.requireRunning("after a broken save")
	r.requireCounts("after a broken save", onceEach(users...))
	r.requireUntouched("after a broken save", before)
	for _, u := range users {
		if st := r.d.WaitState(u.Username, "active"); st.State != "active" {
			t.Errorf("%s is %s after a broken save", u.Username, st.State)
		}
	}

	n = r.reloads()
	r.d.Write(accountFile("brk02"), AccountHCL(users[1]))
	r.waitReload(n, "fixing the file")
	time.Sleep(quiet) // asserting that nothing happens: see quiet
	if tail := r.daemon.Output()[len(out):]; !strings.Contains(tail, "configuration reloaded: no changes") {
		t.Error("the fixed file was not reloaded as \"no changes\"")
	}
	r.requireCounts("after fixing the file", onceEach(users...))
	r.requireUntouched("after fixing the file", before)
	noSecrets(t, "the daemon's output", r.daemon.Output(), passwords(users...)...)
}

// watch = true: a vim-style save (temporary file renamed over the old one)
// that moves a token file to the header format is applied: the new file
// holds the same session, the old file is removed, no login.
func TestReloadWatchVimStyleSave(t *testing.T) {
	users := sentinelUsers("vim", 2)
	r := startReloadRig(t, users, users, true)
	old := stateOf(t, r.d.TokenPath("vim01"))
	other := r.tokenStates(users[1:])

	header := filepath.Join(r.d.Tokens, "vim01.header")
	saveLikeVim(t, filepath.Join(r.d.Config, accountFile("vim01")), accountWithTokenFile(users[0], header, `format = "header"`))
	Eventually(t, "vim01's header file, and its raw file removed", func() bool {
		_, raw := ReadToken(t, r.d.TokenPath("vim01"))
		got, ok := ReadToken(t, header)
		return ok && !raw && got == "Authorization: DXAPI "+old.content+"\n"
	})
	r.requireCounts("after a vim-style save", onceEach(users...))
	r.requireUntouched("after a vim-style save of another file", other)
}

// watch = true: a Kubernetes ConfigMap update (the `..data` symlink swapped
// atomically to a new directory) that changes one account's password gives
// it one logout and one login; the other account is untouched.
func TestReloadWatchKubernetesSymlinkSwap(t *testing.T) {
	users := sentinelUsers("k", 2)
	r := newReloadRig(t, users, users, true)
	// etc/accounts.hcl -> ..data/accounts.hcl, ..data -> ..v1 (as kubelet
	// lays a ConfigMap volume out).
	writeFile(t, filepath.Join(r.d.Config, "..v1", "accounts.hcl"), AccountHCL(users[0])+AccountHCL(users[1]))
	symlink(t, "..v1", filepath.Join(r.d.Config, "..data"))
	symlink(t, filepath.Join("..data", "accounts.hcl"), filepath.Join(r.d.Config, "accounts.hcl"))
	r.start()
	old := stateOf(t, r.d.TokenPath("k01"))
	other := r.tokenStates(users[1:])

	rotated := users[0]
	rotated.Password = "SENTINEL-rotated-k01"
	r.sim.SetPassword(t, "k01", rotated.Password)
	writeFile(t, filepath.Join(r.d.Config, "..v2", "accounts.hcl"), AccountHCL(rotated)+AccountHCL(users[1]))
	symlink(t, "..v2", filepath.Join(r.d.Config, "..data_tmp"))
	if err := os.Rename(filepath.Join(r.d.Config, "..data_tmp"), filepath.Join(r.d.Config, "..data")); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(r.d.Config, "..v1")); err != nil {
		t.Fatal(err)
	}
	r.requireRelogin("k01", old.content)
	time.Sleep(quiet) // "exactly one": nothing more may follow
	r.requireCounts("after the symlink swap", map[string][2]int{"k01": {2, 1}, "k02": {1, 0}})
	r.requireUntouched("after the symlink swap", other)
}

// watch = true: touching a file and rewriting another with identical
// content reloads to an identical configuration: no login, no logout, no
// token file rewritten (same inode, mode, content and mtime).
func TestReloadWatchIdenticalSaveDoesNothing(t *testing.T) {
	users := sentinelUsers("same", 2)
	r := startReloadRig(t, users, users, true)
	before, n := r.tokenStates(users), r.reloads()

	now := time.Now()
	if err := os.Chtimes(filepath.Join(r.d.Config, "main.hcl"), now, now); err != nil {
		t.Fatal(err)
	}
	r.d.Write(accountFile("same01"), AccountHCL(users[0]))
	r.waitReload(n, "touching and rewriting files")
	time.Sleep(quiet) // asserting that nothing happens: see quiet
	r.requireCounts("after an identical save", onceEach(users...))
	r.requireUntouched("after an identical save", before)
	if out := r.daemon.Output(); strings.Contains(out, "msg=\"configuration reloaded\"") {
		t.Error("an identical save was reloaded with changes")
	}
}

// watch = false: saving a file changes nothing until SIGHUP, which applies
// a mode-only change by rewriting the file with no login.
func TestReloadSIGHUPModeOnlyChange(t *testing.T) {
	users := sentinelUsers("hup", 2)
	r := startReloadRig(t, users, users, false)
	path := r.d.TokenPath("hup01")
	was, n := stateOf(t, path), r.reloads()
	other := r.tokenStates(users[1:])

	r.d.Write(accountFile("hup01"), accountWithTokenFile(users[0], path, `mode = "0640"`))
	time.Sleep(quiet) // asserting that nothing happens: see quiet
	if r.reloads() != n {
		t.Fatal("the daemon reloaded a saved file with watch = false")
	}
	r.requireUntouched("after a save with watch = false", map[string]fileState{"hup01": was})

	r.daemon.Signal(syscall.SIGHUP)
	Eventually(t, "hup01's token file with mode 0640 after SIGHUP", func() bool {
		fi, err := os.Stat(path)
		return err == nil && fi.Mode().Perm() == 0o640
	})
	if now := stateOf(t, path); now.content != was.content {
		t.Error("the token changed with the file's mode")
	}
	r.requireRunning("after SIGHUP")
	r.requireCounts("after SIGHUP", onceEach(users...))
	r.requireUntouched("after SIGHUP", other)
}

// watch = false: `swaykeep reload` applies an added account, prints the
// change and exits 0; a second one prints that nothing changed.
func TestReloadCommandPrintsChanges(t *testing.T) {
	users := sentinelUsers("cmd", 2)
	r := startReloadRig(t, users[:1], users, false)
	before := r.tokenStates(users[:1])

	r.d.Write(accountFile("cmd02"), AccountHCL(users[1]))
	stdout, stderr, code := Run(t, "reload", "-socket", r.d.Socket)
	if code != 0 {
		t.Fatalf("swaykeep reload: exit status %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{`+ account "cmd02"`, "1 added, 0 changed, 0 removed"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("swaykeep reload printed no %q:\n%s", want, stdout)
		}
	}
	noSecrets(t, "swaykeep reload's output", stdout+stderr, passwords(users...)...)
	r.sim.RequireValid(t, "token of the added account", r.d.WaitTokens(users[1:])["cmd02"])
	r.requireCounts("after swaykeep reload", onceEach(users...))
	r.requireUntouched("after swaykeep reload", before)

	stdout, stderr, code = Run(t, "reload", "-socket", r.d.Socket)
	if code != 0 || !strings.Contains(stdout, "no changes") {
		t.Errorf("second swaykeep reload: exit status %d, want 0 and \"no changes\"\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

// watch = false: `swaykeep reload` of a broken configuration exits non-zero
// with the diagnostic at file:line (and not the password on the line
// before), and the daemon keeps running the old configuration untouched.
func TestReloadCommandBrokenConfig(t *testing.T) {
	users := sentinelUsers("bad", 2)
	r := startReloadRig(t, users, users, false)
	before := r.tokenStates(users)

	r.d.Write("broken.hcl", "account \"bad03\" {\n  username = \"bad03\"\n  password = \"SENTINEL-broken-pw\"\n  colour   = \"blue\"\n}\n")
	stdout, stderr, code := Run(t, "reload", "-socket", r.d.Socket)
	if code == 0 {
		t.Errorf("swaykeep reload of a broken config: exit status 0, want non-zero")
	}
	if !regexp.MustCompile(`broken\.hcl:4`).MatchString(stderr) || !strings.Contains(stderr, "colour") {
		t.Errorf("swaykeep reload printed no diagnostic at broken.hcl:4:\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	noSecrets(t, "swaykeep reload's output", stdout+stderr, append(passwords(users...), "SENTINEL-broken-pw")...)
	noSecrets(t, "the daemon's output", r.daemon.Output(), append(passwords(users...), "SENTINEL-broken-pw")...)

	r.requireRunning("after a refused reload")
	for _, u := range users {
		r.d.WaitState(u.Username, "active")
	}
	r.requireCounts("after a refused reload", onceEach(users...))
	r.requireUntouched("after a refused reload", before)
	if tot := r.sim.Stats(t).Totals; tot.Logins+tot.FailedLogins != len(users) {
		t.Errorf("%d login attempts in all, want %d: the refused config was applied", tot.Logins+tot.FailedLogins, len(users))
	}
}
