// Package atomicfile replaces files crash-safely: a reader sees the old
// content or the new, never a mixture or an empty file, and after a crash or
// power loss the file holds one complete version (DESIGN.md §4, "Token files").
//
// WriteFile writes a temporary file next to the target, gives it its final
// mode (and group, ACL, ...) before any content is written, syncs it, renames
// it over the target and then syncs the directory, because a rename alone is
// atomic for readers but not durable. A writer killed half-way leaves its
// temporary file behind under a recognisable hidden name; Sweep removes such
// leftovers and should run at start-up, before any writer of that directory.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// tempMarker is part of every temporary file's name: ".NAME" + tempMarker +
// random digits. It is distinctive enough that Sweep never removes a file
// that some other program owns.
const tempMarker = ".swaykeep-tmp-"

// maxBaseInTempName keeps a temporary name under NAME_MAX (255 bytes) for
// long target names; the name is only a hint, so truncating it is harmless.
const maxBaseInTempName = 200

// Option adjusts one WriteFile call.
type Option func(*settings)

type settings struct {
	gid   int // -1: leave the group the file was created with
	hooks []func(*os.File) error
}

// WithGroup sets the file's group (fchown to gid) before content is written.
// An unprivileged process may only choose a group it belongs to; anything
// else fails with EPERM.
func WithGroup(gid int) Option {
	return func(s *settings) { s.gid = gid }
}

// WithHook runs fn on the open temporary file after its group and mode are
// set and before any content is written, for example to set a POSIX ACL.
// The file is then never visible under the target name without what fn sets.
// Hooks run in the order given; an error aborts the write.
func WithHook(fn func(f *os.File) error) Option {
	return func(s *settings) { s.hooks = append(s.hooks, fn) }
}

// WriteFile replaces path with data, crash-safely.
//
// The file gets exactly perm (whatever the process umask), set with fchmod on
// the temporary file before content is written, then the Options in order.
// On success the new content is durable: file and directory are synced. On
// failure the temporary file is removed and path is untouched, except when
// only the final directory sync failed: then path already holds the new
// content and the error says so.
//
// path's directory must exist. A symbolic link at path is replaced by a
// regular file, not followed. Errors never contain data.
func WriteFile(path string, data []byte, perm fs.FileMode, opts ...Option) (err error) {
	s := settings{gid: -1}
	for _, o := range opts {
		o(&s)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if base == "" || base == "." || base == ".." {
		return fmt.Errorf("write %q: not a file name", path)
	}
	prefixBase := base
	if len(prefixBase) > maxBaseInTempName {
		prefixBase = prefixBase[:maxBaseInTempName]
	}
	// CreateTemp opens with O_EXCL and a random suffix, so two writers never
	// share a temporary file and a planted file is never reused.
	f, err := os.CreateTemp(dir, "."+prefixBase+tempMarker+"*")
	if err != nil {
		return fmt.Errorf("create temporary file for %q: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	// Group first: a chown by an unprivileged user may clear set-id bits,
	// and the mode set next must be the last word on the permission bits.
	if s.gid >= 0 {
		if err := f.Chown(-1, s.gid); err != nil {
			return fmt.Errorf("set group %d on temporary file for %q: %w", s.gid, path, err)
		}
	}
	// fchmod, not the mode argument of open: the umask narrows the latter.
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("set mode %#o on temporary file for %q: %w", perm, path, err)
	}
	for _, fn := range s.hooks {
		if err := fn(f); err != nil {
			return err
		}
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write temporary file for %q: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync temporary file for %q: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close temporary file for %q: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename temporary file over %q: %w", path, err)
	}
	// The rename is visible to readers now but only durable once the
	// directory entry reaches the disk.
	if err := SyncDir(dir); err != nil {
		return fmt.Errorf("%q was replaced but may not survive a crash: %w", path, err)
	}
	return nil
}

// SyncDir fsyncs a directory, making renames and removals in it durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory %q for sync: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %q: %w", dir, err)
	}
	return nil
}

// IsTemp reports whether a base name is one WriteFile gives its temporary
// files: ".NAME.swaykeep-tmp-DIGITS".
func IsTemp(name string) bool {
	if !strings.HasPrefix(name, ".") {
		return false
	}
	i := strings.LastIndex(name, tempMarker)
	if i < 1 {
		return false
	}
	suffix := name[i+len(tempMarker):]
	if suffix == "" {
		return false
	}
	for _, c := range suffix {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Sweep removes the temporary files that killed writers left in dir and
// returns their paths. It does not descend into subdirectories and never
// removes a directory. A missing dir is not an error: nothing to sweep.
//
// Sweep must not run while a WriteFile into dir is in progress (it would
// remove that writer's temporary file and make it fail): call it at start-up.
func Sweep(dir string) (removed []string, err error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sweep temporary files in %q: %w", dir, err)
	}
	var errs []error
	for _, e := range entries {
		if e.IsDir() || !IsTemp(e.Name()) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("sweep temporary file %q: %w", p, err))
			continue
		}
		removed = append(removed, p)
	}
	return removed, errors.Join(errs...)
}
