package sink

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/swaykeep/swaykeep/config"
	"github.com/swaykeep/swaykeep/config/secret"
	"github.com/swaykeep/swaykeep/daemon/atomicfile"
)

// TestTokenNeverInErrors provokes every kind of error with a sentinel token.
func TestTokenNeverInErrors(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	isDir := filepath.Join(dir, "isdir")
	if err := os.Mkdir(isDir, 0o700); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		path string
		tok  secret.Secret
	}{
		"parent is a file":  {filepath.Join(notDir, "tok"), sentinel},
		"path is directory": {isDir, sentinel},
		"unsafe token":      {filepath.Join(dir, "tok"), sentinel + "\n\"SENTINEL"},
		"empty token":       {filepath.Join(dir, "tok"), ""},
	}
	for name, tc := range cases {
		for _, format := range []config.Format{config.FormatRaw, config.FormatHeader, config.FormatEnv, config.FormatJSON} {
			s := newSet(t, []config.TokenFile{{Path: tc.path, Format: format}}, config.Principals{})
			err := s.Publish(tc.tok, issued, expires)
			if err == nil {
				t.Errorf("%s/%s: no error", name, format)
				continue
			}
			for _, verb := range []string{"%v", "%+v", "%#v"} {
				if msg := fmt.Sprintf(verb, err); strings.Contains(msg, "SENTINEL") {
					t.Errorf("%s/%s: error leaks the token: %s", name, format, msg)
				}
			}
			if !strings.Contains(err.Error(), "alpha") {
				t.Errorf("%s/%s: error does not name the account: %v", name, format, err)
			}
		}
	}
	for _, format := range []config.Format{config.FormatRaw, config.FormatHeader, config.FormatEnv, config.FormatJSON} {
		for _, data := range []string{"SENTINEL\"", `{"token":"SENTINEL","x":1}`, "SWAY_TOKEN=SENTINEL\n", "Authorization: DXAPI SENTINEL\"\n"} {
			if _, err := Parse(format, []byte(data)); err == nil || strings.Contains(err.Error(), "SENTINEL") {
				t.Errorf("Parse(%s, %q) = %v", format, data, err)
			}
		}
	}
}

// TestFailedWriteRemovesOldToken: a file that cannot take a new token must
// not keep the old one, which the daemon no longer believes valid; a file
// that already holds the token (only its expiry moved) is kept.
func TestFailedWriteRemovesOldToken(t *testing.T) {
	dir := t.TempDir()
	raw, env := filepath.Join(dir, "raw"), filepath.Join(dir, "env")
	s := newSet(t, []config.TokenFile{{Path: raw}, {Path: env, Format: config.FormatEnv}}, config.Principals{})
	if err := s.Publish("old-token", issued, expires); err != nil {
		t.Fatal(err)
	}
	// A malformed token is written nowhere, and the old one may be dead.
	if err := s.Publish("bad token", issued, expires); !errors.Is(err, ErrUnsafeToken) {
		t.Fatalf("err = %v", err)
	}
	assertExists(t, raw, false)
	assertExists(t, env, false)
	if err := s.Publish("old-token", issued, expires); err != nil {
		t.Fatal(err)
	}

	s.writeFile = func(string, []byte, fs.FileMode, ...atomicfile.Option) error { return syscall.ENOSPC }
	// Same token, later expiry: env fails but still holds a valid token.
	if err := s.Publish("old-token", issued, expires.Add(time.Minute)); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("err = %v", err)
	}
	assertExists(t, env, true)
	// A new token that cannot be written: both old files go.
	if err := s.Publish("new-token", issued, expires); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("err = %v", err)
	}
	assertExists(t, raw, false)
	assertExists(t, env, false)

	// A directory in a token file's place is reported, never removed.
	s.writeFile = atomicfile.WriteFile
	os.Mkdir(raw, 0o700)
	if err := s.Publish("new-token", issued, expires); err == nil {
		t.Fatal("rename over a directory succeeded")
	}
	assertExists(t, raw, true)
	assertExists(t, env, true)
}

func TestUnitHint(t *testing.T) {
	for _, tc := range []struct {
		path string
		err  error
		hint bool
	}{
		{"/etc/tokens/a", syscall.EROFS, true},
		{"/run/swaykeep/a", syscall.EROFS, true},
		{"/var/tokens/a", &os.PathError{Op: "open", Path: "/var/tokens/.a", Err: syscall.EACCES}, true},
		{"/var/tokens/a", syscall.EPERM, true},
		{"/run/swaykeep/tokens/a", syscall.EACCES, false},
		{"/var/tokens/a", syscall.ENOSPC, false},
	} {
		hint := UnitHint(tc.path, tc.err)
		if (hint != "") != tc.hint {
			t.Errorf("UnitHint(%s, %v) = %q", tc.path, tc.err, hint)
		}
		if tc.hint && !strings.Contains(hint, "ReadWritePaths="+filepath.Dir(tc.path)) {
			t.Errorf("hint does not name the setting: %q", hint)
		}
	}
	err := writeError("/etc/tokens/a", "alpha", fmt.Errorf("create: %w", syscall.EROFS))
	if !errors.Is(err, syscall.EROFS) || !strings.Contains(err.Error(), `"/etc/tokens/a" for alpha`) ||
		!strings.Contains(err.Error(), "ReadWritePaths=/etc/tokens") {
		t.Errorf("writeError = %v", err)
	}
}
