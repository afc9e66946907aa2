package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const validAccount = `account "alpha" {
  username = "alice"
  password = "SENTINEL-5e1d"
}
`

// TestValidate is issue 3's "Done when" through the command.
func TestValidate(t *testing.T) {
	cases := []struct {
		name     string
		files    map[string]string
		args     []string
		status   int
		want     []string // in stdout+stderr
		wantNone []string
	}{
		{"good directory", map[string]string{"a.hcl": validAccount, "b.hcl": "daemon {\n  log_level = \"warn\"\n}\n"},
			nil, exitOK, []string{"Success! The configuration is valid (1 account)."}, nil},
		{"unknown attribute on line 5", map[string]string{"bad.hcl": "account \"alpha\" {\n  username = \"alice\"\n  password = \"SENTINEL-5e1d\"\n\n  colour = \"red\"\n}\n"},
			nil, exitFail, []string{"bad.hcl:5", "bad.hcl line 5", `colour = "red"`, "Unsupported argument"}, []string{"Success"}},
		{"duplicate account across files", map[string]string{"a.hcl": validAccount, "b.hcl": "\n" + validAccount},
			nil, exitFail, []string{"a.hcl line 1", "b.hcl line 2", "Duplicate account"}, nil},
		{"http to a remote host", map[string]string{"a.hcl": strings.Replace(validAccount, "username", "api_url  = \"http://api.example.com/\"\n  username", 1)},
			nil, exitFail, []string{"Insecure API URL"}, nil},
		{"bare number mode", map[string]string{"a.hcl": strings.Replace(validAccount, "}\n", "  token_file {\n    path = \"/run/a\"\n    mode = 0640\n  }\n}\n", 1)},
			nil, exitFail, []string{"Invalid mode", `mode = "0640"`}, nil},
		{"warnings do not fail", map[string]string{"a.hcl": strings.Replace(validAccount, "}\n", "  readers {\n    users = [\"no-such-user-swaykeep-test\"]\n  }\n}\n", 1)},
			nil, exitOK, []string{"Warning: Unknown user", "Success!"}, nil},
		{"variables and credentials", map[string]string{
			"a.hcl":  "variable \"user\" {\n  type = string\n}\naccount \"a\" {\n  username = var.user\n  password = credential(\"a\")\n}\n",
			"c/a":    "SENTINEL-5e1d\n",
			"v.vars": "user = \"from-file\"\n",
		}, []string{"-var-file", "{{dir}}/v.vars", "-var", "user=x", "-credentials-dir", "{{dir}}/c"}, exitOK, []string{"valid (1 account)"}, nil},
		{"arguments refused", map[string]string{"a.hcl": validAccount}, []string{"extra"}, exitUsage, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			cfg := dir
			if len(tc.files) > 1 {
				cfg = dir // the directory is the configuration
			}
			args := []string{"-config", cfg}
			for _, a := range tc.args {
				args = append(args, strings.ReplaceAll(a, "{{dir}}", dir))
			}
			if tc.name == "variables and credentials" {
				args[1] = filepath.Join(dir, "a.hcl")
			}
			var stdout, stderr bytes.Buffer
			status := runValidate(args, &stdout, &stderr)
			out := stdout.String() + stderr.String()
			if status != tc.status {
				t.Errorf("status %d, want %d; output:\n%s", status, tc.status, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, w := range append(tc.wantNone, "SENTINEL-5e1d") {
				if strings.Contains(out, w) {
					t.Errorf("output has %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestValidateGolden pins the whole output for one broken directory.
func TestValidateGolden(t *testing.T) {
	var stdout, stderr bytes.Buffer
	status := runValidate([]string{"-config", "testdata/validate"}, &stdout, &stderr)
	if status != exitFail {
		t.Errorf("status %d", status)
	}
	got := "status: " + string(rune('0'+status)) + "\n--- stdout\n" + stdout.String() + "--- stderr\n" + stderr.String()
	want, err := os.ReadFile("testdata/validate.golden")
	if os.Getenv("UPDATE_GOLDEN") != "" {
		os.WriteFile("testdata/validate.golden", []byte(got), 0o644)
		return
	}
	if err != nil || got != string(want) {
		t.Errorf("output differs from testdata/validate.golden (UPDATE_GOLDEN=1 to accept):\n%s", got)
	}
}
