package config

import (
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// local is one entry of a locals block.
type local struct {
	attr *hcl.Attribute
	file *parsedFile
	deps []string // other locals it refers to, sorted
}

// decodeLocals evaluates every local in dependency order. Members of a
// reference cycle are reported together and left unknown, as is whatever
// depends on them, so no second error follows from the first.
func (l *loader) decodeLocals() {
	all := map[string]*local{}
	for _, fb := range l.blocks("locals") {
		attrs, d := fb.block.Body.JustAttributes()
		l.add(d)
		for name, a := range attrs {
			if first, dup := all[name]; dup {
				l.errorf(a.NameRange, "Duplicate local value",
					"Local %q is also defined at %s.", name, where(first.attr.NameRange))
				continue
			}
			all[name] = &local{attr: a, file: fb.file, deps: localRefs(a.Expr)}
		}
	}
	for _, scc := range stronglyConnected(all) {
		cyclic := len(scc) > 1
		if !cyclic {
			for _, dep := range all[scc[0]].deps {
				cyclic = cyclic || dep == scc[0]
			}
		}
		if cyclic {
			sort.Strings(scc)
			members := make([]string, len(scc))
			for i, n := range scc {
				members[i] = "local." + n
				l.locals[n] = cty.DynamicVal
			}
			first := all[scc[0]].attr
			l.errorf(first.Expr.Range(), "Circular reference between locals",
				"These locals refer to each other, so none can be evaluated: %s.", strings.Join(members, ", "))
			continue
		}
		lc := all[scc[0]]
		v, d := lc.attr.Expr.Value(l.evalContext(lc.file.dir))
		l.add(d)
		if d.HasErrors() {
			v = cty.DynamicVal
		}
		l.locals[scc[0]] = v
	}
	l.localsDone = true
}

// localRefs lists the locals an expression refers to.
func localRefs(expr hcl.Expression) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range expr.Variables() {
		if t.RootName() != "local" || len(t) < 2 {
			continue
		}
		if a, ok := t[1].(hcl.TraverseAttr); ok && !seen[a.Name] {
			seen[a.Name] = true
			out = append(out, a.Name)
		}
	}
	sort.Strings(out)
	return out
}

// stronglyConnected returns the strongly connected components of the
// locals' reference graph (Tarjan), each after every component it depends
// on: an evaluation order. Names are visited sorted, for stable output.
func stronglyConnected(all map[string]*local) [][]string {
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	index := map[string]int{}
	low := map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	var out [][]string
	var visit func(n string)
	visit = func(n string) {
		index[n] = len(index)
		low[n] = index[n]
		stack = append(stack, n)
		onStack[n] = true
		for _, m := range all[n].deps {
			if _, defined := all[m]; !defined {
				continue // HCL reports the unknown local when evaluating
			}
			if _, seen := index[m]; !seen {
				visit(m)
				low[n] = min(low[n], low[m])
			} else if onStack[m] {
				low[n] = min(low[n], index[m])
			}
		}
		if low[n] == index[n] {
			var scc []string
			for {
				m := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[m] = false
				scc = append(scc, m)
				if m == n {
					break
				}
			}
			out = append(out, scc)
		}
	}
	for _, n := range names {
		if _, seen := index[n]; !seen {
			visit(n)
		}
	}
	return out
}

// evalContext is the scope of top-level expressions written in directory
// dir: variables, locals evaluated so far, functions.
func (l *loader) evalContext(dir string) *hcl.EvalContext {
	if ctx, ok := l.contexts[dir]; ok {
		return ctx
	}
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var":   cty.ObjectVal(l.vars),
			"local": cty.ObjectVal(l.locals),
		},
		Functions: l.functions(dir),
	}
	if l.localsDone {
		// Variables and locals are final: one context per directory
		// serves every account.
		l.contexts[dir] = ctx
	}
	return ctx
}
