// Package sink writes an account's token files (DESIGN.md §4, "Token files").
//
// The contract: while the daemon runs, a token file holds a token the daemon
// believes valid, or it does not exist. A reader sees the old content or the
// new, never a mixture, an empty file, or a file more permissive than
// configured: every file is replaced with atomicfile.WriteFile, its mode,
// group and reader ACL set on the temporary file before content is written.
//
// One Set holds the token files of one account for one config generation.
// Its methods are safe for concurrent use, but one goroutine (the account's
// keeper) is expected to drive it.
package sink

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/swaykeep/swaykeep/config"
	"github.com/swaykeep/swaykeep/config/secret"
	"github.com/swaykeep/swaykeep/daemon/atomicfile"
)

// DefaultMode is a token file's mode when its config says none.
const DefaultMode fs.FileMode = 0o600

// Options are the seams of a Set.
type Options struct {
	// Resolver turns group and reader names into ids; nil means OSResolver.
	Resolver Resolver
}

// Set is the token files of one account.
type Set struct {
	account string
	apiURL  string

	mu    sync.Mutex
	files []*file

	// writeFile is atomicfile.WriteFile; tests replace it to fail on purpose.
	writeFile func(path string, data []byte, perm fs.FileMode, opts ...atomicfile.Option) error
}

// file is one token file and what the Set knows of its content on disk.
type file struct {
	path   string
	format config.Format
	mode   fs.FileMode // what the config asks for
	gid    int
	acl    []aclEntry  // nil: no readers, no ACL
	stMode fs.FileMode // the permission bits stat shows: mode, group bits = ACL mask

	// What the file holds, valid when known: written by this Set or found
	// identical on disk at the first Publish. A restart therefore rewrites
	// nothing that is already right.
	known    bool
	sum      [sha256.Size]byte
	dev, ino uint64
	token    secret.Secret
}

// New prepares the token files of account: it resolves every file's group
// and the readers' users and groups to ids now, so that an unknown name, or
// a group the daemon cannot give its files, is an error at start or reload
// rather than at the first login. It touches no file.
func New(account, apiURL string, files []config.TokenFile, readers config.Principals, opts Options) (*Set, error) {
	r := opts.Resolver
	if r == nil {
		r = OSResolver{}
	}
	var uids, gids []int
	for _, name := range readers.Users {
		uid, err := r.LookupUser(name)
		if err != nil {
			return nil, fmt.Errorf("readers of %s: %w", account, err)
		}
		uids = append(uids, uid)
	}
	for _, name := range readers.Groups {
		gid, err := r.LookupGroup(name)
		if err != nil {
			return nil, fmt.Errorf("readers of %s: %w", account, err)
		}
		gids = append(gids, gid)
	}
	s := &Set{account: account, apiURL: apiURL, writeFile: atomicfile.WriteFile}
	for _, tf := range files {
		f := &file{path: tf.Path, format: tf.Format, mode: tf.Mode, gid: os.Getegid()}
		if f.format == "" {
			f.format = config.FormatRaw
		}
		if _, err := Render(f.format, "", "", "x", time.Time{}, time.Time{}); err != nil {
			return nil, fmt.Errorf("token file %q of %s: %w", tf.Path, account, err)
		}
		if f.mode == 0 {
			f.mode = DefaultMode
		}
		if tf.Group != "" {
			gid, err := r.LookupGroup(tf.Group)
			if err != nil {
				return nil, fmt.Errorf("token file %q of %s: %w", tf.Path, account, err)
			}
			ok, err := canChown(gid)
			if err != nil {
				return nil, fmt.Errorf("token file %q of %s: %w", tf.Path, account, err)
			}
			if !ok {
				return nil, fmt.Errorf("token file %q of %s: group %q (gid %d) is not one of the daemon's groups: add the daemon's user to it (SupplementaryGroups= in a drop-in) or choose another", tf.Path, account, tf.Group, gid)
			}
			f.gid = gid
		}
		f.acl = readerACL(f.mode, uids, gids)
		f.stMode = modeWithACL(f.mode, f.acl)
		s.files = append(s.files, f)
	}
	return s, nil
}

// Account returns the account the Set belongs to.
func (s *Set) Account() string { return s.account }

// Paths returns the paths of the Set's token files, in config order (none
// once RemoveExcept retired it).
func (s *Set) Paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var p []string
	for _, f := range s.files {
		p = append(p, f.path)
	}
	return p
}

// Publish writes tok into every token file, rendered in the file's format.
// A file whose content, permissions, group and ACL are already what they
// should be is left untouched (no write, same inode and mtime).
//
// Publish tries every file. A file that cannot be written is removed unless
// it already holds tok, so it never keeps a token that may be dead; the
// error names each failing file and the account, never the token. A token
// outside the safe set of api/sway-auth.md (ErrUnsafeToken) is written
// nowhere, and the files of the previous token are removed.
func (s *Set) Publish(tok secret.Secret, issued, expires time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tokErr := checkToken(tok)
	var errs []error
	for _, f := range s.files {
		err := tokErr
		if err == nil {
			err = s.publish(f, tok, issued, expires)
		} else {
			err = fmt.Errorf("write token file %q for %s: %w", f.path, s.account, err)
		}
		if err != nil {
			if f.token != tok {
				removeQuietly(f)
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Set) publish(f *file, tok secret.Secret, issued, expires time.Time) error {
	data, err := Render(f.format, s.account, s.apiURL, tok, issued, expires)
	if err != nil {
		return fmt.Errorf("write token file %q for %s: %w", f.path, s.account, err)
	}
	sum := sha256.Sum256(data)
	if f.known && f.sum == sum && f.unchangedOnDisk(len(data)) {
		return nil
	}
	if !f.known && f.matchesDisk(data) {
		f.remember(sum, tok)
		return nil
	}
	acl := f.acl
	write := func() error {
		return s.writeFile(f.path, data, f.mode,
			atomicfile.WithGroup(f.gid),
			atomicfile.WithHook(func(tmp *os.File) error { return applyACL(tmp, acl) }))
	}
	err = write()
	if errors.Is(err, fs.ErrNotExist) {
		// The directory is missing (never created, or removed since).
		if err = ensureDir(f.path); err == nil {
			err = write()
		}
	}
	if err != nil {
		f.known = false
		return writeError(f.path, s.account, err)
	}
	f.remember(sum, tok)
	return nil
}

// remember records what the file now holds, with its inode so that a file
// replaced or removed behind our back is noticed and written again.
func (f *file) remember(sum [sha256.Size]byte, tok secret.Secret) {
	f.known, f.sum, f.token = false, sum, tok
	if st, ok := lstat(f.path); ok {
		f.known, f.dev, f.ino = true, uint64(st.Dev), uint64(st.Ino)
	}
}

func (f *file) unchangedOnDisk(size int) bool {
	st, ok := lstat(f.path)
	return ok && uint64(st.Dev) == f.dev && uint64(st.Ino) == f.ino && st.Size == int64(size)
}

// matchesDisk reports whether the file on disk is exactly what Publish would
// write: a regular file owned by us with that content, mode, group and ACL.
func (f *file) matchesDisk(data []byte) bool {
	st, ok := lstat(f.path)
	if !ok || uint32(st.Mode)&syscall.S_IFMT != syscall.S_IFREG || int(st.Uid) != os.Geteuid() ||
		int(st.Gid) != f.gid || uint32(st.Mode)&0o7777 != uint32(f.stMode) ||
		st.Size != int64(len(data)) {
		return false
	}
	acl, err := readACL(f.path)
	if err != nil || !equalACL(acl, f.acl) {
		return false
	}
	onDisk, err := os.ReadFile(f.path)
	return err == nil && bytes.Equal(onDisk, data)
}

func lstat(path string) (*syscall.Stat_t, bool) {
	var st syscall.Stat_t
	if err := syscall.Lstat(path, &st); err != nil {
		return nil, false
	}
	return &st, true
}

// Unpublish removes every token file of the Set; a file already gone is
// fine. Call it whenever the daemon stops believing the token valid.
func (s *Set) Unpublish() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, f := range s.files {
		f.known, f.token = false, ""
		if err := removeFile(f.path); err != nil {
			errs = append(errs, fmt.Errorf("remove token file %q of %s: %w", f.path, s.account, err))
		}
	}
	return errors.Join(errs...)
}

// RemoveExcept hands the Set's files over to the next generation: it removes
// those whose paths are not in keep and then forgets all of them, so the Set
// is retired. A late Publish or Unpublish of a retired Set (a keeper that had
// not yet switched sinks) touches no file: neither brings back a removed
// file nor rewrites or removes one the next Set now owns.
//
// A reload that changes an account's token files or readers runs:
//
//	next, err := sink.New(...)         // the new generation's files; keep old on error
//	// the keeper switches to next and publishes its token there
//	old.RemoveExcept(next.Paths())     // files no longer declared go
//
// next's first Publish finds kept files that are already right on disk and
// leaves them alone, and rewrites those whose mode, group or readers changed.
func (s *Set) RemoveExcept(keep []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, f := range s.files {
		if slices.Contains(keep, f.path) {
			continue
		}
		if err := removeFile(f.path); err != nil {
			errs = append(errs, fmt.Errorf("remove token file %q of %s: %w", f.path, s.account, err))
		}
	}
	s.files = nil
	return errors.Join(errs...)
}
