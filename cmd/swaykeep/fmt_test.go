package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	messy = "account \"a\" {\nusername=\"u\"\n  password = \"p\"\n}\n"
	tidy  = "account \"a\" {\n  username = \"u\"\n  password = \"p\"\n}\n"
)

func TestFmtCheck(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"ok.hcl":           tidy,
		"sub/messy.hcl":    messy,
		".hidden/x.hcl":    messy,
		"notes.txt":        messy,
		"data.hcl.json":    `{"account":{}}`,
		"sub/deeper/b.hcl": messy,
	})
	var stdout, stderr bytes.Buffer
	if status := runFmt([]string{"-check", dir}, &stdout, &stderr); status != exitFail {
		t.Errorf("-check on unformatted files: status %d", status)
	}
	want := filepath.Join(dir, "sub/deeper/b.hcl") + "\n" + filepath.Join(dir, "sub/messy.hcl") + "\n"
	if stdout.String() != want {
		t.Errorf("-check listed:\n%s\nwant:\n%s", stdout.String(), want)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "sub/messy.hcl")); string(b) != messy {
		t.Error("-check changed a file")
	}

	stdout.Reset()
	if status := runFmt([]string{dir}, &stdout, &stderr); status != exitOK {
		t.Errorf("fmt: status %d: %s", status, stderr.String())
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "sub/messy.hcl")); string(b) != tidy {
		t.Errorf("fmt did not rewrite:\n%s", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, ".hidden/x.hcl")); string(b) != messy {
		t.Error("fmt entered a hidden directory")
	}
	stdout.Reset()
	if status := runFmt([]string{"-check", dir}, &stdout, &stderr); status != exitOK || stdout.Len() != 0 {
		t.Errorf("-check after fmt: status %d, output %q", status, stdout.String())
	}
}

func TestFmtDiff(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.hcl": messy})
	var stdout, stderr bytes.Buffer
	runFmt([]string{"-check", "-diff", filepath.Join(dir, "a.hcl")}, &stdout, &stderr)
	out := strings.ReplaceAll(stdout.String(), dir, "DIR")
	want := "DIR/a.hcl\n--- old/DIR/a.hcl\n+++ new/DIR/a.hcl\n@@ -1,4 +1,4 @@\n account \"a\" {\n-username=\"u\"\n+  username = \"u\"\n   password = \"p\"\n }\n"
	if out != want {
		t.Errorf("diff:\n%s\nwant:\n%s", out, want)
	}
}

func TestFmtStdin(t *testing.T) {
	defer func(r any) { fmtStdin = r.(*os.File) }(fmtStdin)
	for _, args := range [][]string{nil, {"-"}} {
		fmtStdin = strings.NewReader(messy)
		var stdout, stderr bytes.Buffer
		if status := runFmt(args, &stdout, &stderr); status != exitOK || stdout.String() != tidy {
			t.Errorf("fmt %v: status %d, output %q", args, status, stdout.String())
		}
	}
	fmtStdin = strings.NewReader(messy)
	var stdout, stderr bytes.Buffer
	if status := runFmt([]string{"-check", "-"}, &stdout, &stderr); status != exitFail {
		t.Errorf("-check of messy stdin: status %d", status)
	}
}

func TestFmtBroken(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.hcl": "account \"a\" {\n  password = \"SENTINEL-5e1d\n}\n"})
	var stdout, stderr bytes.Buffer
	if status := runFmt([]string{filepath.Join(dir, "a.hcl")}, &stdout, &stderr); status != exitFail {
		t.Errorf("broken file: status %d", status)
	}
	if !strings.Contains(stderr.String(), "a.hcl line 2") || strings.Contains(stderr.String(), "SENTINEL-5e1d") {
		t.Errorf("diagnostics:\n%s", stderr.String())
	}
}

// TestFmtExamples: `swaykeep fmt -check examples` passes (issue 3).
func TestFmtExamples(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if status := runFmt([]string{"-check", "../../examples"}, &stdout, &stderr); status != exitOK {
		t.Errorf("examples are not formatted: %s%s", stdout.String(), stderr.String())
	}
}
