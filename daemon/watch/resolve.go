package watch

import (
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
)

// maxLinks bounds symlink resolution, as the kernel's ELOOP does (40).
const maxLinks = 40

// interest is what one watched directory is watched for.
type interest struct {
	// names are the entries of the directory whose change can change what
	// reading a watched path yields.
	names map[string]struct{}
	// all: every entry matters, because a watched path is this directory
	// itself (a config directory: a new *.hcl file changes the config).
	all bool
}

func (in *interest) equal(o *interest) bool {
	return in.all == o.all && maps.Equal(in.names, o.names)
}

// plan maps each directory to watch (a real path: no symlink in it) to what
// it is watched for.
type plan map[string]*interest

func (p plan) name(dir, name string) {
	in := p.dir(dir)
	in.names[name] = struct{}{}
}

func (p plan) dir(dir string) *interest {
	in := p[dir]
	if in == nil {
		in = &interest{names: make(map[string]struct{})}
		p[dir] = in
	}
	return in
}

func (p plan) equal(o plan) bool {
	return maps.EqualFunc(p, o, (*interest).equal)
}

// planFor resolves every path and returns the directories to watch. Paths
// must be absolute and clean.
func planFor(paths []string) plan {
	p := make(plan)
	for _, path := range paths {
		p.add(path)
	}
	return p
}

// add resolves path one component at a time, as the kernel does, and records
// every directory entry whose change can change what reading path yields:
//
//   - each symlink on the way (a Kubernetes ConfigMap volume reaches
//     dir/swaykeep.hcl through dir/..data, a symlink swapped atomically);
//   - the final entry, in the directory that really holds it (an editor
//     renames a new file over it);
//   - a missing entry, in its nearest existing ancestor (creating the missing
//     directory or file is then noticed, and resolution goes deeper);
//   - every entry of the final directory, when path names a directory.
//
// Directories between the root and the final one are not watched: their own
// watch reports their removal or rename (DESIGN.md §5: re-add a watch when its
// directory is re-created), and a rename of a grandparent goes unnoticed.
func (p plan) add(path string) {
	cur := "/" // resolved so far: an existing directory, no symlinks
	rest := components(path)
	links := 0
	for len(rest) > 0 {
		c := rest[0]
		rest = rest[1:]
		switch c {
		case ".":
			continue
		case "..":
			cur = filepath.Dir(cur) // physically, as the kernel does
			continue
		}
		next := filepath.Join(cur, c)
		fi, err := os.Lstat(next)
		if err != nil {
			// Missing (or unreadable): watch the nearest existing ancestor
			// for the entry's creation.
			p.name(cur, c)
			return
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			p.name(cur, c)
			links++
			if links > maxLinks {
				return
			}
			target, err := os.Readlink(next)
			if err != nil {
				return
			}
			if filepath.IsAbs(target) {
				cur = "/"
			}
			rest = append(components(target), rest...)
		case fi.IsDir():
			if len(rest) == 0 {
				p.name(cur, c)
				p.dir(next).all = true
				return
			}
			cur = next
		default:
			// A file. Were it in the middle of path (ENOTDIR), watching it
			// by name notices it being replaced by a directory.
			p.name(cur, c)
			return
		}
	}
	// path resolved to cur without a final name (it was "/").
	p.dir(cur).all = true
}

// components splits a slash-separated path into its non-empty elements.
func components(path string) []string {
	return strings.FieldsFunc(path, func(r rune) bool { return r == '/' })
}
