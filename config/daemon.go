package config

import (
	"io/fs"
	"net"
	"path/filepath"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Daemon defaults (DESIGN.md §2).
const (
	DefaultSocketPath      = "/run/swaykeep/swaykeep.sock"
	DefaultSocketMode      = fs.FileMode(0o666)
	DefaultShutdownTimeout = 10 * time.Second
	DefaultLoginRate       = 1.0
)

// defaultDaemon is the daemon block when none is written.
func defaultDaemon() Daemon {
	return Daemon{
		LogLevel:        "info",
		LogFormat:       "text",
		LoginRate:       DefaultLoginRate,
		ShutdownTimeout: DefaultShutdownTimeout,
		Watch:           true,
		Socket:          Socket{Path: DefaultSocketPath, Mode: DefaultSocketMode},
	}
}

// decodeDaemon decodes the one daemon block, filling defaults.
func (l *loader) decodeDaemon(cfg *Config) Daemon {
	d := defaultDaemon()
	fb := l.single("daemon")
	if fb == nil {
		return d
	}
	content, diags := fb.block.Body.Content(daemonSchema)
	l.add(diags)
	ctx := l.evalContext(fb.file.dir)
	d.sensitive = make(map[string]bool)
	eval := func(name string, a *hcl.Attribute) evaluated {
		e := l.evaluate(a, ctx)
		if e.sensitive {
			d.sensitive[name] = true
		}
		return e
	}
	attr := func(name string) evaluated { return eval(name, content.Attributes[name]) }

	if e := attr("state_dir"); e.st == present {
		d.StateDir = l.absolute(&e, l.str(&e))
	}
	e := attr("log_level")
	d.LogLevel = l.oneOf(&e, d.LogLevel, "debug", "info", "warn", "error")
	e = attr("log_format")
	d.LogFormat = l.oneOf(&e, d.LogFormat, "text", "json")
	e = attr("login_rate")
	if d.LoginRate = l.number(&e, d.LoginRate); e.st == present && d.LoginRate <= 0 {
		l.errorf(e.rng, "Invalid login rate", "login_rate is logins per second per API host and must be positive.")
	}
	e = attr("logout_on_exit")
	d.LogoutOnExit = l.boolean(&e, d.LogoutOnExit)
	e = attr("shutdown_timeout")
	d.ShutdownTimeout = l.duration(&e, d.ShutdownTimeout, false)
	e = attr("watch")
	d.Watch = l.boolean(&e, d.Watch)

	seen := map[string]*hcl.Block{}
	for _, b := range content.Blocks {
		if first := seen[b.Type]; first != nil {
			l.errorf(b.DefRange, "Duplicate "+b.Type+" block",
				"The daemon block takes one %s block; the first is at %s.", b.Type, where(first.DefRange))
			continue
		}
		seen[b.Type] = b
		switch b.Type {
		case "socket":
			c, diags := b.Body.Content(socketSchema)
			l.add(diags)
			if e := eval("socket.path", c.Attributes["path"]); e.st == present {
				d.Socket.Path = l.absolute(&e, l.str(&e))
			}
			e := eval("socket.mode", c.Attributes["mode"])
			d.Socket.Mode = l.mode(&e, d.Socket.Mode)
		case "admins":
			d.Admins = l.principals(cfg, "admins", b, ctx)
		case "metrics":
			c, diags := b.Body.Content(metricsSchema)
			l.add(diags)
			e := eval("metrics.listen", c.Attributes["listen"])
			if s := l.str(&e); e.st == present {
				if _, _, err := net.SplitHostPort(s); err != nil {
					l.errorf(e.rng, "Invalid listen address",
						"metrics.listen is HOST:PORT, such as \"127.0.0.1:9464\": %s.", err)
				}
				d.MetricsListen = s
			}
		}
	}
	return d
}

// oneOf checks a string attribute against its allowed values.
func (l *loader) oneOf(e *evaluated, def string, allowed ...string) string {
	s := l.str(e)
	if e.st != present {
		return def
	}
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	l.errorf(e.rng, "Invalid "+e.name, "%s is not one of %s.", quoted(e, s), quoteList(allowed))
	e.st = failed
	return def
}

func quoteList(ss []string) string {
	out := ""
	for i, s := range ss {
		switch {
		case i == 0:
		case i == len(ss)-1:
			out += " or "
		default:
			out += ", "
		}
		out += `"` + s + `"`
	}
	return out
}

// absolute requires an absolute path.
func (l *loader) absolute(e *evaluated, p string) string {
	if e.st != present {
		return ""
	}
	if !filepath.IsAbs(p) {
		l.errorf(e.rng, "Relative path", "%q must be an absolute path: the daemon's working directory is not the configuration's.", e.name)
		e.st = failed
		return p
	}
	return filepath.Clean(p)
}

// principals decodes a users/groups block (readers, admins), recording
// where each name was written for CheckPrincipals.
func (l *loader) principals(cfg *Config, where string, b *hcl.Block, ctx *hcl.EvalContext) Principals {
	c, diags := b.Body.Content(principalsSchema)
	l.add(diags)
	var p Principals
	for _, kind := range []string{"users", "groups"} {
		e := l.evaluate(c.Attributes[kind], ctx)
		p.sensitive = p.sensitive || e.sensitive
		names := l.strList(&e)
		for _, n := range names {
			if n == "" {
				l.errorf(e.rng, "Invalid name", "%s.%s may not contain an empty name.", where, kind)
			}
			cfg.principals = append(cfg.principals, principalRef{group: kind == "groups", name: n, rng: e.rng, where: where})
		}
		if kind == "users" {
			p.Users = names
		} else {
			p.Groups = names
		}
	}
	return p
}
