package config

import (
	"bytes"
	"strings"
	"testing"
)

const oldPlanConfig = `
daemon {
  log_level = "info"
  admins {
    groups = ["ops"]
  }
}

account "same" {
  username = "same"
  password = "p"
}

account "gone" {
  username = "gone"
  password = "p"
}

account "pw" {
  username = "pw"
  password = "old-SENTINEL-7f3a9c"
}

account "login" {
  username = "login"
  password = "p"
  api_url  = "https://a.example.com/"
}

account "sinks" {
  username = "sinks"
  password = "p"
  token_file {
    path = "/run/sinks.token"
  }
  token_file {
    path = "/run/sinks.json"
    format = "json"
  }
}

account "readers" {
  username = "readers"
  password = "p"
  readers {
    users = ["a"]
  }
}

account "timings" {
  username = "timings"
  password = "p"
}

account "secretuser" {
  username = env("U1")
  password = "p"
}
`

const newPlanConfig = `
daemon {
  log_level  = "debug"
  login_rate = 2
  admins {
    groups = ["ops", "sre"]
  }
}

account "same" {
  username = "same"
  password = "p"
}

account "new" {
  username = "new"
  password = "new-SENTINEL-7f3a9c"
  token_file {
    path = "/run/new.token"
  }
}

account "pw" {
  username = "pw"
  password = "new-SENTINEL-7f3a9c"
}

account "login" {
  username = "login"
  password = "p"
  api_url  = "https://b.example.com"
  domain   = "other"
  ping_interval = "30s"
}

account "sinks" {
  username = "sinks"
  password = "p"
  token_file {
    path = "/run/sinks.token"
    mode = "0640"
  }
  token_file {
    path = "/run/sinks.env"
    format = "env"
  }
}

account "readers" {
  username = "readers"
  password = "p"
  readers {
    users  = ["a", "b"]
    groups = ["g"]
  }
}

account "timings" {
  username        = "timings"
  password        = "p"
  ping_interval   = "1m"
  request_timeout = "3s"
}

account "secretuser" {
  username = env("U2")
  password = "p"
}
`

func planConfigs(t *testing.T) (*Config, *Config) {
	getenv := func(s *Source) {
		s.Getenv = func(n string) (string, bool) { return map[string]string{"U1": "user-one", "U2": "user-two"}[n], true }
	}
	return mustLoad(t, map[string]string{"m.hcl": oldPlanConfig}, getenv),
		mustLoad(t, map[string]string{"m.hcl": newPlanConfig}, getenv)
}

func TestCompareKinds(t *testing.T) {
	old, new := planConfigs(t)
	d := Compare(old, new)
	want := map[string]struct {
		kind ChangeKind
		what What
	}{
		"new":        {Added, allWhat},
		"gone":       {Removed, allWhat},
		"pw":         {Changed, LoginChanged},
		"login":      {Changed, LoginChanged | TimingsChanged},
		"sinks":      {Changed, SinksChanged},
		"readers":    {Changed, ReadersChanged},
		"timings":    {Changed, TimingsChanged},
		"secretuser": {Changed, LoginChanged},
	}
	if len(d.Accounts) != len(want) {
		t.Errorf("got %d changes, want %d: %+v", len(d.Accounts), len(want), d.Accounts)
	}
	for i, c := range d.Accounts {
		if i > 0 && d.Accounts[i-1].Name >= c.Name {
			t.Errorf("not sorted: %q before %q", d.Accounts[i-1].Name, c.Name)
		}
		w, ok := want[c.Name]
		if !ok || c.Kind != w.kind || c.What != w.what {
			t.Errorf("%s: kind %v what %04b, want %v %04b", c.Name, c.Kind, c.What, w.kind, w.what)
		}
	}
	if len(d.Daemon) != 3 {
		t.Errorf("daemon changes: %+v", d.Daemon)
	}
	var buf bytes.Buffer
	if err := d.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{sentinel, "user-one", "user-two"} {
		if strings.Contains(buf.String(), leak) {
			t.Errorf("plan shows %q", leak)
		}
	}
	golden(t, "plan/changes.txt", buf.Bytes())
}

func TestCompareNothing(t *testing.T) {
	old, new := planConfigs(t)
	if d := Compare(new, new); !d.IsEmpty() {
		t.Errorf("a config differs from itself: %+v", d)
	}
	var buf bytes.Buffer
	Compare(old, old).WriteText(&buf)
	if buf.String() != "No changes.\n" {
		t.Errorf("empty plan: %q", buf.String())
	}
	// Against nothing: every account is added; the daemon block is not a
	// change.
	d := Compare(nil, new)
	if len(d.Accounts) != len(new.Accounts) || len(d.Daemon) != 0 {
		t.Errorf("plan against nothing: %+v", d)
	}
	buf.Reset()
	d.WriteText(&buf)
	golden(t, "plan/from-nothing.txt", buf.Bytes())
	if d := Compare(old, nil); len(d.Accounts) != len(old.Accounts) || d.Accounts[0].Kind != Removed {
		t.Errorf("plan to nothing: %+v", d)
	}
}

// TestCompareSecretOnly: a password change is a login change although both
// sides render as (sensitive); a value that only became secret is none.
func TestCompareSecretOnly(t *testing.T) {
	a := mustLoad(t, map[string]string{"m.hcl": `
account "a" {
  username = "u"
  password = "one"
}`})
	b := mustLoad(t, map[string]string{"m.hcl": `
account "a" {
  username = env("U")
  password = "one"
}`}, func(s *Source) { s.Getenv = func(string) (string, bool) { return "u", true } })
	if d := Compare(a, b); !d.IsEmpty() {
		t.Errorf("same values differ: %+v", d)
	}
}

// TestPlanMasksSecretDerivedNames: readers, admins and daemon attributes
// taken from a secret source are shown as (sensitive), never as values —
// plan runs with the daemon's own environment and credentials.
func TestPlanMasksSecretDerivedNames(t *testing.T) {
	const sentinel = "SENTINEL-from-env"
	env := func(s *Source) { s.Getenv = func(string) (string, bool) { return sentinel, true } }
	old := mustLoad(t, map[string]string{"m.hcl": `
daemon {
  state_dir = "/var/lib/a"
}
account "a" {
  username = "u"
  password = "p"
}`})
	next := mustLoad(t, map[string]string{"m.hcl": `
daemon {
  state_dir = "/var/lib/${env("X")}"
  admins {
    users = [env("X")]
  }
  metrics {
    listen = "127.0.0.1:${length([env("X")]) + 9000}"
  }
}
account "a" {
  username = "u"
  password = "p"
  readers {
    groups = [env("X")]
  }
}`}, env)
	for _, d := range []Diff{Compare(old, next), Compare(nil, next)} {
		var b strings.Builder
		if err := d.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), sentinel) {
			t.Errorf("plan shows a secret:\n%s", b.String())
		}
	}
	var b strings.Builder
	Compare(old, next).WriteText(&b)
	for _, want := range []string{"state_dir: /var/lib/a -> (sensitive)", "admins.users: (none) -> (sensitive)", "readers.groups: (none) -> (sensitive)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, b.String())
		}
	}
}
