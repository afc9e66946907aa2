package config

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// sensitiveMark marks a cty value as secret: a password, a value from env(),
// file() or credential(), or a sensitive variable. Marks follow a value
// through every expression, so whatever is derived from a secret is secret.
type markKind string

const sensitiveMark markKind = "sensitive"

// stdlibFuncs are go-cty's standard functions under Terraform's names.
var stdlibFuncs = map[string]function.Function{
	"abs": stdlib.AbsoluteFunc, "ceil": stdlib.CeilFunc, "chomp": stdlib.ChompFunc,
	"chunklist": stdlib.ChunklistFunc, "coalesce": stdlib.CoalesceFunc,
	"coalescelist": stdlib.CoalesceListFunc, "compact": stdlib.CompactFunc,
	"concat": stdlib.ConcatFunc, "contains": stdlib.ContainsFunc, "distinct": stdlib.DistinctFunc,
	"element": stdlib.ElementFunc, "flatten": stdlib.FlattenFunc, "floor": stdlib.FloorFunc,
	"format": stdlib.FormatFunc, "formatlist": stdlib.FormatListFunc, "indent": stdlib.IndentFunc,
	"join": stdlib.JoinFunc, "jsondecode": stdlib.JSONDecodeFunc, "jsonencode": stdlib.JSONEncodeFunc,
	"keys": stdlib.KeysFunc, "length": stdlib.LengthFunc, "lookup": stdlib.LookupFunc,
	"lower": stdlib.LowerFunc, "max": stdlib.MaxFunc, "merge": stdlib.MergeFunc, "min": stdlib.MinFunc,
	"parseint": stdlib.ParseIntFunc, "range": stdlib.RangeFunc, "regex": stdlib.RegexFunc,
	"regexall": stdlib.RegexAllFunc, "regex_replace": stdlib.RegexReplaceFunc,
	"replace": stdlib.ReplaceFunc, "reverse": stdlib.ReverseListFunc,
	"setintersection": stdlib.SetIntersectionFunc, "setproduct": stdlib.SetProductFunc,
	"setsubtract": stdlib.SetSubtractFunc, "setunion": stdlib.SetUnionFunc,
	"slice": stdlib.SliceFunc, "sort": stdlib.SortFunc, "split": stdlib.SplitFunc,
	"strrev": stdlib.ReverseFunc, "substr": stdlib.SubstrFunc, "title": stdlib.TitleFunc,
	"trim": stdlib.TrimFunc, "trimprefix": stdlib.TrimPrefixFunc, "trimspace": stdlib.TrimSpaceFunc,
	"trimsuffix": stdlib.TrimSuffixFunc, "upper": stdlib.UpperFunc, "values": stdlib.ValuesFunc,
	"zipmap":   stdlib.ZipmapFunc,
	"tostring": stdlib.MakeToFunc(cty.String), "tonumber": stdlib.MakeToFunc(cty.Number),
	"tobool": stdlib.MakeToFunc(cty.Bool),
	"tolist": stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
	"toset":  stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
	"tomap":  stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
}

// functions returns the function table for expressions written in a file
// of directory dir: file() resolves relative paths from there.
func (l *loader) functions(dir string) map[string]function.Function {
	if fns, ok := l.funcs[dir]; ok {
		return fns
	}
	fns := make(map[string]function.Function, len(stdlibFuncs)+3)
	for name, f := range stdlibFuncs {
		fns[name] = f
	}
	fns["env"] = l.envFunc()
	fns["file"] = l.fileFunc(dir)
	fns["credential"] = l.credentialFunc()
	l.funcs[dir] = fns
	return fns
}

// secret marks a string as sensitive and remembers it for scrubbing.
func (l *loader) secret(s string) cty.Value {
	l.remember(s)
	return cty.StringVal(s).Mark(sensitiveMark)
}

// remember adds a secret to the set scrubbed from rendered diagnostics.
// Strings under four bytes are not scrubbed: replacing every "eu" or "1"
// in a message would garble it while protecting nothing real.
func (l *loader) remember(s string) {
	if len(s) >= 4 {
		l.secrets[s] = struct{}{}
	}
}

// rememberValue remembers every string inside v.
func (l *loader) rememberValue(v cty.Value) {
	v, _ = v.UnmarkDeep()
	if !v.IsWhollyKnown() || v.IsNull() {
		return
	}
	_ = cty.Walk(v, func(_ cty.Path, e cty.Value) (bool, error) {
		if e.IsKnown() && !e.IsNull() && e.Type() == cty.String {
			l.remember(e.AsString())
		}
		return true, nil
	})
}

// env(name) and env(name, default): an environment variable through
// Source.Getenv. The value is secret (DESIGN.md §2).
func (l *loader) envFunc() function.Function {
	return function.New(&function.Spec{
		Description: "Returns the value of an environment variable.",
		Params:      []function.Parameter{{Name: "name", Type: cty.String}},
		VarParam:    &function.Parameter{Name: "default", Type: cty.String},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if len(args) > 2 {
				return cty.NilVal, fmt.Errorf("env takes a name and at most one default, got %d arguments", len(args))
			}
			name := args[0].AsString()
			if v, ok := l.src.Getenv(name); ok {
				return l.secret(v), nil
			}
			if len(args) == 2 {
				return l.secret(args[1].AsString()), nil
			}
			return cty.NilVal, fmt.Errorf("environment variable %q is not set; give a default as env(%q, \"...\")", name, name)
		},
	})
}

// file(path): a file's content without one trailing newline, a relative
// path taken from the calling file's directory. The value is secret.
func (l *loader) fileFunc(dir string) function.Function {
	return function.New(&function.Spec{
		Description: "Reads a file, relative to the directory of the file that calls it.",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := args[0].AsString()
			if p == "" {
				return cty.NilVal, errors.New("the path is empty")
			}
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			b, err := l.read(p)
			if err != nil {
				return cty.NilVal, fmt.Errorf("read %q: %s", p, describeReadError(err))
			}
			return l.secret(dropNewline(string(b))), nil
		},
	})
}

// credential(name): a systemd credential from Source.CredentialsDir, as
// NAME or swaykeep_NAME (the name systemd gives a file of a credential
// directory). The value is secret.
func (l *loader) credentialFunc() function.Function {
	return function.New(&function.Spec{
		Description: "Reads a systemd credential.",
		Params:      []function.Parameter{{Name: "name", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			name := args[0].AsString()
			if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
				return cty.NilVal, fmt.Errorf("invalid credential name %q: a plain file name is required", name)
			}
			dir := l.src.CredentialsDir
			if dir == "" {
				return cty.NilVal, fmt.Errorf("no credentials directory for credential %q: $CREDENTIALS_DIRECTORY is unset (by hand, pass -credentials-dir)", name)
			}
			var firstErr error
			for _, n := range []string{name, "swaykeep_" + name} {
				b, err := l.read(filepath.Join(dir, n))
				if err == nil {
					return l.secret(dropNewline(string(b))), nil
				}
				if firstErr == nil || !errors.Is(err, fs.ErrNotExist) {
					firstErr = err
				}
			}
			return cty.NilVal, fmt.Errorf("credential %q not found in %q (nor as swaykeep_%s): %s", name, dir, name, describeReadError(firstErr))
		},
	})
}

// dropNewline drops one trailing newline ("\n" or "\r\n"), which editors
// and `echo` add to secret files.
func dropNewline(s string) string {
	if strings.HasSuffix(s, "\r\n") {
		return s[:len(s)-2]
	}
	return strings.TrimSuffix(s, "\n")
}
