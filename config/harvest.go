package config

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// harvestPasswords remembers, before any account is evaluated, every string
// a password expression could be made of: its literals, the locals and
// variables it refers to (their values, and the literals of the locals'
// expressions, in case evaluating them failed), and the for_each values
// behind each.value. An error anywhere in an account (a wrong arity, a
// wrong type, a bad for_each) then cannot show the password in a snippet
// or message, although the password itself was never evaluated.
func (l *loader) harvestPasswords() {
	h := harvester{l: l, locals: map[string]*hcl.Attribute{}, seen: map[string]bool{}}
	for _, fb := range l.blocks("locals") {
		attrs, _ := fb.block.Body.JustAttributes()
		for name, a := range attrs {
			if _, dup := h.locals[name]; !dup {
				h.locals[name] = a
			}
		}
	}
	for _, fb := range l.blocks("account") {
		c, _, _ := fb.block.Body.PartialContent(accountBlockSchema)
		if a := c.Attributes["password"]; a != nil {
			h.dir = fb.file.dir
			h.expr(a.Expr, c.Attributes["for_each"])
		}
	}
	for _, fb := range l.blocks("defaults") {
		c, _, _ := fb.block.Body.PartialContent(defaultsSchema)
		if a := c.Attributes["password"]; a != nil {
			h.expr(a.Expr, nil)
		}
	}
}

type harvester struct {
	l      *loader
	locals map[string]*hcl.Attribute
	seen   map[string]bool // locals already harvested
	dir    string          // of the account being harvested
}

// expr harvests one expression; forEach is the account's for_each, for
// references to each.
func (h *harvester) expr(expr hcl.Expression, forEach *hcl.Attribute) {
	h.literals(expr)
	for _, t := range expr.Variables() {
		switch t.RootName() {
		case "local":
			if name := attrName(t); name != "" && !h.seen[name] {
				h.seen[name] = true
				if v, ok := h.l.locals[name]; ok {
					h.l.rememberValue(v)
				}
				if a := h.locals[name]; a != nil {
					h.expr(a.Expr, nil)
				}
			}
		case "var":
			if v, ok := h.l.vars[attrName(t)]; ok {
				h.l.rememberValue(v)
			}
			// The value as given, should converting it have failed.
			if v, ok := h.l.varInputs[attrName(t)]; ok {
				h.l.rememberValue(v)
			}
		case "each":
			if forEach != nil {
				h.forEachValues(forEach.Expr)
			}
		}
	}
}

func attrName(t hcl.Traversal) string {
	if len(t) < 2 {
		return ""
	}
	if a, ok := t[1].(hcl.TraverseAttr); ok {
		return a.Name
	}
	return ""
}

// literals remembers the string literals of an expression, except the
// names and paths given to env(), file() and credential(), which are not
// secret and which diagnostics about those calls must show.
func (h *harvester) literals(expr hcl.Expression) {
	syn, ok := expr.(hclsyntax.Expression)
	if !ok {
		// JSON syntax: a password is a string template; without references
		// it evaluates to the literal.
		if v, diags := expr.Value(nil); !diags.HasErrors() {
			h.l.rememberValue(v)
		}
		return
	}
	skip := map[hclsyntax.Node]bool{}
	hclsyntax.VisitAll(syn, func(n hclsyntax.Node) hcl.Diagnostics {
		call, ok := n.(*hclsyntax.FunctionCallExpr)
		if !ok {
			return nil
		}
		switch call.Name {
		case "env", "file", "credential":
		default:
			return nil
		}
		// Only the name or path: env's default, or a stray extra argument
		// (a wrong arity), may well be the password.
		for _, a := range call.Args[:min(len(call.Args), 1)] {
			hclsyntax.VisitAll(a, func(n hclsyntax.Node) hcl.Diagnostics {
				skip[n] = true
				return nil
			})
		}
		return nil
	})
	hclsyntax.VisitAll(syn, func(n hclsyntax.Node) hcl.Diagnostics {
		if lit, ok := n.(*hclsyntax.LiteralValueExpr); ok && !skip[n] {
			h.l.rememberValue(lit.Val)
		}
		return nil
	})
}

// forEachValues remembers the values (not the keys, which are account
// names) that each.value can take.
func (h *harvester) forEachValues(expr hcl.Expression) {
	v, diags := expr.Value(h.l.evalContext(h.dir))
	if !diags.HasErrors() && v.IsWhollyKnown() && !v.IsNull() {
		v, _ = v.UnmarkDeep()
		if ty := v.Type(); ty.IsMapType() || ty.IsObjectType() {
			for it := v.ElementIterator(); it.Next(); {
				_, e := it.Element()
				h.l.rememberValue(e)
			}
		}
		return
	}
	// It does not evaluate: take the literals of its values.
	h.valueLiterals(expr)
}

// valueLiterals harvests the literals of an object constructor's values,
// following references to locals; of anything else, all its literals.
func (h *harvester) valueLiterals(expr hcl.Expression) {
	switch e := expr.(type) {
	case *hclsyntax.ObjectConsExpr:
		for _, item := range e.Items {
			h.literals(item.ValueExpr)
		}
	case *hclsyntax.ScopeTraversalExpr:
		if e.Traversal.RootName() == "local" {
			if a := h.locals[attrName(e.Traversal)]; a != nil && !h.seen["each:"+a.Name] {
				h.seen["each:"+a.Name] = true
				h.valueLiterals(a.Expr)
			}
		}
	default:
		h.literals(expr)
	}
}
