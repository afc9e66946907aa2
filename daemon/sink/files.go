package sink

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/swaykeep/swaykeep/daemon/atomicfile"
)

// DirMode is the mode of a directory Publish creates because a token file's
// parent does not exist. Others may traverse it but not list it: a reader
// granted a file by group or ACL can open it by its path, while the names of
// the accounts stay hidden. Existing directories are never changed; create
// them beforehand (tmpfiles.d) for any other mode.
const DirMode fs.FileMode = 0o711

// RuntimeDir is the directory the packaged unit makes writable for token
// files and the socket (ReadWritePaths=/run/swaykeep under
// ProtectSystem=strict); see UnitHint.
const RuntimeDir = "/run/swaykeep"

// ensureDir creates the missing directories above path with DirMode,
// whatever the umask, syncing each parent so the new entry is durable.
func ensureDir(path string) error {
	dir := filepath.Dir(path)
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err == nil {
			if !fi.IsDir() {
				return fmt.Errorf("%q is not a directory", d)
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) || d == filepath.Dir(d) {
			return err
		}
		missing = append(missing, d)
	}
	for _, d := range slices.Backward(missing) {
		if err := os.Mkdir(d, DirMode); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("create directory: %w", err)
		}
		if err := os.Chmod(d, DirMode); err != nil {
			return fmt.Errorf("create directory: %w", err)
		}
		if err := atomicfile.SyncDir(filepath.Dir(d)); err != nil {
			return err
		}
	}
	return nil
}

// writeError wraps an error of writing a token file, adding UnitHint when
// the directory is one the packaged unit keeps read-only.
func writeError(path, account string, err error) error {
	if hint := UnitHint(path, err); hint != "" {
		return fmt.Errorf("write token file %q for %s: %w; %s", path, account, err, hint)
	}
	return fmt.Errorf("write token file %q for %s: %w", path, account, err)
}

// UnitHint explains a write refused by the sandbox of the packaged systemd
// unit, or returns "" when err is something else. ProtectSystem=strict makes
// every directory but the unit's own read-only (EROFS); other sandboxing
// shows as EACCES or EPERM, which are taken as the sandbox's doing only
// outside RuntimeDir.
func UnitHint(path string, err error) string {
	dir := filepath.Dir(path)
	inRuntime := dir == RuntimeDir || strings.HasPrefix(dir, RuntimeDir+"/")
	if !errors.Is(err, syscall.EROFS) &&
		(inRuntime || !errors.Is(err, syscall.EACCES) && !errors.Is(err, syscall.EPERM)) {
		return ""
	}
	return fmt.Sprintf("under the packaged systemd unit only %s is writable for token files: "+
		"to write them in %s, add ReadWritePaths=%s to a drop-in (systemctl edit swaykeep.service)",
		RuntimeDir, dir, dir)
}

// removeFile removes path, durably; a missing file is fine. It unlinks, so
// unlike os.Remove it never removes a directory that happens to be at path.
// Its error does not name path: the caller does.
func removeFile(path string) error {
	err := syscall.Unlink(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		if hint := UnitHint(path, err); hint != "" {
			return fmt.Errorf("%w; %s", err, hint)
		}
		return err
	}
	// Durable, so that a crash does not bring back a dead token.
	return atomicfile.SyncDir(filepath.Dir(path))
}

// removeQuietly removes a file that failed to take a new token, so it does
// not keep an old one; the write error is what gets reported.
func removeQuietly(f *file) {
	if removeFile(f.path) == nil {
		f.known, f.token = false, ""
	}
}

// RemoveFiles removes token files by path, for the daemon's start-up
// reconciliation (files of sessions it cannot resume, of accounts no longer
// configured). A missing file is fine; every path is tried.
func RemoveFiles(paths []string) error {
	var errs []error
	for _, p := range paths {
		if err := removeFile(p); err != nil {
			errs = append(errs, fmt.Errorf("remove token file %q: %w", p, err))
		}
	}
	return errors.Join(errs...)
}

// Sweep removes the temporary files that a killed writer left next to the
// given token files (atomicfile.Sweep of each distinct directory) and returns
// their paths. Call it at start-up, before any Publish.
func Sweep(paths []string) (removed []string, err error) {
	var dirs []string
	for _, p := range paths {
		if d := filepath.Dir(p); !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	var errs []error
	for _, d := range dirs {
		r, err := atomicfile.Sweep(d)
		removed = append(removed, r...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return removed, errors.Join(errs...)
}
