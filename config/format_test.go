package config

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestFormatFile(t *testing.T) {
	src, err := os.ReadFile("testdata/fmt/unformatted.hcl")
	if err != nil {
		t.Fatal(err)
	}
	out, diags := FormatFile(src, "unformatted.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	golden(t, "fmt/unformatted.hcl", out)
	again, _ := FormatFile(out, "unformatted.hcl")
	if !bytes.Equal(again, out) {
		t.Errorf("formatting is not idempotent:\n%s", again)
	}
	if _, diags := FormatFile([]byte("account \"a\" {\n  username = \n"), "broken.hcl"); !diags.HasErrors() {
		t.Error("broken input formatted without an error")
	}
	json := []byte(`{"account":{"a":{"username":"u"}}}`)
	if out, _ := FormatFile(json, "a.hcl.json"); !bytes.Equal(out, json) {
		t.Error("JSON was changed")
	}
}

// TestExamples loads every example with the variables and credentials it
// documents, and checks every example file is formatted.
func TestExamples(t *testing.T) {
	root := filepath.Join("..", "examples")
	fake := func(files map[string]string) func(string) ([]byte, error) {
		return func(name string) ([]byte, error) {
			if s, ok := files[name]; ok {
				return []byte(s), nil
			}
			return os.ReadFile(name)
		}
	}
	cases := []struct {
		dir      string
		accounts int
		src      Source
	}{
		{"single/swaykeep.hcl", 1, Source{ReadFile: fake(map[string]string{"/etc/swaykeep/secrets/alpha": "pw\n"})}},
		{"fleet", 4, Source{
			VarFiles: []string{filepath.Join(root, "fleet", "production.vars")},
			Getenv:   func(n string) (string, bool) { return "reporting-pw", n == "SWAYKEEP_VAR_reporting_password" },
			ReadFile: fake(map[string]string{
				"/etc/swaykeep/secrets/eu": "a", "/etc/swaykeep/secrets/us": "b", "/etc/swaykeep/secrets/asia": "c",
			}),
		}},
		{"credentials", 2, Source{CredentialsDir: "/creds", ReadFile: fake(map[string]string{
			"/creds/alpha": "a\n", "/creds/swaykeep_beta": "b\n",
		})}},
		{"dev", 5, Source{Vars: []string{"api_url=http://127.0.0.1:8080/dxsca-web/", "out_dir=/tmp/swaykeep-dev"}}},
	}
	for _, tc := range cases {
		t.Run(tc.dir, func(t *testing.T) {
			src := tc.src
			src.Path = filepath.Join(root, tc.dir)
			r := Load(src)
			var buf bytes.Buffer
			r.WriteDiagnostics(&buf, false)
			if r.Config == nil || len(r.Diagnostics) > 0 {
				t.Fatalf("diagnostics:\n%s", buf.String())
			}
			if got := len(r.Config.Accounts); got != tc.accounts {
				t.Errorf("%d accounts, want %d", got, tc.accounts)
			}
		})
	}
	files, _ := filepath.Glob(filepath.Join(root, "*", "*.hcl"))
	if len(files) < 6 {
		t.Fatalf("found only %d example files", len(files))
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if out, diags := FormatFile(src, f); diags.HasErrors() || !bytes.Equal(out, src) {
			t.Errorf("%s is not formatted (swaykeep fmt %s)", f, f)
		}
	}
}

// TestDevExampleUsers: the demo's users file has everyone in the config,
// with mallory's real password different from the configured one.
func TestDevExampleUsers(t *testing.T) {
	b, err := os.ReadFile("../examples/dev/users.txt")
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]string{}
	for _, line := range bytes.Split(b, []byte("\n")) {
		parts := bytes.SplitN(line, []byte(":"), 3)
		if len(parts) == 3 && !bytes.HasPrefix(line, []byte("#")) {
			users[string(parts[0])] = string(parts[2])
		}
	}
	r := Load(Source{Path: "../examples/dev", Vars: []string{"api_url=http://127.0.0.1:1/", "out_dir=/tmp/x"}})
	if r.Config == nil {
		t.Fatal("examples/dev does not load")
	}
	for _, a := range r.Config.Accounts {
		pw, ok := users[a.Username]
		switch {
		case !ok:
			t.Errorf("users.txt lacks %s", a.Username)
		case a.Name == "mallory" && pw == a.Password.Reveal():
			t.Errorf("mallory's configured password is right; it must be wrong")
		case a.Name != "mallory" && pw != a.Password.Reveal():
			t.Errorf("%s: users.txt and the config disagree on the password", a.Name)
		}
	}
}
