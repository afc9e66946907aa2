package config

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad: no input makes Load or the diagnostic writer panic. The seeds
// (every testdata file, native and JSON) run in plain `go test`.
func FuzzLoad(f *testing.F) {
	for _, pattern := range []string{"testdata/*.hcl", "testdata/*/*.hcl", "testdata/*/*.hcl.json", "../examples/*/*.hcl"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b, filepath.Ext(name) == ".json")
		}
	}
	f.Add([]byte(`account "a" { for_each = toset([]) }`), false)
	f.Add([]byte(`{"account": {"a": {"for_each": {"k": "v"}, "username": "${each.value}"}}}`), true)
	f.Fuzz(func(t *testing.T, src []byte, json bool) {
		name := "main.hcl"
		if json {
			name = "main.hcl.json"
		}
		r := Load(Source{
			Path:     "/fuzz",
			Files:    map[string][]byte{name: src},
			ReadFile: func(string) ([]byte, error) { return nil, os.ErrNotExist },
			Vars:     []string{"api_url=http://127.0.0.1/", "out_dir=/tmp/out"},
		})
		if r.Config == nil && !r.Diagnostics.HasErrors() {
			t.Fatal("no config and no error")
		}
		if err := r.WriteDiagnostics(io.Discard, true); err != nil {
			t.Fatal(err)
		}
		if r.Config != nil {
			Compare(nil, r.Config).WriteText(io.Discard)
		}
	})
}
