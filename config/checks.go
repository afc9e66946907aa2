package config

import (
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// loginRef and tokenRef remember where things were written, for the
// checks across accounts.
type loginRef struct {
	account *Account
	rng     hcl.Range
}

type tokenRef struct {
	account string
	path    string
	rng     hcl.Range
}

// principalRef is one user or group name and where it was written.
type principalRef struct {
	group bool
	name  string
	rng   hcl.Range
	where string // "admins", `readers of account "x"`
}

// apiURL validates and normalises api_url: https, or http for a loopback
// host only (tests, the simulator); no user-info; a trailing slash, so
// that two spellings of one URL compare equal.
func (l *loader) apiURL(e *evaluated) string {
	s := l.str(e)
	switch e.st {
	case absent:
		return DefaultAPIURL
	case failed:
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" {
		// url.Parse's error repeats the URL, which may carry a password.
		l.errorf(e.rng, "Invalid API URL", "api_url must be an absolute URL, such as %q.", DefaultAPIURL)
		return ""
	}
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			l.remember(pw)
		}
		l.errorf(e.rng, "Credentials in API URL",
			"api_url may not carry a user name or password: set username and password instead.")
		return ""
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	case u.Scheme == "http":
		l.errorf(e.rng, "Insecure API URL",
			"api_url must use https://: http:// is allowed only for a loopback host (localhost, 127.0.0.1, ::1), such as a local simulator, since the password travels in the request.")
		return ""
	default:
		l.errorf(e.rng, "Invalid API URL", "api_url must be an https:// URL, such as %q.", DefaultAPIURL)
		return ""
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		l.errorf(e.rng, "Invalid API URL", "api_url may not have a query or a fragment.")
		return ""
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawPath = ""
	return u.String()
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkAccounts applies the rules across accounts: a token file belongs to
// one account, and one user (api_url, domain, username) has one session.
func (l *loader) checkAccounts(accounts []*Account) {
	paths := map[string]tokenRef{}
	for _, t := range l.tokenPaths {
		first, dup := paths[t.path]
		if !dup {
			paths[t.path] = t
			continue
		}
		if first.account == t.account {
			l.errorf(t.rng, "Duplicate token file",
				"Account %q writes %q twice (also at %s).", t.account, t.path, where(first.rng))
		} else {
			l.errorf(t.rng, "Token file shared by two accounts",
				"%q is the token file of account %q (%s) and of account %q; every account needs its own, for example with ${account.name} in the path.",
				t.path, first.account, where(first.rng), t.account)
		}
	}

	type login struct{ api, domain, user string }
	users := map[login]loginRef{}
	for _, ref := range l.logins {
		a := ref.account
		if a.APIURL == "" || a.Username == "" {
			continue // already reported
		}
		k := login{a.APIURL, a.Domain, a.Username}
		first, dup := users[k]
		if !dup {
			users[k] = ref
			continue
		}
		subject := ref.rng
		if subject.Filename == "" {
			subject = a.DeclRange
		}
		// The user name is not repeated: it may come from a secret.
		l.errorf(subject, "Duplicate login",
			"Accounts %q (%s) and %q log in as the same user of the same API and domain; the API allows one session per user, so they would log each other out.",
			first.account.Name, where(first.account.DeclRange), a.Name)
	}
}

// CheckPrincipals warns about every user or group name in readers and
// admins blocks that lookupUser or lookupGroup does not know. Load never
// resolves names (they are resolved when applied); `swaykeep validate`
// calls this with os/user's lookups, on the host where the config will run.
func (c *Config) CheckPrincipals(lookupUser, lookupGroup func(name string) bool) hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]bool{}
	refs := append([]principalRef(nil), c.principals...)
	sort.SliceStable(refs, func(i, j int) bool { return refs[i].rng.Filename < refs[j].rng.Filename })
	for _, p := range refs {
		kind, lookup := "user", lookupUser
		if p.group {
			kind, lookup = "group", lookupGroup
		}
		key := fmt.Sprintf("%s|%s|%v", kind, p.name, p.rng)
		if seen[key] || p.name == "" || lookup(p.name) {
			continue
		}
		seen[key] = true
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Unknown " + kind,
			Detail:   fmt.Sprintf("No %s named %q exists on this host (named in %s); it gets no access until it does.", kind, p.name, p.where),
			Subject:  p.rng.Ptr(),
		})
	}
	return diags
}
