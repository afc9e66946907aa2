package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/swaykeep/swaykeep/config/secret"
)

// ChangeKind says what happens to an account.
type ChangeKind int

const (
	Added ChangeKind = iota + 1
	Removed
	Changed
)

func (k ChangeKind) String() string {
	switch k {
	case Added:
		return "added"
	case Removed:
		return "removed"
	case Changed:
		return "changed"
	}
	return "unknown"
}

// What says which parts of a changed account differ; the daemon acts on
// the biggest one (DESIGN.md §5).
type What uint8

const (
	LoginChanged   What = 1 << iota // api_url, domain, username, password, ca_file: new session
	SinksChanged                    // token_file blocks: rewrite files
	ReadersChanged                  // readers: re-permission files and socket access
	TimingsChanged                  // ping_interval, request_timeout: reschedule
)

// Diff is the difference between two configurations.
type Diff struct {
	Accounts []AccountChange // sorted by name; unchanged accounts omitted
	Daemon   []AttrChange
}

// AccountChange is one added, removed or changed account.
type AccountChange struct {
	Name  string
	Kind  ChangeKind
	What  What // for Changed; every bit for Added and Removed
	Attrs []AttrChange
}

// AttrChange is one attribute's old and new value, rendered for people;
// secrets are "(sensitive)", an absent value "".
type AttrChange struct {
	Name, Old, New string
}

// IsEmpty reports whether nothing changes.
func (d Diff) IsEmpty() bool { return len(d.Accounts) == 0 && len(d.Daemon) == 0 }

const allWhat = LoginChanged | SinksChanged | ReadersChanged | TimingsChanged

// Compare diffs two configurations by account name. old may be nil: a plan
// against nothing, where every account is added and the daemon block is
// not compared.
func Compare(old, new *Config) Diff {
	var d Diff
	oldAcc := map[string]*Account{}
	if old != nil {
		for _, a := range old.Accounts {
			oldAcc[a.Name] = a
		}
	}
	newAcc := map[string]*Account{}
	if new != nil {
		for _, a := range new.Accounts {
			newAcc[a.Name] = a
			o := oldAcc[a.Name]
			if o == nil {
				d.Accounts = append(d.Accounts, AccountChange{Name: a.Name, Kind: Added, What: allWhat, Attrs: accountAttrChanges(nil, a)})
				continue
			}
			if attrs := accountAttrChanges(o, a); len(attrs) > 0 {
				d.Accounts = append(d.Accounts, AccountChange{Name: a.Name, Kind: Changed, What: whatChanged(attrs), Attrs: attrs})
			}
		}
	}
	for name := range oldAcc {
		if newAcc[name] == nil {
			d.Accounts = append(d.Accounts, AccountChange{Name: name, Kind: Removed, What: allWhat})
		}
	}
	sort.Slice(d.Accounts, func(i, j int) bool { return d.Accounts[i].Name < d.Accounts[j].Name })
	if old != nil && new != nil {
		d.Daemon = changes(daemonAttrs(&old.Daemon), daemonAttrs(&new.Daemon))
	}
	return d
}

// attr is one rendered attribute, in display order. A secret attr's value
// is compared as it is and shown as "(sensitive)".
type attr struct {
	name, value string
	secret      bool
}

// shown is what plan prints of the attribute.
func (a attr) shown() string {
	if a.secret && a.value != "" {
		return secret.Redacted
	}
	return a.value
}

func changes(old, new []attr) []AttrChange {
	var out []AttrChange
	for i := range new {
		if old[i].value != new[i].value {
			out = append(out, AttrChange{Name: new[i].name, Old: old[i].shown(), New: new[i].shown()})
		}
	}
	return out
}

func whatChanged(attrs []AttrChange) What {
	var w What
	for _, a := range attrs {
		switch {
		case a.Name == "token_file":
			w |= SinksChanged
		case strings.HasPrefix(a.Name, "readers."):
			w |= ReadersChanged
		case a.Name == "ping_interval" || a.Name == "request_timeout":
			w |= TimingsChanged
		default:
			w |= LoginChanged
		}
	}
	return w
}

// accountAttrChanges lists the attributes that differ (o nil: every
// attribute that is set). Token files are matched by path.
func accountAttrChanges(o, a *Account) []AttrChange {
	newAttrs := accountAttrList(a)
	var out []AttrChange
	if o == nil {
		for _, at := range newAttrs {
			if at.value != "" {
				out = append(out, AttrChange{Name: at.name, New: at.shown()})
			}
		}
	} else {
		oldAttrs := accountAttrList(o)
		for i, at := range newAttrs {
			// Real values are compared: two passwords both shown as
			// "(sensitive)" may differ, and a value that became secret
			// without changing has not changed.
			differ := !sameValue(o, a, at.name)
			if strings.HasPrefix(at.name, "readers.") {
				differ = oldAttrs[i].value != at.value
			}
			if differ {
				out = append(out, AttrChange{Name: at.name, Old: oldAttrs[i].shown(), New: at.shown()})
			}
		}
	}
	return append(out, tokenFileChanges(o, a)...)
}

// sameValue compares the real values of an account attribute.
func sameValue(o, a *Account, name string) bool {
	switch name {
	case "password":
		return o.Password == a.Password
	case "username":
		return o.Username == a.Username
	case "domain":
		return o.Domain == a.Domain
	case "api_url":
		return o.APIURL == a.APIURL
	case "ca_file":
		return o.CAFile == a.CAFile
	case "ping_interval":
		return o.PingInterval == a.PingInterval
	case "request_timeout":
		return o.RequestTimeout == a.RequestTimeout
	}
	return true
}

func accountAttrList(a *Account) []attr {
	show := func(name, v string) attr {
		if v != "" && (name == "password" || a.sensitive[name]) {
			v = secret.Redacted
		}
		return attr{name: name, value: v}
	}
	pass := ""
	if !a.Password.IsZero() {
		pass = "x" // shown as (sensitive)
	}
	return []attr{
		show("api_url", a.APIURL),
		show("domain", a.Domain),
		show("username", a.Username),
		show("password", pass),
		show("ca_file", a.CAFile),
		show("ping_interval", fmtPing(a.PingInterval)),
		show("request_timeout", a.RequestTimeout.String()),
		{"readers.users", fmtList(a.Readers.Users), a.Readers.sensitive},
		{"readers.groups", fmtList(a.Readers.Groups), a.Readers.sensitive},
	}
}

func tokenFileChanges(o, a *Account) []AttrChange {
	render := func(acc *Account) map[string]string {
		m := map[string]string{}
		if acc == nil {
			return m
		}
		for _, tf := range acc.TokenFiles {
			v := fmt.Sprintf("%s (%s, %s", tf.Path, tf.Format, fmtMode(tf.Mode))
			if tf.Group != "" {
				v += ", group " + tf.Group
			}
			v += ")"
			if acc.sensitive["token_file"] {
				v = secret.Redacted
			}
			m[tf.Path] = v
		}
		return m
	}
	om, nm := render(o), render(a)
	var paths []string
	for p := range om {
		paths = append(paths, p)
	}
	for p := range nm {
		if _, ok := om[p]; !ok {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	var out []AttrChange
	for _, p := range paths {
		if om[p] != nm[p] {
			out = append(out, AttrChange{Name: "token_file", Old: om[p], New: nm[p]})
		}
	}
	return out
}

func daemonAttrs(d *Daemon) []attr {
	attrs := []attr{
		{name: "state_dir", value: d.StateDir},
		{name: "log_level", value: d.LogLevel},
		{name: "log_format", value: d.LogFormat},
		{name: "login_rate", value: strconv.FormatFloat(d.LoginRate, 'g', -1, 64)},
		{name: "logout_on_exit", value: strconv.FormatBool(d.LogoutOnExit)},
		{name: "shutdown_timeout", value: d.ShutdownTimeout.String()},
		{name: "watch", value: strconv.FormatBool(d.Watch)},
		{name: "socket.path", value: d.Socket.Path},
		{name: "socket.mode", value: fmtMode(d.Socket.Mode)},
		{name: "admins.users", value: fmtList(d.Admins.Users), secret: d.Admins.sensitive},
		{name: "admins.groups", value: fmtList(d.Admins.Groups), secret: d.Admins.sensitive},
		{name: "metrics.listen", value: d.MetricsListen},
	}
	for i := range attrs {
		attrs[i].secret = attrs[i].secret || d.sensitive[attrs[i].name]
	}
	return attrs
}

func fmtPing(d time.Duration) string {
	if d == PingAuto {
		return "auto"
	}
	return d.String()
}

func fmtList(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
