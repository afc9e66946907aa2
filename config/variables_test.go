package config

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const precedenceConfig = `
variable "user" {
  type    = string
  default = "from-default"
}

variable "readers" {
  type    = list(string)
  default = []
}

account "a" {
  username = var.user
  password = "p"
  readers {
    users = var.readers
  }
}
`

// TestVariablePrecedence: default < SWAYKEEP_VAR_name < each -var-file in
// order < each -var in order, later ones winning, as in Terraform.
func TestVariablePrecedence(t *testing.T) {
	files := map[string]string{
		"main.hcl":         precedenceConfig,
		"/vars/one.vars":   `user = "from-file-one"`,
		"/vars/two.vars":   "user = \"from-file-two\"\nreaders = [\"r2\"]\n",
		"/vars/three.json": `{"readers": ["r3", "r4"]}`,
	}
	getenv := func(s *Source) {
		s.Getenv = func(n string) (string, bool) {
			switch n {
			case "SWAYKEEP_VAR_user":
				return "from-env", true
			case "SWAYKEEP_VAR_readers":
				return `["env"]`, true
			}
			return "", false
		}
	}
	cases := []struct {
		name    string
		opts    []func(*Source)
		user    string
		readers []string
	}{
		{"default", nil, "from-default", nil},
		{"env", []func(*Source){getenv}, "from-env", []string{"env"}},
		{"var file over env", []func(*Source){getenv, func(s *Source) { s.VarFiles = []string{"/vars/one.vars"} }}, "from-file-one", []string{"env"}},
		{"later var file wins", []func(*Source){getenv, func(s *Source) { s.VarFiles = []string{"/vars/one.vars", "/vars/two.vars"} }}, "from-file-two", []string{"r2"}},
		{"earlier var file loses", []func(*Source){func(s *Source) { s.VarFiles = []string{"/vars/two.vars", "/vars/one.vars"} }}, "from-file-one", []string{"r2"}},
		{"JSON var file", []func(*Source){func(s *Source) { s.VarFiles = []string{"/vars/three.json"} }}, "from-default", []string{"r3", "r4"}},
		{"-var over everything", []func(*Source){getenv, func(s *Source) {
			s.VarFiles = []string{"/vars/two.vars"}
			s.Vars = []string{"user=from-var-1", `readers=["v"]`, "user=from-var-2"}
		}}, "from-var-2", []string{"v"}},
		{"-var is a raw string for a primitive type", []func(*Source){func(s *Source) { s.Vars = []string{`user="quoted" = ${x}`} }}, `"quoted" = ${x}`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustLoad(t, files, tc.opts...)
			a := c.Accounts[0]
			if a.Username != tc.user || !reflect.DeepEqual(a.Readers.Users, tc.readers) {
				t.Errorf("got user %q readers %q, want %q %q", a.Username, a.Readers.Users, tc.user, tc.readers)
			}
		})
	}
}

func TestVariableErrors(t *testing.T) {
	files := map[string]string{"main.hcl": precedenceConfig, "/vars/x.vars": "unknown = 1\n"}
	cases := []struct {
		name, want string
		opts       func(*Source)
	}{
		{"undeclared -var", "Value for undeclared variable", func(s *Source) { s.Vars = []string{"nope=1"} }},
		{"-var without =", "Invalid -var option", func(s *Source) { s.Vars = []string{"user"} }},
		{"bad expression for a list", "Invalid value for variable", func(s *Source) { s.Vars = []string{"readers=[oops"} }},
		{"wrong type for a list", "Invalid value for variable", func(s *Source) { s.Vars = []string{"readers={a = {}}"} }},
		{"missing var file", "Cannot read variables file", func(s *Source) { s.VarFiles = []string{"/vars/none.vars"} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := load(t, files, tc.opts)
			out := render(t, r)
			if !r.Diagnostics.HasErrors() || !strings.Contains(out, tc.want) {
				t.Errorf("want error %q, got:\n%s", tc.want, out)
			}
		})
	}
	// A var file setting an undeclared variable is only a warning.
	r := load(t, files, func(s *Source) { s.VarFiles = []string{"/vars/x.vars"} })
	if r.Diagnostics.HasErrors() || len(r.Diagnostics) != 1 || !strings.Contains(render(t, r), "undeclared") {
		t.Errorf("want one warning, got:\n%s", render(t, r))
	}
}

func TestSensitiveVariableIsSecret(t *testing.T) {
	c := mustLoad(t, map[string]string{"main.hcl": `
variable "user" {
  sensitive = true
}
account "a" {
  username = var.user
  password = "p"
}`}, func(s *Source) { s.Vars = []string{"user=hidden"} })
	var b strings.Builder
	Compare(nil, c).WriteText(&b)
	if strings.Contains(b.String(), "hidden") || !strings.Contains(b.String(), "username: (sensitive)") {
		t.Errorf("plan shows a sensitive variable:\n%s", b.String())
	}
}

// TestLocalsOrder: locals may refer to locals defined later and in other
// files; they are evaluated in dependency order.
func TestLocalsOrder(t *testing.T) {
	c := mustLoad(t, map[string]string{
		"a.hcl": `
locals {
  user = "${local.prefix}-${local.suffix}"
}
account "a" {
  username = local.user
  password = "p"
}`,
		"b.hcl": `
locals {
  prefix = upper(local.base)
  suffix = "x"
  base   = "desk"
}`})
	if got := c.Accounts[0].Username; got != "DESK-x" {
		t.Errorf("username %q", got)
	}
}

// TestFiles: Files lists every file read or tried, absolute, even on error.
func TestFiles(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "main.hcl", `
account "a" {
  username = "u"
  password = file("secrets/a")
}
account "b" {
  username = "v"
  password = credential("b")
}
account "c" {
  username = "w"
  password = file("/nonexistent/c")
}`)
	write(t, dir, "secrets/a", "pa\n")
	write(t, dir, "notes.txt", "not config")
	creds := filepath.Join(dir, "creds")
	write(t, creds, "swaykeep_b", "pb")
	r := Load(Source{Path: dir, CredentialsDir: creds, VarFiles: []string{filepath.Join(dir, "missing.vars")}})
	if !r.Diagnostics.HasErrors() {
		t.Fatal("want errors for the missing file and var file")
	}
	want := []string{
		"/nonexistent/c",
		dir, // the directory: a new file in it is a change
		filepath.Join(creds, "b"),
		filepath.Join(creds, "swaykeep_b"),
		filepath.Join(dir, "main.hcl"),
		filepath.Join(dir, "missing.vars"),
		filepath.Join(dir, "secrets/a"),
	}
	if !reflect.DeepEqual(r.Files, want) {
		t.Errorf("Files:\n%q\nwant:\n%q", r.Files, want)
	}
}
