package config

import (
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// state says whether an attribute has a usable value.
type state int

const (
	absent  state = iota // not written, or null: the default applies
	present              // evaluated to a known, non-null value
	failed               // an error was reported (or an earlier one made it unknown)
)

// evaluated is one attribute's value, unmarked, with where it was written.
type evaluated struct {
	name      string
	val       cty.Value
	rng       hcl.Range // the expression's range: the subject of its diagnostics
	sensitive bool      // derived from a secret
	st        state
}

// evaluate evaluates an attribute (nil: absent). A marked value is
// remembered as a secret and unmarked here, the one point where values
// leave cty (marked values make gohcl and conversions panic).
func (l *loader) evaluate(attr *hcl.Attribute, ctx *hcl.EvalContext) evaluated {
	if attr == nil {
		return evaluated{}
	}
	e := evaluated{name: attr.Name, rng: attr.Expr.Range()}
	v, d := attr.Expr.Value(ctx)
	l.add(d)
	if d.HasErrors() {
		e.st = failed
		return e
	}
	if v.ContainsMarked() {
		e.sensitive = true
		l.rememberValue(v)
		v, _ = v.UnmarkDeep()
	}
	switch {
	case !v.IsWhollyKnown():
		// Unknown only when a variable or local it uses already failed,
		// which has its own diagnostic.
		e.st = failed
	case v.IsNull():
		e.st = absent
	default:
		e.val, e.st = v, present
	}
	return e
}

func (l *loader) typeError(e *evaluated, want string) {
	l.errorf(e.rng, "Incorrect attribute value type",
		"Inappropriate value for attribute %q: %s required, got %s.", e.name, want, e.val.Type().FriendlyName())
	e.st = failed
}

// str returns a string attribute (numbers and bools convert, as in Terraform).
func (l *loader) str(e *evaluated) string {
	if e.st != present {
		return ""
	}
	v, err := convert.Convert(e.val, cty.String)
	if err != nil {
		l.typeError(e, "string")
		return ""
	}
	return v.AsString()
}

// strList returns a list-of-strings attribute.
func (l *loader) strList(e *evaluated) []string {
	if e.st != present {
		return nil
	}
	v, err := convert.Convert(e.val, cty.List(cty.String))
	if err != nil || !v.IsWhollyKnown() {
		l.typeError(e, "list of strings")
		return nil
	}
	var out []string
	for _, s := range v.AsValueSlice() {
		if s.IsNull() {
			l.errorf(e.rng, "Invalid value", "The list %q may not contain null.", e.name)
			e.st = failed
			return nil
		}
		out = append(out, s.AsString())
	}
	return out
}

func (l *loader) boolean(e *evaluated, def bool) bool {
	if e.st != present {
		return def
	}
	v, err := convert.Convert(e.val, cty.Bool)
	if err != nil {
		l.typeError(e, "bool")
		return def
	}
	return v.True()
}

func (l *loader) number(e *evaluated, def float64) float64 {
	if e.st != present {
		return def
	}
	v, err := convert.Convert(e.val, cty.Number)
	if err != nil {
		l.typeError(e, "number")
		return def
	}
	f, _ := v.AsBigFloat().Float64()
	return f
}

// quoted shows a value in a diagnostic unless it is secret.
func quoted(e *evaluated, s string) string {
	if e.sensitive {
		return "The value (sensitive)"
	}
	return strconv.Quote(s)
}

// duration parses a positive duration string; with auto, "auto" gives
// PingAuto. Parsed here so the diagnostic points at the attribute.
func (l *loader) duration(e *evaluated, def time.Duration, auto bool) time.Duration {
	if e.st != present {
		return def
	}
	if e.val.Type() == cty.Number {
		l.errorf(e.rng, "Invalid duration",
			"%q is a duration written as a string with a unit, such as %q; a bare number has no unit.", e.name, "30s")
		e.st = failed
		return def
	}
	s := l.str(e)
	if e.st != present {
		return def
	}
	if auto && s == "auto" {
		return PingAuto
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		hint := ""
		if auto {
			hint = ` or "auto"`
		}
		l.errorf(e.rng, "Invalid duration", "%s is not a duration: write a number and a unit, such as \"30s\" or \"5m\"%s.", quoted(e, s), hint)
		e.st = failed
		return def
	}
	if d <= 0 {
		l.errorf(e.rng, "Invalid duration", "%q must be positive.", e.name)
		e.st = failed
		return def
	}
	return d
}

var octalMode = regexp.MustCompile(`^0?[0-7]{3}$`)

// mode parses a permission mode written as an octal string. A bare number
// is refused: HCL reads 0640 as the decimal number 640 (DESIGN.md §2).
func (l *loader) mode(e *evaluated, def fs.FileMode) fs.FileMode {
	if e.st != present {
		return def
	}
	if e.val.Type() == cty.Number {
		l.errorf(e.rng, "Invalid mode",
			"A mode is an octal string: quote it, as in mode = \"0640\". A bare number such as 0640 is the decimal number 640 in HCL, which is not what you meant.")
		e.st = failed
		return def
	}
	s := l.str(e)
	if e.st != present {
		return def
	}
	if !octalMode.MatchString(s) {
		l.errorf(e.rng, "Invalid mode", "%s is not a permission mode: write three or four octal digits, such as \"0640\".", quoted(e, s))
		e.st = failed
		return def
	}
	m, _ := strconv.ParseUint(s, 8, 32)
	return fs.FileMode(m)
}

// fmtMode renders a mode as its octal string.
func fmtMode(m fs.FileMode) string { return fmt.Sprintf("%04o", uint32(m.Perm())) }
