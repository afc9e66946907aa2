package config

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// EnvVarPrefix prefixes the environment variables that set variables:
// SWAYKEEP_VAR_name.
const EnvVarPrefix = "SWAYKEEP_VAR_"

// variable is one declared variable.
type variable struct {
	name       string
	decl       hcl.Range
	ty         cty.Type
	sensitive  bool
	def        cty.Value // cty.NilVal: no default
	val        cty.Value // cty.NilVal: not set yet
	setBy      string    // for diagnostics: "SWAYKEEP_VAR_x", "-var", a var file
	setByRange *hcl.Range
	failed     bool // its declaration has an error: no further one about its value
}

// decodeVariables declares the variables and computes their values from,
// in increasing precedence, the default, SWAYKEEP_VAR_name, each -var-file
// and each -var (Terraform's order: later ones win).
func (l *loader) decodeVariables() {
	vars := map[string]*variable{}
	var order []string
	for _, fb := range l.blocks("variable") {
		v := l.declareVariable(fb.block)
		if v == nil {
			continue
		}
		if first, dup := vars[v.name]; dup {
			l.errorf(fb.block.LabelRanges[0], "Duplicate variable",
				"Variable %q is also declared at %s.", v.name, where(first.decl))
			continue
		}
		vars[v.name] = v
		order = append(order, v.name)
	}
	sort.Strings(order)

	for _, name := range order {
		v := vars[name]
		if raw, ok := l.src.Getenv(EnvVarPrefix + name); ok {
			l.setRaw(v, raw, EnvVarPrefix+name)
		}
	}
	for _, vf := range l.src.VarFiles {
		l.readVarFile(vf, vars)
	}
	for _, arg := range l.src.Vars {
		name, raw, found := strings.Cut(arg, "=")
		if !found || name == "" {
			l.add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid -var option",
				Detail: fmt.Sprintf("The -var option %q is not of the form NAME=VALUE.", strings.SplitN(arg, "=", 2)[0])}})
			continue
		}
		v, declared := vars[name]
		if !declared {
			l.add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Value for undeclared variable",
				Detail: fmt.Sprintf("A -var option sets %q, but no variable of that name is declared.", name)}})
			continue
		}
		l.setRaw(v, raw, "-var")
	}

	for _, name := range order {
		v := vars[name]
		val := v.val
		if val == cty.NilVal {
			val = v.def
		}
		if val != cty.NilVal {
			l.varInputs[name] = val
		}
		if v.failed {
			l.vars[name] = cty.DynamicVal
			continue
		}
		if val == cty.NilVal {
			l.errorf(v.decl, "No value for required variable",
				"Variable %q has no default: set it with -var, -var-file or %s%s.", name, EnvVarPrefix, name)
			l.vars[name] = cty.DynamicVal
			continue
		}
		cv, err := convert.Convert(val, v.ty)
		if err != nil {
			subject := v.decl
			if v.setByRange != nil {
				subject = *v.setByRange
			}
			l.errorf(subject, "Invalid value for variable",
				"The value of var.%s set by %s is unsuitable: %s.", name, v.setBy, err)
			l.vars[name] = cty.DynamicVal
			continue
		}
		if v.sensitive {
			l.rememberValue(cv)
			cv = cv.Mark(sensitiveMark)
		}
		l.vars[name] = cv
	}
}

func (l *loader) declareVariable(b *hcl.Block) *variable {
	name := b.Labels[0]
	if !hclsyntax.ValidIdentifier(name) {
		l.errorf(b.LabelRanges[0], "Invalid variable name",
			"A variable name starts with a letter and continues with letters, digits, underscores and dashes.")
		return nil
	}
	content, d := b.Body.Content(variableSchema)
	l.add(d)
	v := &variable{name: name, decl: b.DefRange, ty: cty.DynamicPseudoType, setBy: "its default"}
	if a := content.Attributes["type"]; a != nil {
		ty, d := typeexpr.TypeConstraint(a.Expr)
		l.add(d)
		if d.HasErrors() {
			v.failed = true
		} else {
			v.ty = ty
		}
	}
	if a := content.Attributes["sensitive"]; a != nil {
		e := l.evaluate(a, nil)
		v.sensitive = l.boolean(&e, false)
	}
	if a := content.Attributes["description"]; a != nil {
		e := l.evaluate(a, nil)
		l.str(&e)
	}
	if a := content.Attributes["default"]; a != nil {
		def, d := a.Expr.Value(nil)
		l.add(d)
		v.failed = v.failed || d.HasErrors()
		if !d.HasErrors() && !def.IsNull() {
			if v.sensitive {
				l.rememberValue(def)
			}
			if _, err := convert.Convert(def, v.ty); err != nil {
				l.errorf(a.Expr.Range(), "Invalid default value for variable",
					"The default of var.%s does not suit its type: %s.", name, err)
				v.failed = true
			} else {
				v.def = def
			}
		}
	}
	return v
}

// setRaw sets a variable from a command-line or environment string: the
// raw string for a primitive type (or none), an HCL expression otherwise.
func (l *loader) setRaw(v *variable, raw, by string) {
	if v.sensitive {
		l.remember(raw)
	}
	v.setBy, v.setByRange = by, nil
	if v.ty.IsPrimitiveType() || v.ty == cty.DynamicPseudoType {
		v.val = cty.StringVal(raw)
		return
	}
	expr, d := hclsyntax.ParseExpression([]byte(raw), by+" value for var."+v.name, hcl.InitialPos)
	if !d.HasErrors() {
		var val cty.Value
		val, d = expr.Value(nil)
		if !d.HasErrors() {
			v.val = val
			return
		}
	}
	// The parse diagnostics would point into a pseudo-file; one plain
	// message says which option was wrong without echoing its value.
	l.errorf(v.decl, "Invalid value for variable",
		"The value of var.%s given by %s is not a valid HCL expression for its type %s.", v.name, by, typeexpr.TypeString(v.ty))
	v.val = cty.DynamicVal
}

// readVarFile applies one -var-file: HCL attribute syntax (or JSON for a
// .json file), NAME = VALUE per line.
func (l *loader) readVarFile(name string, vars map[string]*variable) {
	b, err := l.read(name)
	if err != nil {
		l.add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read variables file",
			Detail: fmt.Sprintf("Reading %q: %s.", name, describeReadError(err))}})
		return
	}
	f, d := l.parse(name, b, unparsedVarFile)
	if f == nil || d.HasErrors() {
		return
	}
	attrs, d := f.Body.JustAttributes()
	l.add(d)
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		a := attrs[n]
		v, declared := vars[n]
		if !declared {
			l.warnf(a.NameRange, "Value for undeclared variable",
				"The variables file sets %q, but no variable of that name is declared; it is ignored.", n)
			continue
		}
		val, d := a.Expr.Value(nil)
		l.add(d)
		if v.sensitive && !d.HasErrors() {
			l.rememberValue(val)
		}
		if d.HasErrors() {
			val = cty.DynamicVal
		}
		rng := a.Expr.Range()
		v.val, v.setBy, v.setByRange = val, name, &rng
	}
}
