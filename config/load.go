package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// Result is the outcome of one Load.
type Result struct {
	// Config is the loaded configuration; nil when Diagnostics.HasErrors().
	Config *Config
	// Diagnostics holds every error and warning, each pointing at the
	// offending attribute or block where there is one.
	Diagnostics hcl.Diagnostics
	// Files lists the absolute path of every file read or tried: config
	// files, -var-files, file() and credential() targets, missing ones too,
	// even when loading failed. The daemon watches their directories.
	Files []string

	// sources holds each file's bytes by the name diagnostics use, for
	// rendering snippets.
	sources  map[string][]byte
	hclFiles map[string]*hcl.File
	// unparsed names the files that did not parse: which of their values
	// are secret is unknown, so their snippets hide the literals that may be.
	unparsed map[string]unparsedKind
	// secrets holds every secret value known at load, scrubbed from
	// rendered diagnostics.
	secrets []string
}

// Load reads, evaluates and validates the configuration src names. It reads
// only through src and has no other side effect, so the daemon, validate,
// plan and the tests share it.
func Load(src Source) *Result {
	l := newLoader(src)
	cfg := l.load()
	// In source order, as a reader goes through the files; diagnostics
	// without a place (unreadable files, -var options) first.
	sort.SliceStable(l.diags, func(i, j int) bool {
		a, b := l.diags[i].Subject, l.diags[j].Subject
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		case a.Filename != b.Filename:
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
	r := &Result{Diagnostics: l.diags, sources: l.sources, unparsed: l.unparsed, hclFiles: map[string]*hcl.File{}}
	for _, pf := range l.parsed {
		r.hclFiles[pf.name] = pf.file
	}
	if !l.diags.HasErrors() {
		r.Config = cfg
	}
	seen := map[string]bool{}
	for _, f := range l.files {
		if !seen[f] {
			seen[f] = true
			r.Files = append(r.Files, f)
		}
	}
	sort.Strings(r.Files)
	for s := range l.secrets {
		r.secrets = append(r.secrets, s)
	}
	// Longest first, so a secret containing another is scrubbed whole.
	sort.Slice(r.secrets, func(i, j int) bool {
		if len(r.secrets[i]) != len(r.secrets[j]) {
			return len(r.secrets[i]) > len(r.secrets[j])
		}
		return r.secrets[i] < r.secrets[j]
	})
	return r
}

// loader is the state of one Load.
type loader struct {
	src      Source
	diags    hcl.Diagnostics
	seen     map[string]bool // diagnostics already reported, to drop repeats
	files    []string
	sources  map[string][]byte
	unparsed map[string]unparsedKind // files with syntax errors
	overlay  map[string][]byte       // Source.Files by absolute path
	base     string                  // the overlay's directory when Path is a file
	secrets  map[string]struct{}

	parsed []*parsedFile
	vars   map[string]cty.Value
	// varInputs holds each variable's value as given, before conversion.
	varInputs map[string]cty.Value
	locals    map[string]cty.Value
	funcs     map[string]map[string]function.Function // by directory
	defaults  *defaultsBlock

	localsDone bool
	contexts   map[string]*hcl.EvalContext // by directory, once locals are done

	logins     []loginRef
	tokenPaths []tokenRef
}

// parsedFile is one configuration file and its top-level content.
type parsedFile struct {
	name    string // as diagnostics show it
	dir     string // for file()'s relative paths
	file    *hcl.File
	content *hcl.BodyContent
}

func newLoader(src Source) *loader {
	if src.ReadFile == nil {
		src.ReadFile = os.ReadFile
	}
	if src.ReadDir == nil {
		src.ReadDir = os.ReadDir
	}
	if src.Getenv == nil {
		src.Getenv = func(string) (string, bool) { return "", false }
	}
	l := &loader{
		src:       src,
		seen:      map[string]bool{},
		sources:   map[string][]byte{},
		unparsed:  map[string]unparsedKind{},
		secrets:   map[string]struct{}{},
		vars:      map[string]cty.Value{},
		varInputs: map[string]cty.Value{},
		locals:    map[string]cty.Value{},
		funcs:     map[string]map[string]function.Function{},
		contexts:  map[string]*hcl.EvalContext{},
	}
	if src.Files != nil {
		l.overlay = map[string][]byte{}
		if isConfigFile(src.Path) {
			// Path names one file: relative names are beside it.
			l.base = filepath.Dir(src.Path)
		}
		for name, b := range src.Files {
			l.overlay[absPath(l.join(name))] = b
		}
	}
	return l
}

func (l *loader) load() *Config {
	if !l.parseFiles() {
		return nil
	}
	l.decodeVariables()
	l.decodeLocals()
	l.harvestPasswords()
	cfg := &Config{}
	cfg.Daemon = l.decodeDaemon(cfg)
	l.decodeDefaults()
	cfg.Accounts = l.decodeAccounts(cfg)
	l.checkAccounts(cfg.Accounts)
	return cfg
}

// join resolves a name relative to Source.Path's directory (Path itself
// when it is a directory, which only the overlay and directory listing know).
func (l *loader) join(name string) string {
	if filepath.IsAbs(name) {
		return filepath.Clean(name)
	}
	if l.base != "" {
		return filepath.Join(l.base, name)
	}
	return filepath.Join(l.src.Path, name)
}

func absPath(name string) string {
	if a, err := filepath.Abs(name); err == nil {
		return a
	}
	return name
}

// read reads one file through the overlay or Source.ReadFile, recording it
// in Result.Files whether or not it exists.
func (l *loader) read(name string) ([]byte, error) {
	abs := absPath(name)
	l.files = append(l.files, abs)
	if l.overlay != nil {
		if b, ok := l.overlay[abs]; ok {
			return b, nil
		}
	}
	return l.src.ReadFile(name)
}

// parse parses a file's bytes, HCL's JSON syntax for a .json name, and
// keeps them for diagnostics; a file that does not parse is remembered as
// kind, so its snippets hide what may be secret.
func (l *loader) parse(name string, b []byte, kind unparsedKind) (*hcl.File, hcl.Diagnostics) {
	l.sources[name] = b
	var f *hcl.File
	var d hcl.Diagnostics
	if strings.HasSuffix(name, ".json") {
		f, d = hcljson.Parse(b, name)
	} else {
		f, d = hclsyntax.ParseConfig(b, name, hcl.InitialPos)
	}
	l.add(d)
	if d.HasErrors() {
		l.unparsed[name] = kind
	}
	return f, d
}

// isConfigFile reports whether a directory entry is part of the configuration.
func isConfigFile(name string) bool {
	base := filepath.Base(name)
	if strings.HasPrefix(base, ".") { // editor swap and backup files
		return false
	}
	return strings.HasSuffix(base, ".hcl") || strings.HasSuffix(base, ".hcl.json")
}

// configFiles lists the configuration's files by display name.
func (l *loader) configFiles() ([]string, bool) {
	var names []string
	if l.src.Files != nil {
		for name := range l.src.Files {
			if isConfigFile(name) {
				names = append(names, l.join(name))
			}
		}
	} else if entries, err := l.src.ReadDir(l.src.Path); err == nil {
		// The directory itself is read: a file added to it is a change.
		l.files = append(l.files, absPath(l.src.Path))
		for _, e := range entries {
			if !e.IsDir() && isConfigFile(e.Name()) {
				names = append(names, filepath.Join(l.src.Path, e.Name()))
			}
		}
		if len(names) == 0 {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "No configuration files",
				Detail:   fmt.Sprintf("The directory %q holds no *.hcl or *.hcl.json file.", l.src.Path),
			})
			return nil, false
		}
	} else {
		names = []string{l.src.Path}
	}
	sort.Strings(names)
	return names, true
}

func (l *loader) parseFiles() bool {
	names, ok := l.configFiles()
	if !ok {
		return false
	}
	for _, name := range names {
		b, err := l.read(name)
		if err != nil {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cannot read configuration",
				Detail:   fmt.Sprintf("Reading %q: %s.", name, describeReadError(err)),
			})
			continue
		}
		f, _ := l.parse(name, b, unparsedConfig)
		if f == nil {
			continue
		}
		l.parsed = append(l.parsed, &parsedFile{name: name, dir: filepath.Dir(name), file: f})
	}
	if l.diags.HasErrors() {
		// A file that does not parse gives nothing useful to evaluate, and
		// its half-read blocks would only add confusing errors.
		return false
	}
	for _, pf := range l.parsed {
		c, d := pf.file.Body.Content(rootSchema)
		l.add(d)
		pf.content = c
	}
	return true
}

// describeReadError says why a file could not be read without repeating
// its name.
func describeReadError(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file or directory"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// add records diagnostics, stripping what would let HCL's own writer print
// variable values (Expression, EvalContext) and dropping exact repeats
// (a defaults attribute is evaluated once per account).
func (l *loader) add(diags hcl.Diagnostics) {
	for _, d := range diags {
		d.Expression = nil
		d.EvalContext = nil
		key := fmt.Sprintf("%d|%s|%s|%v", d.Severity, d.Summary, d.Detail, d.Subject)
		if l.seen[key] {
			continue
		}
		l.seen[key] = true
		l.diags = append(l.diags, d)
	}
}

// errorf records an error diagnostic on rng.
func (l *loader) errorf(rng hcl.Range, summary, format string, args ...any) {
	l.add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng.Ptr()}})
}

// warnf records a warning diagnostic on rng.
func (l *loader) warnf(rng hcl.Range, summary, format string, args ...any) {
	l.add(hcl.Diagnostics{{Severity: hcl.DiagWarning, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng.Ptr()}})
}

// blocks returns every top-level block of a type across files, in file
// order, with the file each came from.
func (l *loader) blocks(typ string) []fileBlock {
	var out []fileBlock
	for _, pf := range l.parsed {
		if pf.content == nil {
			continue
		}
		for _, b := range pf.content.Blocks {
			if b.Type == typ {
				out = append(out, fileBlock{pf, b})
			}
		}
	}
	return out
}

type fileBlock struct {
	file  *parsedFile
	block *hcl.Block
}

// single returns the only block of a type, reporting every extra one.
func (l *loader) single(typ string) *fileBlock {
	bs := l.blocks(typ)
	if len(bs) == 0 {
		return nil
	}
	for _, b := range bs[1:] {
		l.errorf(b.block.DefRange, fmt.Sprintf("Duplicate %s block", typ),
			"Only one %s block is allowed across all files; the first is at %s.", typ, where(bs[0].block.DefRange))
	}
	return &bs[0]
}

// where renders a range as "FILE line N" for a diagnostic's detail.
func where(r hcl.Range) string {
	return fmt.Sprintf("%s line %d", r.Filename, r.Start.Line)
}
