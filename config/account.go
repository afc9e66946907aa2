package config

import (
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/swaykeep/swaykeep/config/secret"
)

// Account defaults (DESIGN.md §2).
const (
	DefaultAPIURL         = "https://api.swaycharts.io/dxsca-web/"
	DefaultDomain         = "default"
	DefaultRequestTimeout = 10 * time.Second
	DefaultTokenFileMode  = fs.FileMode(0o600)
)

// validName is the rule for account labels and for_each keys.
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// defaultsBlock is the decoded defaults block; its attributes and blocks
// are evaluated per account, with account.name in scope.
type defaultsBlock struct {
	file    *parsedFile
	content *hcl.BodyContent
}

func (l *loader) decodeDefaults() {
	fb := l.single("defaults")
	if fb == nil {
		return
	}
	c, d := fb.block.Body.Content(defaultsSchema)
	l.add(d)
	seenReaders := false
	for _, b := range c.Blocks {
		if b.Type == "readers" {
			if seenReaders {
				l.errorf(b.DefRange, "Duplicate readers block", "The defaults block takes one readers block.")
			}
			seenReaders = true
		}
	}
	l.defaults = &defaultsBlock{file: fb.file, content: c}
}

// instance is one account a block declares: the block itself, or one
// for_each element.
type instance struct {
	name string
	each cty.Value // object {key, value}; cty.NilVal without for_each
}

// decodeAccounts decodes every account block and for_each instance.
func (l *loader) decodeAccounts(cfg *Config) []*Account {
	var out []*Account
	labels := map[string]*hcl.Block{}
	for _, fb := range l.blocks("account") {
		label := fb.block.Labels[0]
		if !validName.MatchString(label) {
			l.errorf(fb.block.LabelRanges[0], "Invalid account name",
				"An account name starts with a letter or digit and continues with letters, digits, \"_\" and \"-\".")
			continue
		}
		if first := labels[label]; first != nil {
			l.errorf(fb.block.LabelRanges[0], "Duplicate account",
				"Account %q is also declared at %s; account names are unique across all files.", label, where(first.DefRange))
			continue
		}
		labels[label] = fb.block
		content, d := fb.block.Body.Content(accountBlockSchema)
		l.add(d)
		readers := 0
		for _, b := range content.Blocks {
			if b.Type == "readers" {
				if readers++; readers > 1 {
					l.errorf(b.DefRange, "Duplicate readers block", "An account takes one readers block.")
				}
			}
		}
		for _, inst := range l.instances(fb, content) {
			out = append(out, l.decodeAccount(cfg, fb, content, inst))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// instances expands for_each: a map (or object) or a set of strings makes
// one account per key, named LABEL.KEY. hcl/v2 has no for_each of its own.
func (l *loader) instances(fb fileBlock, content *hcl.BodyContent) []instance {
	label := fb.block.Labels[0]
	attr := content.Attributes["for_each"]
	if attr == nil {
		return []instance{{name: label}}
	}
	rng := attr.Expr.Range()
	v, d := attr.Expr.Value(l.evalContext(fb.file.dir))
	l.add(d)
	switch {
	case d.HasErrors():
		return nil
	case v.IsMarked():
		l.errorf(rng, "Invalid for_each argument",
			"for_each may not be sensitive: its keys become account names, which are shown everywhere.")
		return nil
	case !v.IsWhollyKnown():
		return nil // an error in a variable or local it uses was reported
	case v.IsNull():
		l.errorf(rng, "Invalid for_each argument", "for_each may not be null: give a map or a set of strings.")
		return nil
	}
	ty := v.Type()
	var insts []instance
	switch {
	case ty.IsMapType() || ty.IsObjectType():
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			insts = append(insts, instance{name: k.AsString(), each: cty.ObjectVal(map[string]cty.Value{"key": k, "value": ev})})
		}
	case ty.IsSetType() && ty.ElementType() == cty.String:
		for it := v.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			if ev.IsNull() {
				l.errorf(rng, "Invalid for_each argument", "The set given to for_each may not contain null.")
				return nil
			}
			insts = append(insts, instance{name: ev.AsString(), each: cty.ObjectVal(map[string]cty.Value{"key": ev, "value": ev})})
		}
	case ty.IsListType() || ty.IsTupleType() || ty.IsSetType():
		l.errorf(rng, "Invalid for_each argument",
			"for_each takes a map or a set of strings, not a %s: convert a list of names with toset(...).", ty.FriendlyName())
		return nil
	default:
		l.errorf(rng, "Invalid for_each argument", "for_each takes a map or a set of strings, not a %s.", ty.FriendlyName())
		return nil
	}
	for i := range insts {
		key := insts[i].name
		if !validName.MatchString(key) {
			l.errorf(rng, "Invalid for_each key",
				"The key %q is not a valid name: keys start with a letter or digit and continue with letters, digits, \"_\" and \"-\".", key)
			return nil
		}
		insts[i].name = label + "." + key
	}
	return insts
}

// accountScope is the scope of an account's expressions: the top-level one
// plus account.name and, for a for_each instance, each.key and each.value.
func (l *loader) accountScope(dir string, inst instance) *hcl.EvalContext {
	ctx := l.evalContext(dir).NewChild()
	ctx.Variables = map[string]cty.Value{
		"account": cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal(inst.name)}),
	}
	if inst.each != cty.NilVal {
		ctx.Variables["each"] = inst.each
	}
	return ctx
}

// decodeAccount decodes one instance, inheriting what it does not set from
// defaults.
func (l *loader) decodeAccount(cfg *Config, fb fileBlock, content *hcl.BodyContent, inst instance) *Account {
	a := &Account{Name: inst.name, DeclRange: fb.block.DefRange, sensitive: map[string]bool{"password": true}}
	get := func(name string) evaluated {
		if attr := content.Attributes[name]; attr != nil {
			return l.evaluate(attr, l.accountScope(fb.file.dir, inst))
		}
		if l.defaults != nil {
			if attr := l.defaults.content.Attributes[name]; attr != nil {
				return l.evaluate(attr, l.accountScope(l.defaults.file.dir, inst))
			}
		}
		return evaluated{name: name}
	}
	required := func(e *evaluated) string {
		s := l.str(e)
		switch {
		case e.st == absent:
			l.errorf(fb.block.DefRange, "Missing required argument",
				"Account %q has no %q, and defaults sets none.", inst.name, e.name)
		case e.st == present && s == "":
			l.errorf(e.rng, "Empty "+e.name, "Account %q has an empty %q.", inst.name, e.name)
		}
		if e.sensitive {
			a.sensitive[e.name] = true
		}
		return s
	}

	user := get("username")
	a.Username = required(&user)
	pass := get("password")
	if pass.st == present {
		l.rememberValue(pass.val)
	}
	a.Password = secret.Secret(required(&pass))
	dom := get("domain")
	switch a.Domain = l.str(&dom); {
	case dom.st == absent:
		a.Domain = DefaultDomain
	case dom.st == present && a.Domain == "":
		l.errorf(dom.rng, "Empty domain", "Account %q has an empty \"domain\": leave it out for %q.", inst.name, DefaultDomain)
	}
	api := get("api_url")
	a.APIURL = l.apiURL(&api)
	ca := get("ca_file")
	if s := l.str(&ca); ca.st == present {
		a.CAFile = l.absolute(&ca, s)
	}
	ping := get("ping_interval")
	a.PingInterval = l.duration(&ping, PingAuto, true)
	rt := get("request_timeout")
	a.RequestTimeout = l.duration(&rt, DefaultRequestTimeout, false)
	for _, e := range []evaluated{dom, api, ca, ping, rt} {
		if e.sensitive {
			a.sensitive[e.name] = true
		}
	}

	tokenBlocks, tokenDir := blocksOf(content, "token_file"), fb.file.dir
	readerBlocks, readerDir := blocksOf(content, "readers"), fb.file.dir
	if l.defaults != nil {
		// An account's own blocks replace those of defaults: no merging.
		if len(tokenBlocks) == 0 {
			tokenBlocks, tokenDir = blocksOf(l.defaults.content, "token_file"), l.defaults.file.dir
		}
		if len(readerBlocks) == 0 {
			readerBlocks, readerDir = blocksOf(l.defaults.content, "readers"), l.defaults.file.dir
		}
	}
	for _, b := range tokenBlocks {
		a.TokenFiles = append(a.TokenFiles, l.tokenFile(a, b, l.accountScope(tokenDir, inst)))
	}
	if len(readerBlocks) > 0 {
		a.Readers = l.principals(cfg, fmt.Sprintf("readers of account %q", inst.name), readerBlocks[0], l.accountScope(readerDir, inst))
	}
	l.logins = append(l.logins, loginRef{account: a, rng: user.rng})
	return a
}

func blocksOf(c *hcl.BodyContent, typ string) []*hcl.Block {
	if c == nil {
		return nil
	}
	var out []*hcl.Block
	for _, b := range c.Blocks {
		if b.Type == typ {
			out = append(out, b)
		}
	}
	return out
}

// tokenFile decodes one token_file block.
func (l *loader) tokenFile(a *Account, b *hcl.Block, ctx *hcl.EvalContext) TokenFile {
	c, d := b.Body.Content(tokenFileSchema)
	l.add(d)
	tf := TokenFile{Format: FormatRaw, Mode: DefaultTokenFileMode}
	attr := func(name string) evaluated { return l.evaluate(c.Attributes[name], ctx) }

	p := attr("path")
	if s := l.str(&p); p.st == present {
		tf.Path = l.absolute(&p, s)
		if p.st == present {
			l.tokenPaths = append(l.tokenPaths, tokenRef{account: a.Name, path: tf.Path, rng: p.rng})
		}
	}
	f := attr("format")
	tf.Format = Format(l.oneOf(&f, string(FormatRaw), string(FormatRaw), string(FormatHeader), string(FormatEnv), string(FormatJSON)))
	m := attr("mode")
	tf.Mode = l.mode(&m, tf.Mode)
	if m.st == present {
		switch {
		case tf.Mode&0o002 != 0:
			l.errorf(m.rng, "World-writable token file",
				"Mode %s lets every user replace the token: drop the write bit for others.", fmtMode(tf.Mode))
		case tf.Mode&0o004 != 0:
			l.warnf(m.rng, "World-readable token file",
				"Mode %s lets every user on the host read the token; name who may read it in a readers block instead.", fmtMode(tf.Mode))
		}
	}
	g := attr("group")
	if tf.Group = l.str(&g); g.st == present && tf.Group == "" {
		l.errorf(g.rng, "Empty group", "group may not be empty: leave it out for the daemon's own group.")
	}
	for _, e := range []evaluated{p, f, m, g} {
		if e.sensitive {
			a.sensitive["token_file"] = true
		}
	}
	return tf
}
