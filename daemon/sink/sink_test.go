package sink

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/swaykeep/swaykeep/config"
	"github.com/swaykeep/swaykeep/config/secret"
)

// sentinel is a well-formed token that must never appear in an error.
const sentinel = secret.Secret("SENTINELtok3n-._~+/=")

var (
	issued  = time.Date(2026, 12, 3, 17, 0, 0, 0, time.FixedZone("CET", 3600))
	expires = issued.Add(30*time.Minute + 999*time.Millisecond) // fraction is truncated
	apiURL  = "https://api.example.test/dxsca-web/"
)

var resolver = MapResolver{
	Users:  map[string]int{"trader": 1001, "bob": 1000},
	Groups: map[string]int{"trading": 2002, "ops": 2001, "tokens": 4242},
}

func newSet(t *testing.T, files []config.TokenFile, readers config.Principals) *Set {
	t.Helper()
	s, err := New("alpha", apiURL, files, readers, Options{Resolver: resolver})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func withUmask(mask int, fn func()) {
	old := syscall.Umask(mask)
	defer syscall.Umask(old)
	fn()
}

func TestFormatsExactBytes(t *testing.T) {
	tok := secret.Secret("abc.DEF-123_~+/=")
	for _, tc := range []struct {
		format config.Format
		want   string
	}{
		{"", "abc.DEF-123_~+/="},
		{config.FormatRaw, "abc.DEF-123_~+/="},
		{config.FormatHeader, "Authorization: DXAPI abc.DEF-123_~+/=\n"},
		{config.FormatEnv, "SWAY_TOKEN=abc.DEF-123_~+/=\nSWAY_TOKEN_EXPIRES=2026-12-03T16:30:00Z\n"},
		{config.FormatJSON, `{"account":"alpha","token":"abc.DEF-123_~+/=","expires_at":"2026-12-03T16:30:00Z",` +
			`"issued_at":"2026-12-03T16:00:00Z","api_url":"https://api.example.test/dxsca-web/"}` + "\n"},
	} {
		t.Run(string(tc.format), func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "tok")
			s := newSet(t, []config.TokenFile{{Path: p, Format: tc.format}}, config.Principals{})
			if err := s.Publish(tok, issued, expires); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("content\n got %q\nwant %q", got, tc.want)
			}
			c, err := Parse(tc.format, got)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if c.Token != tok {
				t.Error("parsed token differs")
			}
			if tc.format == config.FormatEnv || tc.format == config.FormatJSON {
				if want := expires.Truncate(time.Second); !c.Expires.Equal(want) {
					t.Errorf("parsed expiry %v, want %v", c.Expires, want)
				}
			}
		})
	}
}

func TestModeExactWhateverTheUmask(t *testing.T) {
	for _, umask := range []int{0o077, 0o000} {
		for _, mode := range []fs.FileMode{0, 0o600, 0o640, 0o644, 0o400} {
			dir := t.TempDir()
			p := filepath.Join(dir, "tok")
			withUmask(umask, func() {
				s := newSet(t, []config.TokenFile{{Path: p, Mode: mode}}, config.Principals{})
				if err := s.Publish(sentinel, issued, expires); err != nil {
					t.Fatal(err)
				}
			})
			want := mode
			if want == 0 {
				want = DefaultMode
			}
			// The mode bits themselves: access checks prove nothing as root.
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode() != want {
				t.Errorf("umask %#o mode %#o: file has %v", umask, mode, fi.Mode())
			}
		}
	}
}

func TestGroup(t *testing.T) {
	gid, group := os.Getegid(), ""
	if os.Geteuid() == 0 {
		gid, group = 4242, "tokens" // root may choose any group: prove it is set
	}
	p := filepath.Join(t.TempDir(), "tok")
	s := newSet(t, []config.TokenFile{{Path: p, Mode: 0o640, Group: group}}, config.Principals{})
	if err := s.Publish(sentinel, issued, expires); err != nil {
		t.Fatal(err)
	}
	st, _ := lstat(p)
	if int(st.Gid) != gid || st.Mode&0o7777 != 0o640 {
		t.Errorf("gid %d mode %#o, want %d and 0640", st.Gid, st.Mode&0o7777, gid)
	}
}

func TestUnknownNamesAreErrors(t *testing.T) {
	p := filepath.Join(t.TempDir(), "tok")
	for name, tc := range map[string]struct {
		files   []config.TokenFile
		readers config.Principals
		want    []string
	}{
		"reader user":  {readers: config.Principals{Users: []string{"trader", "mallory"}}, want: []string{"alpha", `"mallory"`}},
		"reader group": {readers: config.Principals{Groups: []string{"nobody-here"}}, want: []string{"alpha", `"nobody-here"`}},
		"file group":   {files: []config.TokenFile{{Path: p, Group: "wheel2"}}, want: []string{"alpha", `"wheel2"`, p}},
		"format":       {files: []config.TokenFile{{Path: p, Format: "yaml"}}, want: []string{"alpha", `"yaml"`, p}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := New("alpha", apiURL, tc.files, tc.readers, Options{Resolver: resolver})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %s", err, w)
				}
			}
		})
	}
	if _, err := New("alpha", apiURL, nil, config.Principals{Users: []string{"no-such-user-swaykeep"}}, Options{}); !errors.Is(err, ErrUnknownName) {
		t.Errorf("OSResolver: err = %v, want ErrUnknownName", err)
	}
}

func TestUnchangedContentIsNotRewritten(t *testing.T) {
	dir := t.TempDir()
	raw, env := filepath.Join(dir, "raw"), filepath.Join(dir, "env")
	files := []config.TokenFile{{Path: raw}, {Path: env, Format: config.FormatEnv}}
	s := newSet(t, files, config.Principals{})
	if err := s.Publish(sentinel, issued, expires); err != nil {
		t.Fatal(err)
	}
	rawBefore, envBefore := identity(t, raw), identity(t, env)

	// A ping that moved the expiry: env changes, raw does not.
	if err := s.Publish(sentinel, issued, expires.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if identity(t, raw) != rawBefore {
		t.Error("raw file rewritten although its content did not change")
	}
	if identity(t, env) == envBefore {
		t.Error("env file not rewritten although its expiry moved")
	}

	// A restart: a new Set finds the same content on disk and leaves it.
	rawBefore, envBefore = identity(t, raw), identity(t, env)
	s2 := newSet(t, files, config.Principals{})
	if err := s2.Publish(sentinel, issued, expires.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if identity(t, raw) != rawBefore || identity(t, env) != envBefore {
		t.Error("a new Set rewrote files whose content, mode and group were already right")
	}

	// A reload that only changed the mode rewrites with the new mode.
	s3 := newSet(t, []config.TokenFile{{Path: raw, Mode: 0o640}}, config.Principals{})
	if err := s3.Publish(sentinel, issued, expires); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(raw); fi.Mode() != 0o640 {
		t.Errorf("mode %v after re-permission, want 0640", fi.Mode())
	}

	// A file removed behind the Set's back is written again.
	os.Remove(raw)
	if err := s3.Publish(sentinel, issued, expires); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(raw); err != nil {
		t.Errorf("removed file not restored: %v", err)
	}
}

// identity is what changes when a file is rewritten: inode and mtime.
func identity(t *testing.T, p string) [3]int64 {
	t.Helper()
	st, ok := lstat(p)
	fi, err := os.Lstat(p)
	if !ok || err != nil {
		t.Fatalf("%s missing", p)
	}
	return [3]int64{int64(st.Ino), fi.ModTime().UnixNano(), fi.Size()}
}

func TestUnpublishAndRemoveExcept(t *testing.T) {
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "sub", "c")
	old := newSet(t, []config.TokenFile{{Path: a}, {Path: b}}, config.Principals{})
	if err := old.Publish(sentinel, issued, expires); err != nil {
		t.Fatal(err)
	}
	// Reload: b stays, a goes, c is new.
	next := newSet(t, []config.TokenFile{{Path: b}, {Path: c, Format: config.FormatJSON}}, config.Principals{})
	if err := next.Publish(sentinel, issued, expires); err != nil {
		t.Fatal(err)
	}
	if err := old.RemoveExcept(next.Paths()); err != nil {
		t.Fatal(err)
	}
	assertExists(t, a, false)
	assertExists(t, b, true)
	assertExists(t, c, true)
	// The old Set is retired: a late publish or unpublish touches nothing.
	before := identity(t, b)
	if err := old.Publish("late-token", issued, expires); err != nil {
		t.Fatal(err)
	}
	if err := old.Unpublish(); err != nil {
		t.Fatal(err)
	}
	assertExists(t, a, false)
	if identity(t, b) != before || len(old.Paths()) != 0 {
		t.Error("a retired Set still acts on its files")
	}

	if err := next.Unpublish(); err != nil {
		t.Fatal(err)
	}
	assertExists(t, b, false)
	assertExists(t, c, false)
	if err := next.Unpublish(); err != nil {
		t.Errorf("second Unpublish: %v", err)
	}
	// RemoveFiles, as start-up reconciliation uses it: missing files are fine,
	// a directory at a path is never removed.
	if err := newSet(t, []config.TokenFile{{Path: a}, {Path: b}}, config.Principals{}).Publish(sentinel, issued, expires); err != nil {
		t.Fatal(err)
	}
	if err := RemoveFiles([]string{a, b, c, filepath.Join(dir, "sub")}); err == nil {
		t.Error("RemoveFiles of a directory: no error")
	}
	assertExists(t, a, false)
	assertExists(t, b, false)
	assertExists(t, filepath.Join(dir, "sub"), true)
}

func assertExists(t *testing.T, p string, want bool) {
	t.Helper()
	_, err := os.Lstat(p)
	if got := err == nil; got != want {
		t.Errorf("%s exists = %v, want %v (%v)", p, got, want, err)
	}
}

func TestMissingDirectoryIsCreated(t *testing.T) {
	p := filepath.Join(t.TempDir(), "tokens", "deep", "alpha.token")
	s := newSet(t, []config.TokenFile{{Path: p}}, config.Principals{})
	withUmask(0o077, func() {
		if err := s.Publish(sentinel, issued, expires); err != nil {
			t.Fatal(err)
		}
	})
	for _, d := range []string{filepath.Dir(p), filepath.Dir(filepath.Dir(p))} {
		if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != DirMode {
			t.Errorf("%s: %v %v, want mode %v", d, fi.Mode(), err, DirMode)
		}
	}
	// Removed behind the daemon's back: created again at the next publish.
	if err := os.RemoveAll(filepath.Dir(p)); err != nil {
		t.Fatal(err)
	}
	if err := s.Publish("next-token", issued, expires); err != nil {
		t.Fatal(err)
	}
	assertExists(t, p, true)
}

func TestSweep(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "alpha.token")
	left := filepath.Join(dir, ".alpha.token.swaykeep-tmp-12345")
	if err := os.WriteFile(left, []byte("half a tok"), 0o600); err != nil {
		t.Fatal(err)
	}
	removed, err := Sweep([]string{p, filepath.Join(dir, "beta.token"), filepath.Join(dir, "gone", "x")})
	if err != nil || len(removed) != 1 || removed[0] != left {
		t.Errorf("Sweep = %v, %v; want [%s]", removed, err, left)
	}
}
