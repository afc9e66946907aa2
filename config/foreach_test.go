package config

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func names(c *Config) []string {
	var out []string
	for _, a := range c.Accounts {
		out = append(out, a.Name)
	}
	return out
}

func TestForEach(t *testing.T) {
	cases := []struct {
		name, forEach string
		want          []string
		users         []string
	}{
		{"object", `{ eu = "desk-eu", us = "desk-us" }`, []string{"d.eu", "d.us"}, []string{"desk-eu", "desk-us"}},
		{"map", `tomap({ b = "x", a = "y" })`, []string{"d.a", "d.b"}, []string{"y", "x"}},
		{"set", `toset(["two", "one", "two"])`, []string{"d.one", "d.two"}, []string{"one", "two"}},
		{"empty", `{}`, nil, nil},
		{"keys with digits and dashes", `{ "1st" = "a", "a_b-c" = "b" }`, []string{"d.1st", "d.a_b-c"}, []string{"a", "b"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustLoad(t, map[string]string{"main.hcl": `
account "d" {
  for_each = ` + tc.forEach + `
  username = each.value
  password = "pw-${each.key}"
}`})
			if got := names(c); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("accounts %q, want %q", got, tc.want)
			}
			for i, a := range c.Accounts {
				if a.Username != tc.users[i] || a.Password.Reveal() != "pw-"+a.Name[2:] {
					t.Errorf("%s: username %q password %q", a.Name, a.Username, a.Password.Reveal())
				}
			}
		})
	}
}

// TestDefaultsPerAccount: defaults' blocks are evaluated per account with
// account.name; an account's own blocks replace them, without merging.
func TestDefaultsPerAccount(t *testing.T) {
	c := mustLoad(t, map[string]string{"main.hcl": `
defaults {
  domain = "d-${account.name}"
  token_file {
    path = "/run/t/${account.name}.token"
  }
  token_file {
    path   = "/run/t/${account.name}.json"
    format = "json"
  }
  readers {
    users = ["r-${account.name}"]
  }
}
account "x" {
  for_each = { a = "ua", b = "ub" }
  username = each.value
  password = "p"
}
account "own" {
  username = "own"
  password = "p"
  domain   = "mine"
  token_file {
    path = "/run/own"
  }
  readers {
    groups = ["g"]
  }
}`})
	xa := c.Account("x.a")
	if xa.Domain != "d-x.a" || len(xa.TokenFiles) != 2 || xa.TokenFiles[0].Path != "/run/t/x.a.token" ||
		xa.TokenFiles[1].Format != FormatJSON || !reflect.DeepEqual(xa.Readers.Users, []string{"r-x.a"}) {
		t.Errorf("x.a: %+v", xa)
	}
	own := c.Account("own")
	if own.Domain != "mine" || len(own.TokenFiles) != 1 || own.TokenFiles[0].Path != "/run/own" ||
		own.Readers.Users != nil || !reflect.DeepEqual(own.Readers.Groups, []string{"g"}) {
		t.Errorf("own: %+v", own)
	}
}

// TestJSONDirectory: a directory mixing native and JSON syntax is one
// configuration; other files are ignored.
func TestJSONDirectory(t *testing.T) {
	r := Load(Source{Path: "testdata/dir"})
	out := render(t, r)
	if r.Config == nil {
		t.Fatalf("errors:\n%s", out)
	}
	golden(t, "config/dir.txt", []byte(dump(r.Config)+out))
	abs, _ := filepath.Abs("testdata/dir")
	want := []string{abs, filepath.Join(abs, "accounts.hcl.json"), filepath.Join(abs, "daemon.hcl"), filepath.Join(abs, "native.hcl")}
	if !reflect.DeepEqual(r.Files, want) {
		t.Errorf("Files %q", r.Files)
	}
}

// TestOverlay: Source.Files replaces the files under Path (plan's
// candidate files) and serves file() reads too.
func TestOverlay(t *testing.T) {
	c := mustLoad(t, map[string]string{
		"main.hcl":      `account "a" { ` + "\n" + `username = "u"` + "\n" + `password = file("pw")` + "\n}\n",
		"other.hcl":     `daemon { ` + "\n" + `log_level = "warn"` + "\n}\n",
		"pw":            "secret\n",
		"ignored.txt":   "not config",
		"/abs/more.hcl": `account "b" {` + "\n" + `username = "v"` + "\n" + `password = "p"` + "\n}\n",
	})
	if got := names(c); !reflect.DeepEqual(got, []string{"a", "b"}) || c.Daemon.LogLevel != "warn" ||
		c.Account("a").Password.Reveal() != "secret" {
		t.Errorf("accounts %q daemon %+v", got, c.Daemon)
	}
}

func TestNoConfigFiles(t *testing.T) {
	r := Load(Source{Path: t.TempDir()})
	if r.Config != nil || !r.Diagnostics.HasErrors() || len(r.Files) != 1 {
		t.Errorf("empty directory: config %v, files %q, diags %v", r.Config, r.Files, r.Diagnostics)
	}
	r = Load(Source{Path: "/nonexistent/swaykeep.hcl"})
	if r.Config != nil || len(r.Files) != 1 || r.Files[0] != "/nonexistent/swaykeep.hcl" {
		t.Errorf("missing file: files %q", r.Files)
	}
}
