package config

import (
	"testing"
)

// TestSentinelNeverRendered runs the sentinel password through every kind
// of error: each case must fail, and the rendered diagnostics (plain and
// coloured) must not contain the sentinel (DESIGN.md §2).
func TestSentinelNeverRendered(t *testing.T) {
	env := func(s *Source) {
		s.Getenv = func(name string) (string, bool) {
			if name == "PW" {
				return sentinel, true
			}
			return "", false
		}
		s.Files["/secrets/pw"] = []byte(sentinel + "\n")
		s.Files["/creds/pw"] = []byte(sentinel)
		s.CredentialsDir = "/creds"
	}
	account := func(body string) string {
		return "account \"a\" {\n  username = \"u\"\n" + body + "\n}\n"
	}
	cases := []struct {
		name  string
		files map[string]string
		opts  []func(*Source)
	}{
		{"wrong arity", map[string]string{"m.hcl": account(`  password = upper("` + sentinel + `", 2)`)}, nil},
		{"wrong arity of file", map[string]string{"m.hcl": account(`  password = file("/secrets/pw", "` + sentinel + `")`)}, nil},
		{"wrong type list", map[string]string{"m.hcl": account(`  password = ["` + sentinel + `"]`)}, nil},
		{"wrong type object", map[string]string{"m.hcl": account(`  password = { a = "` + sentinel + `" }`)}, nil},
		{"broken string", map[string]string{"m.hcl": account(`  password = "` + sentinel)}, nil},
		{"broken interpolation", map[string]string{"m.hcl": account(`  password = "` + sentinel + `${"`)}, nil},
		{"broken heredoc-free JSON", map[string]string{"m.hcl.json": `{"account": {"a": {"username": "u", "password": "` + sentinel + `` + "\n}}}"}, nil},
		{"neighbouring line after", map[string]string{"m.hcl": account(`  password = "` + sentinel + `"
  colour = "red"`)}, nil},
		{"neighbouring line before", map[string]string{"m.hcl": account(`  colour = "red"
  password = "` + sentinel + `"`)}, nil},
		{"neighbouring line in defaults", map[string]string{"m.hcl": `defaults {
  password = "` + sentinel + `"
  domain   = 1 + "x"
}
` + account("")}, nil},
		{"JSON neighbouring attribute", map[string]string{"m.hcl.json": `{"account": {"a": {
  "username": "u",
  "password": "` + sentinel + `", "colour": "red"}}}`}, nil},
		{"for_each key error", map[string]string{"m.hcl": `account "d" {
  for_each = { "bad key" = "` + sentinel + `" }
  username = "u-${each.key}"
  password = each.value
}`}, nil},
		{"for_each attribute error", map[string]string{"m.hcl": `account "d" {
  for_each = { eu = "` + sentinel + `" }
  username = each.nope
  password = each.value
}`}, nil},
		{"for_each from a failing local", map[string]string{"m.hcl": `locals {
  pws = { eu = "` + sentinel + `", us = upper(1, 2) }
}
account "d" {
  for_each = local.pws
  username = "u-${each.key}"
  password = each.value
}`}, nil},
		{"local used wrongly", map[string]string{"m.hcl": `locals {
  pw  = "` + sentinel + `"
  bad = local.pw + 1
}
` + account(`  password = local.pw`)}, nil},
		{"local with an error", map[string]string{"m.hcl": `locals {
  pw = upper("` + sentinel + `", 1)
}
` + account(`  password = local.pw`)}, nil},
		{"sensitive variable misused", map[string]string{"m.hcl": `variable "pw" {
  sensitive = true
}
account "a" {
  username = var.pw + 1
  password = var.pw
}`}, []func(*Source){func(s *Source) { s.Vars = []string{"pw=" + sentinel} }}},
		{"sensitive variable of the wrong type", map[string]string{"m.hcl": `variable "pw" {
  type      = number
  sensitive = true
}
` + account(`  password = "x${var.pw}"`)}, []func(*Source){func(s *Source) { s.Vars = []string{"pw=" + sentinel} }}},
		{"variable file of the wrong type", map[string]string{"m.hcl": `variable "pw" {
  type = string
}
` + account(`  password = var.pw`), "/vars/pw.vars": `pw = ["` + sentinel + `"]`},
			[]func(*Source){func(s *Source) { s.VarFiles = []string{"/vars/pw.vars"} }}},
		{"env value in a conversion error", map[string]string{"m.hcl": account(`  password = env("PW")
  ping_interval = tonumber(env("PW"))`)}, []func(*Source){env}},
		{"env value as a duration", map[string]string{"m.hcl": account(`  password = "x"
  request_timeout = env("PW")`)}, []func(*Source){env}},
		{"file value in format", map[string]string{"m.hcl": account(`  password = file("/secrets/pw")
  domain = format("%d", file("/secrets/pw"))`)}, []func(*Source){env}},
		{"credential as a mode", map[string]string{"m.hcl": account(`  password = credential("pw")
  token_file {
    path = "/run/a"
    mode = credential("pw")
  }`)}, []func(*Source){env}},
		{"env default", map[string]string{"m.hcl": account(`  password = env("UNSET", "` + sentinel + `")
  colour = 1`)}, nil},
		{"password in api_url", map[string]string{"m.hcl": account(`  password = "x"
  api_url = "http://u:` + sentinel + `@example.com/"`)}, nil},
		{"variable file that does not parse", map[string]string{"m.hcl": `variable "pw" {
  sensitive = true
}
` + account(`  password = var.pw`), "/vars/pw.vars": `pw = "` + sentinel + `" x = 2`},
			[]func(*Source){func(s *Source) { s.VarFiles = []string{"/vars/pw.vars"} }}},
		{"sensitive default on a line that does not parse", map[string]string{"m.hcl": `variable "pw" {
  sensitive = true
  default   = "` + sentinel + `" x
}
` + account(`  password = var.pw`)}, nil},
		{"duplicate login", map[string]string{"m.hcl": `account "a" {
  username = env("PW")
  password = "x"
}
account "b" {
  username = env("PW")
  password = "y"
}`}, []func(*Source){env}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := load(t, tc.files, tc.opts...)
			if !r.Diagnostics.HasErrors() {
				t.Fatalf("no error")
			}
			out := render(t, r) // fails on the sentinel
			if testing.Verbose() {
				t.Log("\n" + out)
			}
		})
	}
}

// TestSecretsUnmarked checks that secrets end in the Secret type and that
// plain values stay plain.
func TestSecretsUnmarked(t *testing.T) {
	c := mustLoad(t, map[string]string{"m.hcl": `
variable "pw" {
  sensitive = true
}
account "a" {
  username = env("USER_A")
  password = "${var.pw}-${file("pw.txt")}"
}`, "pw.txt": "from-file\n"}, func(s *Source) {
		s.Vars = []string{"pw=var"}
		s.Getenv = func(n string) (string, bool) { return "alice", n == "USER_A" }
	})
	a := c.Accounts[0]
	if a.Password.Reveal() != "var-from-file" || a.Username != "alice" {
		t.Errorf("got password %q, username %q", a.Password.Reveal(), a.Username)
	}
	if !a.sensitive["username"] || !a.sensitive["password"] || a.sensitive["domain"] {
		t.Errorf("sensitive attributes: %v", a.sensitive)
	}
}

func TestRedactPasswordLine(t *testing.T) {
	for in, want := range map[string]string{
		`  password = "abc"`:             `  password = "(sensitive)"`,
		`  password = "abc`:              `  password = "(sensitive)"`,
		`  password = "a\"bc" # note`:    `  password = "(sensitive)" # note`,
		`  "password": "abc",`:           `  "password": "(sensitive)",`,
		`  password = file("/etc/x")`:    `  password = file("/etc/x")`,
		`  username = "abc"`:             `  username = "abc"`,
		`  password = "${var.x}-suffix"`: `  password = "(sensitive)"`,
	} {
		if got := redactPasswordLine(in); got != want {
			t.Errorf("redactPasswordLine(%q) = %q, want %q", in, got, want)
		}
	}
}
