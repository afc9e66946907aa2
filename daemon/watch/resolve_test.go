package watch

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// realTempDir is t.TempDir with its own symlinks resolved, so that the
// directories a plan names can be compared literally.
func realTempDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// render prints a plan as sorted "dir: name name" lines relative to root,
// with "*" for a directory whose every entry is watched.
func render(root string, p plan) []string {
	var lines []string
	for dir, in := range p {
		rel := dir
		if dir == root {
			rel = "."
		} else if r, ok := strings.CutPrefix(dir, root+"/"); ok {
			rel = r
		}
		names := make([]string, 0, len(in.names)+1)
		if in.all {
			names = append(names, "*")
		}
		for n := range in.names {
			names = append(names, n)
		}
		slices.Sort(names)
		lines = append(lines, rel+": "+strings.Join(names, " "))
	}
	slices.Sort(lines)
	return lines
}

func mustMkdir(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(path, 0o755); err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func TestPlanWatchesWhatAFileResolvesThrough(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, root string)
		path  string // relative to root
		want  []string
	}{{
		name:  "plain file: its directory, for its name",
		setup: func(t *testing.T, root string) { mustWrite(t, root+"/a.hcl", "") },
		path:  "a.hcl",
		want:  []string{".: a.hcl"},
	}, {
		name:  "missing file: its directory, for its name",
		setup: func(t *testing.T, root string) {},
		path:  "missing.hcl",
		want:  []string{".: missing.hcl"},
	}, {
		name:  "missing directory: the nearest existing ancestor, for the next component",
		setup: func(t *testing.T, root string) {},
		path:  "sub/deeper/a.hcl",
		want:  []string{".: sub"},
	}, {
		name:  "directory: every entry, and its name in its parent",
		setup: func(t *testing.T, root string) { mustMkdir(t, root+"/conf.d") },
		path:  "conf.d",
		want:  []string{".: conf.d", "conf.d: *"},
	}, {
		name: "kubernetes configmap: both symlinks and the real file",
		setup: func(t *testing.T, root string) {
			mustMkdir(t, root+"/..2026_01")
			mustWrite(t, root+"/..2026_01/swaykeep.hcl", "")
			mustSymlink(t, "..2026_01", root+"/..data")
			mustSymlink(t, "..data/swaykeep.hcl", root+"/swaykeep.hcl")
		},
		path: "swaykeep.hcl",
		want: []string{"..2026_01: swaykeep.hcl", ".: ..data swaykeep.hcl"},
	}, {
		name: "relative symlink with ..: resolved physically",
		setup: func(t *testing.T, root string) {
			mustMkdir(t, root+"/sub")
			mustWrite(t, root+"/real.hcl", "")
			mustSymlink(t, "../real.hcl", root+"/sub/link.hcl")
		},
		path: "sub/link.hcl",
		want: []string{".: real.hcl", "sub: link.hcl"},
	}, {
		name: "symlinked directory on the path",
		setup: func(t *testing.T, root string) {
			mustMkdir(t, root+"/secrets.real")
			mustSymlink(t, "secrets.real", root+"/secrets")
		},
		path: "secrets/pw",
		want: []string{".: secrets", "secrets.real: pw"},
	}, {
		name: "dangling symlink: the link and the missing target",
		setup: func(t *testing.T, root string) {
			mustSymlink(t, "gone/pw", root+"/pw")
		},
		path: "pw",
		want: []string{".: gone pw"},
	}, {
		name: "symlink loop: stops",
		setup: func(t *testing.T, root string) {
			mustSymlink(t, "b", root+"/a")
			mustSymlink(t, "a", root+"/b")
		},
		path: "a",
		want: []string{".: a b"},
	}, {
		name:  "file used as a directory: watched by name",
		setup: func(t *testing.T, root string) { mustWrite(t, root+"/f", "") },
		path:  "f/a.hcl",
		want:  []string{".: f"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			root := realTempDir(t)
			tc.setup(t, root)
			got := render(root, planFor([]string{filepath.Join(root, tc.path)}))
			if !slices.Equal(got, tc.want) {
				t.Errorf("plan = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPlanAbsoluteSymlinkLeavesTheDirectory(t *testing.T) {
	root := realTempDir(t)
	other := realTempDir(t)
	mustWrite(t, other+"/pw", "")
	mustSymlink(t, other+"/pw", root+"/pw")
	p := planFor([]string{root + "/pw"})
	if got := render(root, p); !slices.Equal(got, []string{".: pw", other + ": pw"}) {
		t.Errorf("plan = %q", got)
	}
}

func TestPlanMergesFilesOfOneDirectory(t *testing.T) {
	root := realTempDir(t)
	p := planFor([]string{root + "/a.hcl", root + "/b.hcl", root + "/a.hcl"})
	if got := render(root, p); !slices.Equal(got, []string{".: a.hcl b.hcl"}) {
		t.Errorf("plan = %q", got)
	}
}
