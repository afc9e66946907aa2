package config

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/swaykeep/swaykeep/config/secret"
)

// maxSnippetLines caps the source lines shown for one diagnostic.
const maxSnippetLines = 6

const (
	ansiReset     = "\x1b[0m"
	ansiBoldRed   = "\x1b[1;31m"
	ansiBoldYel   = "\x1b[1;33m"
	ansiBold      = "\x1b[1m"
	ansiUnderline = "\x1b[4m"
)

// WriteDiagnostics renders r.Diagnostics Terraform-style:
//
//	Error: Unsupported argument
//
//	  on dir/bad.hcl line 5 (dir/bad.hcl:5:3), in account "x":
//	     5:   colour = "red"
//	          ^^^^^^
//
//	An argument named "colour" is not expected here.
//
// It never prints a secret (DESIGN.md §2): it shows only the subject's own
// lines (never a neighbouring line with a literal password), never the
// values of the variables an expression refers to (HCL's writer would),
// blanks a literal on a password line, and replaces every secret value
// known at load with "(sensitive)". Output is deterministic.
func (r *Result) WriteDiagnostics(w io.Writer, color bool) error {
	bw := bufio.NewWriter(w)
	for _, d := range r.Diagnostics {
		var buf bytes.Buffer
		r.writeOne(&buf, d, color)
		if _, err := bw.WriteString(r.scrub(buf.String())); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// scrub replaces every secret known at load with "(sensitive)".
func (r *Result) scrub(text string) string {
	for _, s := range r.secrets {
		text = strings.ReplaceAll(text, s, secret.Redacted)
	}
	return text
}

func (r *Result) writeOne(buf *bytes.Buffer, d *hcl.Diagnostic, color bool) {
	label, on := "Error: ", ansiBoldRed
	if d.Severity == hcl.DiagWarning {
		label, on = "Warning: ", ansiBoldYel
	}
	if color {
		fmt.Fprintf(buf, "%s%s%s%s%s\n\n", on, label, ansiReset+ansiBold, d.Summary, ansiReset)
	} else {
		fmt.Fprintf(buf, "%s%s\n\n", label, d.Summary)
	}
	if s := d.Subject; s != nil && s.Filename != "" {
		fmt.Fprintf(buf, "  on %s line %d (%s:%d:%d)", s.Filename, s.Start.Line, s.Filename, s.Start.Line, s.Start.Column)
		if c := r.contextString(s); c != "" {
			fmt.Fprintf(buf, ", in %s", c)
		}
		buf.WriteString(":\n")
		r.writeSnippet(buf, s, color)
		buf.WriteString("\n")
	}
	if d.Detail != "" {
		fmt.Fprintf(buf, "%s\n\n", d.Detail)
	}
}

// contextString names the top-level block holding the subject:
// `account "alpha"`, `defaults`.
func (r *Result) contextString(s *hcl.Range) string {
	f := r.hclFiles[s.Filename]
	if f == nil {
		return ""
	}
	if cs, ok := f.Nav.(interface{ ContextString(int) string }); ok {
		return cs.ContextString(s.Start.Byte)
	}
	return ""
}

// writeSnippet prints the subject's own lines, numbered, with the subject
// underlined (color) or marked with carets (a single-line subject).
func (r *Result) writeSnippet(buf *bytes.Buffer, s *hcl.Range, color bool) {
	src, ok := r.sources[s.Filename]
	if !ok {
		return
	}
	lines := bytes.SplitAfter(src, []byte("\n"))
	last := s.End.Line
	if last > s.Start.Line && s.End.Column == 1 {
		last-- // a range ending at the start of a line does not cover it
	}
	if last-s.Start.Line >= maxSnippetLines {
		last = s.Start.Line + maxSnippetLines - 1
	}
	offset := 0 // byte offset of the current line
	for n := 1; n <= len(lines) && n <= last; n++ {
		raw := strings.TrimRight(string(lines[n-1]), "\r\n")
		start := offset
		offset += len(lines[n-1])
		if n < s.Start.Line {
			continue
		}
		line := redactPasswordLine(raw)
		switch r.unparsed[s.Filename] {
		case unparsedVarFile: // every value may be a sensitive variable's
			line = redactLiterals(line)
		case unparsedConfig: // a sensitive variable's default may be secret
			line = defaultLine.ReplaceAllString(line, `$1"`+secret.Redacted+`"`)
		}
		// A line holding a secret is shown scrubbed and unmarked: a colour
		// escape inside the secret would keep it from being found.
		scrubbed := r.scrub(line)
		from, to := 0, len(line)
		if n == s.Start.Line {
			from = min(max(s.Start.Byte-start, 0), len(line))
		}
		if n == s.End.Line {
			to = min(max(s.End.Byte-start, from), len(line))
		}
		switch {
		case scrubbed != line:
			fmt.Fprintf(buf, "%4d: %s\n", n, scrubbed)
		case color && to > from:
			fmt.Fprintf(buf, "%4d: %s%s%s%s\n", n, line[:from], ansiUnderline, line[from:to], ansiReset+line[to:])
		default:
			fmt.Fprintf(buf, "%4d: %s\n", n, line)
		}
		if !color && s.Start.Line == s.End.Line && to > from && scrubbed == line {
			fmt.Fprintf(buf, "      %s%s\n", indentLike(line[:from]), strings.Repeat("^", to-from))
		}
	}
}

// indentLike keeps tabs, so carets line up under tab-indented source.
func indentLike(prefix string) string {
	var b strings.Builder
	for _, c := range prefix {
		if c == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// passwordLine finds a string literal assigned to password, in native or
// JSON syntax, terminated or not (a broken string is exactly the error
// whose snippet would show it).
var passwordLine = regexp.MustCompile(`("?password"?\s*[=:]\s*)"(?:[^"\\]|\\.)*"?`)

// redactPasswordLine blanks the literal of a password line. Secrets known
// at load are scrubbed anyway; this covers the ones a parse error stops us
// from learning.
func redactPasswordLine(line string) string {
	return passwordLine.ReplaceAllString(line, `$1"`+secret.Redacted+`"`)
}

// unparsedKind says what a file that did not parse is.
type unparsedKind int

const (
	parsedOK unparsedKind = iota
	unparsedConfig
	unparsedVarFile
)

// defaultLine finds a string literal assigned to default (a variable's),
// in native or JSON syntax, terminated or not.
var defaultLine = regexp.MustCompile(`("?default"?\s*[=:]\s*)"(?:[^"\\]|\\.)*"?`)

// stringLiteral is a quoted string, terminated or not.
var stringLiteral = regexp.MustCompile(`"(?:[^"\\]|\\.)*"?`)

// redactLiterals blanks every string literal of a line of a file that did
// not parse: a sensitive variable's default or a variables file's value may
// be a secret, and a file that does not parse tells us nothing about which.
func redactLiterals(line string) string {
	return stringLiteral.ReplaceAllString(line, `"`+secret.Redacted+`"`)
}

// WriteSourceDiagnostics renders diagnostics about one file's source, such
// as FormatFile's parse errors, as WriteDiagnostics does.
func WriteSourceDiagnostics(w io.Writer, diags hcl.Diagnostics, filename string, src []byte, color bool) error {
	r := &Result{Diagnostics: diags, sources: map[string][]byte{filename: src}}
	return r.WriteDiagnostics(w, color)
}
