package config

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// sentinel is the password in testdata; it must never be rendered.
const sentinel = "SENTINEL-7f3a9c"

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file: %v (run go test ./config -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test ./config -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// render returns the rendered diagnostics, failing on a leaked sentinel.
func render(t *testing.T, r *Result) string {
	t.Helper()
	var buf bytes.Buffer
	if err := r.WriteDiagnostics(&buf, false); err != nil {
		t.Fatal(err)
	}
	var colored bytes.Buffer
	if err := r.WriteDiagnostics(&colored, true); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{buf.String(), colored.String()} {
		if strings.Contains(out, sentinel) || strings.Contains(strings.ToUpper(out), strings.ToUpper(sentinel)) {
			t.Errorf("the sentinel password leaked into diagnostics:\n%s", out)
		}
	}
	return buf.String()
}

// wantMarker is the expected diagnostic written on the offending line of a
// *.bad.hcl file: `# want "Summary"`.
var wantMarker = regexp.MustCompile(`# want "([^"]+)"`)

func wantedDiagnostics(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i, line := range strings.Split(string(b), "\n") {
		for _, m := range wantMarker.FindAllStringSubmatch(line, -1) {
			want = append(want, fmt.Sprintf("%s:%d: %s", path, i+1, m[1]))
		}
	}
	sort.Strings(want)
	return want
}

func gotErrors(r *Result) []string {
	var got []string
	for _, d := range r.Diagnostics {
		if d.Severity != hcl.DiagError {
			continue
		}
		if d.Subject == nil {
			got = append(got, "(no subject): "+d.Summary)
			continue
		}
		got = append(got, fmt.Sprintf("%s:%d: %s", d.Subject.Filename, d.Subject.Start.Line, d.Summary))
	}
	sort.Strings(got)
	return got
}

// TestBadConfigs loads every testdata/*.bad.hcl: each must produce exactly
// the errors its `# want` markers name, at their lines, render them as its
// golden file says, and never show the sentinel password.
func TestBadConfigs(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.bad.hcl")
	if len(files) == 0 {
		t.Fatal("no testdata/*.bad.hcl")
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".bad.hcl")
		t.Run(name, func(t *testing.T) {
			r := Load(Source{Path: path})
			if r.Config != nil {
				t.Errorf("Config is not nil despite errors")
			}
			got, want := gotErrors(r), wantedDiagnostics(t, path)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			golden(t, "validate/"+name+".txt", []byte(render(t, r)))
		})
	}
}

// TestGoodConfigs loads every testdata/*.hcl that is not bad: no error, and
// the decoded configuration is the golden one.
func TestGoodConfigs(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.hcl")
	for _, path := range files {
		if strings.HasSuffix(path, ".bad.hcl") {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(path), ".hcl")
		t.Run(name, func(t *testing.T) {
			r := Load(Source{Path: path})
			out := render(t, r)
			if r.Diagnostics.HasErrors() || r.Config == nil {
				t.Fatalf("errors:\n%s", out)
			}
			golden(t, "config/"+name+".txt", []byte(dump(r.Config)+out))
		})
	}
}

// dump renders a Config deterministically for golden files.
func dump(c *Config) string {
	var b strings.Builder
	d := c.Daemon
	fmt.Fprintf(&b, "daemon: state_dir=%q log=%s/%s login_rate=%g logout_on_exit=%t shutdown_timeout=%s watch=%t\n",
		d.StateDir, d.LogLevel, d.LogFormat, d.LoginRate, d.LogoutOnExit, d.ShutdownTimeout, d.Watch)
	fmt.Fprintf(&b, "  socket=%s %s admins=%v/%v metrics=%q\n", d.Socket.Path, fmtMode(d.Socket.Mode), d.Admins.Users, d.Admins.Groups, d.MetricsListen)
	for _, a := range c.Accounts {
		fmt.Fprintf(&b, "account %q: %s domain=%q user=%q password=%s ca=%q ping=%s timeout=%s readers=%v/%v\n",
			a.Name, a.APIURL, a.Domain, a.Username, a.Password, a.CAFile, fmtPing(a.PingInterval), a.RequestTimeout, a.Readers.Users, a.Readers.Groups)
		for _, tf := range a.TokenFiles {
			fmt.Fprintf(&b, "  token_file %s %s %s group=%q\n", tf.Path, tf.Format, fmtMode(tf.Mode), tf.Group)
		}
	}
	return b.String()
}

// TestDoneWhen is issue 3's acceptance: an unknown attribute on line 5
// points at bad.hcl:5 with its snippet; a duplicate account across two
// files names both; http:// to a remote host is refused; a bare-number mode
// is refused with a hint.
func TestDoneWhen(t *testing.T) {
	out := render(t, Load(Source{Path: "testdata/unknown_attr.bad.hcl"}))
	for _, want := range []string{"unknown_attr.bad.hcl:5", "unknown_attr.bad.hcl line 5", `colour = "red"`, "Unsupported argument"} {
		if !strings.Contains(out, want) {
			t.Errorf("unknown attribute: output lacks %q:\n%s", want, out)
		}
	}
	out = render(t, Load(Source{Path: "testdata/dup"}))
	for _, want := range []string{"testdata/dup/a.hcl line 1", "testdata/dup/b.hcl line 3", "Duplicate account"} {
		if !strings.Contains(out, want) {
			t.Errorf("duplicate account: output lacks %q:\n%s", want, out)
		}
	}
	out = render(t, Load(Source{Path: "testdata/http_remote.bad.hcl"}))
	if !strings.Contains(out, "Insecure API URL") {
		t.Errorf("http:// to a remote host was not refused:\n%s", out)
	}
	out = render(t, Load(Source{Path: "testdata/mode_number.bad.hcl"}))
	if !strings.Contains(out, `mode = "0640"`) {
		t.Errorf("a bare-number mode has no hint:\n%s", out)
	}
	if r := Load(Source{Path: "testdata/dir"}); r.Diagnostics.HasErrors() {
		t.Errorf("a good directory has errors:\n%s", render(t, r))
	}
}

// load loads inline files laid out under /cfg.
func load(t *testing.T, files map[string]string, opts ...func(*Source)) *Result {
	t.Helper()
	src := Source{Path: "/cfg", Files: map[string][]byte{}}
	for name, text := range files {
		src.Files[name] = []byte(text)
	}
	src.ReadFile = func(name string) ([]byte, error) { return nil, os.ErrNotExist }
	for _, o := range opts {
		o(&src)
	}
	return Load(src)
}

func mustLoad(t *testing.T, files map[string]string, opts ...func(*Source)) *Config {
	t.Helper()
	r := load(t, files, opts...)
	if r.Diagnostics.HasErrors() {
		t.Fatalf("unexpected errors:\n%s", render(t, r))
	}
	return r.Config
}

func TestDefaultsFilled(t *testing.T) {
	c := mustLoad(t, map[string]string{"main.hcl": `
account "a" {
  username = "u"
  password = "p"
}`})
	d := c.Daemon
	if d.LogLevel != "info" || d.LogFormat != "text" || d.LoginRate != 1 || d.ShutdownTimeout.String() != "10s" ||
		!d.Watch || d.LogoutOnExit || d.Socket.Path != "/run/swaykeep/swaykeep.sock" || d.Socket.Mode != 0o666 {
		t.Errorf("daemon defaults: %+v", d)
	}
	a := c.Account("a")
	if a.APIURL != DefaultAPIURL || a.Domain != "default" || a.PingInterval != PingAuto || a.RequestTimeout.String() != "10s" ||
		len(a.TokenFiles) != 0 || !a.Readers.IsZero() || a.Password.Reveal() != "p" {
		t.Errorf("account defaults: %+v", a)
	}
}

func TestAPIURLNormalised(t *testing.T) {
	for in, want := range map[string]string{
		"https://API.Example.com/dxsca-web":  "https://api.example.com/dxsca-web/",
		"https://api.example.com":            "https://api.example.com/",
		"http://localhost:8080/dxsca-web/":   "http://localhost:8080/dxsca-web/",
		"http://127.0.0.2/dxsca-web":         "http://127.0.0.2/dxsca-web/",
		"http://[::1]:9/dxsca-web":           "http://[::1]:9/dxsca-web/",
		"HTTPS://api.example.com:443/x/y//z": "https://api.example.com:443/x/y//z/",
	} {
		c := mustLoad(t, map[string]string{"main.hcl": fmt.Sprintf(`
account "a" {
  api_url  = %q
  username = "u"
  password = "p"
}`, in)})
		if got := c.Accounts[0].APIURL; got != want {
			t.Errorf("api_url %q: got %q, want %q", in, got, want)
		}
	}
}

func TestWorldReadableWarns(t *testing.T) {
	r := load(t, map[string]string{"main.hcl": `
account "a" {
  username = "u"
  password = "p"
  token_file {
    path = "/run/a"
    mode = "0644"
  }
}`})
	if r.Config == nil || len(r.Diagnostics) != 1 || r.Diagnostics[0].Severity != hcl.DiagWarning ||
		r.Diagnostics[0].Summary != "World-readable token file" {
		t.Fatalf("want one world-readable warning, got:\n%s", render(t, r))
	}
	if got := r.Config.Accounts[0].TokenFiles[0].Mode; got != 0o644 {
		t.Errorf("mode %o", got)
	}
}
