package atomicfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// withUmask runs fn under a process umask; tests using it are not parallel.
func withUmask(t *testing.T, mask int, fn func()) {
	t.Helper()
	old := syscall.Umask(mask)
	defer syscall.Umask(old)
	fn()
}

func TestWriteFileContentAndMode(t *testing.T) {
	for _, tc := range []struct {
		name  string
		umask int
		perm  fs.FileMode
	}{
		{"0600 under umask 0077", 0o077, 0o600},
		{"0640 under umask 0077", 0o077, 0o640},
		{"0644 under umask 0022", 0o022, 0o644},
		{"0600 under umask 0000", 0o000, 0o600},
		{"0444 under umask 0000", 0o000, 0o444},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "f")
			withUmask(t, tc.umask, func() {
				if err := WriteFile(p, []byte("hello"), tc.perm); err != nil {
					t.Fatal(err)
				}
			})
			got, err := os.ReadFile(p)
			if err != nil || string(got) != "hello" {
				t.Fatalf("content %q, %v", got, err)
			}
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			// Mode bits, not access checks: the tests run as root.
			if fi.Mode().Perm() != tc.perm {
				t.Errorf("mode %#o, want %#o", fi.Mode().Perm(), tc.perm)
			}
			assertNoTemp(t, dir)
		})
	}
}

func TestWriteFileReplacesAndSetsGroup(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, []byte("old content, longer"), 0o666); err != nil {
		t.Fatal(err)
	}
	gid := os.Getgid()
	if os.Getuid() == 0 {
		gid = 4242 // root may choose any group; prove it is applied
	}
	if err := WriteFile(p, []byte("new"), 0o640, WithGroup(gid)); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if string(got) != "new" {
		t.Errorf("content %q", got)
	}
	fi, _ := os.Stat(p)
	if st := fi.Sys().(*syscall.Stat_t); int(st.Gid) != gid {
		t.Errorf("gid %d, want %d", st.Gid, gid)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %#o", fi.Mode().Perm())
	}
}

func TestHookRunsBeforeContentAndFailureCleansUp(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	var sawSize int64 = -1
	var sawMode fs.FileMode
	boom := errors.New("boom")
	err := WriteFile(p, []byte("secret-content"), 0o600, WithHook(func(f *os.File) error {
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		sawSize, sawMode = fi.Size(), fi.Mode().Perm()
		if !IsTemp(filepath.Base(f.Name())) {
			t.Errorf("hook got %q, not a temporary file", f.Name())
		}
		return boom
	}))
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if sawSize != 0 || sawMode != 0o600 {
		t.Errorf("hook saw size %d mode %#o, want 0 and 0600", sawSize, sawMode)
	}
	if strings.Contains(err.Error(), "secret-content") {
		t.Errorf("error leaks content: %v", err)
	}
	got, _ := os.ReadFile(p)
	if string(got) != "old" {
		t.Errorf("target changed to %q", got)
	}
	assertNoTemp(t, dir)
}

func TestWriteFileMissingDir(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope", "f")
	err := WriteFile(p, []byte("x"), 0o600)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), p) {
		t.Errorf("err = %v, want ErrNotExist naming %s", err, p)
	}
}

func TestIsTemp(t *testing.T) {
	for name, want := range map[string]bool{
		".alpha.token.swaykeep-tmp-123456":  true,
		".x.swaykeep-tmp-1":                 true,
		"alpha.token.swaykeep-tmp-123":      false, // not hidden
		".alpha.token.swaykeep-tmp-":        false,
		".alpha.token.swaykeep-tmp-12a":     false,
		".alpha.token":                      false,
		"alpha.token":                       false,
		".swaykeep-tmp-123":                 false, // no NAME
		".a.swaykeep-tmp-9.swaykeep-tmp-10": true,
	} {
		if got := IsTemp(name); got != want {
			t.Errorf("IsTemp(%q) = %v, want %v", name, got, want)
		}
	}
	long := strings.Repeat("n", 250)
	dir := t.TempDir()
	if err := WriteFile(filepath.Join(dir, long), []byte("x"), 0o600, WithHook(func(f *os.File) error {
		if !IsTemp(filepath.Base(f.Name())) {
			t.Errorf("temporary name %q not recognised", f.Name())
		}
		return nil
	})); err != nil {
		t.Fatal(err)
	}
}

func TestSweep(t *testing.T) {
	dir := t.TempDir()
	keep := []string{"alpha.token", ".hidden", "x.swaykeep-tmp-1"}
	drop := []string{".alpha.token.swaykeep-tmp-42", ".b.swaykeep-tmp-7"}
	for _, n := range append(append([]string{}, keep...), drop...) {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, ".d.swaykeep-tmp-1"), 0o700); err != nil {
		t.Fatal(err)
	}
	removed, err := Sweep(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != len(drop) {
		t.Errorf("removed %v, want %v", removed, drop)
	}
	for _, n := range drop {
		if _, err := os.Lstat(filepath.Join(dir, n)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s still there", n)
		}
	}
	for _, n := range append(keep, ".d.swaykeep-tmp-1") {
		if _, err := os.Lstat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s removed: %v", n, err)
		}
	}
	if removed, err := Sweep(filepath.Join(dir, "missing")); err != nil || removed != nil {
		t.Errorf("missing dir: %v, %v", removed, err)
	}
}

// TestConcurrentReaderSeesOldOrNew: a reader looping during replacements
// never sees an empty, partial or mixed file.
func TestConcurrentReaderSeesOldOrNew(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	a, b := contents()
	if err := WriteFile(p, a, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	var reads int
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			got, err := os.ReadFile(p)
			if err != nil {
				t.Errorf("read: %v", err)
				return
			}
			reads++
			if !bytes.Equal(got, a) && !bytes.Equal(got, b) {
				t.Errorf("reader saw %d bytes that are neither version", len(got))
				return
			}
		}
	})
	for i := range 100 {
		data := a
		if i%2 == 0 {
			data = b
		}
		if err := WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	t.Logf("%d reads during 100 replacements", reads)
}

// contents returns two versions of a file that differ in every byte and in
// length, large enough that a write takes several system calls' worth of time.
func contents() (a, b []byte) {
	return bytes.Repeat([]byte("a"), 256<<10), bytes.Repeat([]byte("b"), 320<<10)
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if IsTemp(e.Name()) {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}
