package main

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/swaykeep/swaykeep/config"
)

// fmtStdin is what `swaykeep fmt -` reads; tests replace it.
var fmtStdin io.Reader = os.Stdin

func runFmt(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("fmt", "[paths...]", `Rewrite configuration files in canonical format, as terraform fmt does.
A directory means every *.hcl file under it; no path, or "-", formats standard
input to standard output. Prints the name of every file it changes.`, stderr)
	check := fs.Bool("check", false, "change nothing: list the files that are not formatted and exit 1 if any")
	diff := fs.Bool("diff", false, "print the changes as a unified diff")
	if err := parseFlags(fs, args); err != nil {
		return flagExit(err)
	}
	paths := fs.Args()
	if len(paths) == 0 {
		paths = []string{"-"}
	}
	status := exitOK
	for _, p := range paths {
		if p == "-" {
			status = max(status, fmtStream(stdout, stderr, *check, *diff))
			continue
		}
		files, err := hclFiles(p)
		if err != nil {
			fmt.Fprintf(stderr, "swaykeep fmt: %v\n", err)
			status = exitFail
			continue
		}
		for _, f := range files {
			status = max(status, fmtFile(f, stdout, stderr, *check, *diff))
		}
	}
	return status
}

// hclFiles lists path itself if it is a file, else every *.hcl file under
// it (hidden directories skipped), sorted.
func hclFiles(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("format %q: %w", path, err)
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	var out []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != path && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".hcl") && !strings.HasPrefix(d.Name(), ".") {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list configuration files under %q: %w", path, err)
	}
	sort.Strings(out)
	return out, nil
}

// fmtStream formats standard input to standard output.
func fmtStream(stdout, stderr io.Writer, check, diff bool) int {
	src, err := io.ReadAll(fmtStdin)
	if err != nil {
		fmt.Fprintf(stderr, "swaykeep fmt: read standard input: %v\n", err)
		return exitFail
	}
	out, ok := formatted(src, "<stdin>", stderr)
	if !ok {
		return exitFail
	}
	changed := !bytes.Equal(src, out)
	switch {
	case diff:
		writeUnifiedDiff(stdout, "<stdin>", src, out)
	case !check:
		stdout.Write(out)
	}
	if check && changed {
		return exitFail
	}
	return exitOK
}

// fmtFile formats one file in place (or only checks it).
func fmtFile(name string, stdout, stderr io.Writer, check, diff bool) int {
	src, err := os.ReadFile(name)
	if err != nil {
		fmt.Fprintf(stderr, "swaykeep fmt: %v\n", err)
		return exitFail
	}
	out, ok := formatted(src, name, stderr)
	if !ok {
		return exitFail
	}
	if bytes.Equal(src, out) {
		return exitOK
	}
	fmt.Fprintln(stdout, name)
	if diff {
		writeUnifiedDiff(stdout, name, src, out)
	}
	if check {
		return exitFail
	}
	if err := writeInPlace(name, out); err != nil {
		fmt.Fprintf(stderr, "swaykeep fmt: %v\n", err)
		return exitFail
	}
	return exitOK
}

func formatted(src []byte, name string, stderr io.Writer) ([]byte, bool) {
	out, diags := config.FormatFile(src, name)
	if diags.HasErrors() {
		config.WriteSourceDiagnostics(stderr, diags, name, src, false)
		return nil, false
	}
	return out, true
}

// writeInPlace replaces a file's content, keeping its mode: a temporary file
// renamed over it, so a crash leaves the old content or the new.
func writeInPlace(name string, b []byte) error {
	st, err := os.Stat(name)
	if err != nil {
		return fmt.Errorf("rewrite %q: %w", name, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".fmt-*")
	if err != nil {
		return fmt.Errorf("rewrite %q: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("rewrite %q: %w", name, err)
	}
	if err := tmp.Chmod(st.Mode().Perm()); err != nil {
		tmp.Close()
		return fmt.Errorf("rewrite %q: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("rewrite %q: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("rewrite %q: %w", name, err)
	}
	return nil
}

// writeUnifiedDiff prints a unified diff of two texts with three lines of
// context, from a longest common subsequence of their lines (config files
// are small; a huge pair falls back to replacing everything).
func writeUnifiedDiff(w io.Writer, name string, a, b []byte) {
	if bytes.Equal(a, b) {
		return
	}
	x, y := splitLines(a), splitLines(b)
	ops := lineDiff(x, y)
	fmt.Fprintf(w, "--- old/%s\n+++ new/%s\n", name, name)
	const ctx = 3
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(i-ctx, 0)
		end := i
		for end < len(ops) { // extend while changes are within 2*ctx
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*ctx {
				end = min(end+ctx, len(ops))
				break
			}
			end = run
		}
		ai, bi, an, bn := ops[start].ai, ops[start].bi, 0, 0
		for _, op := range ops[start:end] {
			if op.kind != '+' {
				an++
			}
			if op.kind != '-' {
				bn++
			}
		}
		fmt.Fprintf(w, "@@ -%d,%d +%d,%d @@\n", ai+1, an, bi+1, bn)
		for _, op := range ops[start:end] {
			fmt.Fprintf(w, "%c%s\n", op.kind, op.text)
		}
		i = end
	}
}

type diffOp struct {
	kind   byte // ' ', '-', '+'
	text   string
	ai, bi int // line index in a and b where this op stands
}

func splitLines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func lineDiff(x, y []string) []diffOp {
	n, m := len(x), len(y)
	if n*m > 4_000_000 {
		var ops []diffOp
		for i, l := range x {
			ops = append(ops, diffOp{'-', l, i, 0})
		}
		for j, l := range y {
			ops = append(ops, diffOp{'+', l, n, j})
		}
		return ops
	}
	// lcs[i][j] is the LCS length of x[i:] and y[j:].
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []diffOp
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && x[i] == y[j]:
			ops = append(ops, diffOp{' ', x[i], i, j})
			i, j = i+1, j+1
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, diffOp{'-', x[i], i, j})
			i++
		default:
			ops = append(ops, diffOp{'+', y[j], i, j})
			j++
		}
	}
	return ops
}
