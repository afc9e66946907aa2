// Package statedir persists each account's session and verdict in the
// daemon's state_dir, so that a restart reuses sessions that are still valid
// and never retries a rejected password (DESIGN.md §3, "Persistence").
//
// Layout: one small JSON file per account ("account-NAME.json", mode 0600),
// so that a ping on one of 1,000 accounts rewrites one small file, and a
// random 32-byte key ("hmac.key", mode 0600) that keys the fingerprints of
// login fields. The directory is 0700. Every write goes through atomicfile:
// after a crash a file holds one complete version, never a mixture.
package statedir

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/swaykeep/swaykeep/config"
	"github.com/swaykeep/swaykeep/config/secret"
	"github.com/swaykeep/swaykeep/daemon/atomicfile"
)

// Verdicts a Record may carry.
const (
	VerdictNone     = ""
	VerdictRejected = "rejected" // login answered 401: never retried until the login fields change
	VerdictDisabled = "disabled" // login answered 403: retried rarely
)

const (
	keyFile     = "hmac.key"
	keySize     = 32
	filePrefix  = "account-"
	fileSuffix  = ".json"
	fileMode    = 0o600
	dirMode     = 0o700
	formatV1    = 1
	maxFileSize = 64 << 10 // a record is a few hundred bytes; refuse anything absurd
)

// Record is what is saved about one account.
type Record struct {
	Account     string
	Fingerprint string        // Store.Fingerprint of the login fields the record belongs to
	Token       secret.Secret // "" when no session is held
	Timeout     time.Duration // the server's timeout, 0 if unknown
	Issued      time.Time     // when the session was obtained (login)
	LastSuccess time.Time     // wall time of the last successful login or ping
	Verdict     string        // VerdictNone, VerdictRejected or VerdictDisabled
	VerdictAt   time.Time
	Files       []string // token file paths published with this token
	// APIURL and CAFile say where the session lives, so that a daemon that
	// no longer has the account configured can still log it out.
	APIURL string
	CAFile string
}

// fileRecord is the on-disk form. The token has its own plain string field:
// secret.Secret's MarshalJSON redacts on purpose.
type fileRecord struct {
	Format      int       `json:"format"`
	Account     string    `json:"account"`
	Fingerprint string    `json:"fingerprint"`
	Token       string    `json:"token,omitempty"`
	TimeoutMS   int64     `json:"timeout_ms,omitempty"`
	Issued      time.Time `json:"issued,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	Verdict     string    `json:"verdict,omitempty"`
	VerdictAt   time.Time `json:"verdict_at,omitzero"`
	Files       []string  `json:"files,omitempty"`
	APIURL      string    `json:"api_url,omitempty"`
	CAFile      string    `json:"ca_file,omitempty"`
}

// Store is an opened state directory. It is safe for concurrent use by the
// keepers of one daemon: each writes only its own account's file.
type Store struct {
	dir string
	key []byte
}

// Open opens (creating if needed) the state directory dir with mode 0700 and
// its HMAC key, which it creates once. An existing key file of the wrong size
// is an error, not replaced: a new key would change every fingerprint and
// make the daemon retry passwords it knows are rejected.
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("open state directory: empty path")
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return nil, fmt.Errorf("create state directory %q: %w", dir, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("open state directory %q: %w", dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("state directory %q is not a directory", dir)
	}
	// MkdirAll leaves an existing directory's mode alone and the umask may
	// have narrowed it, so set it explicitly: it holds live session tokens.
	if fi.Mode().Perm() != dirMode {
		if err := os.Chmod(dir, dirMode); err != nil {
			return nil, fmt.Errorf("set mode 0700 on state directory %q: %w", dir, err)
		}
	}
	if _, err := atomicfile.Sweep(dir); err != nil {
		return nil, err
	}
	key, err := loadKey(dir)
	if err != nil {
		return nil, err
	}
	return &Store{dir: dir, key: key}, nil
}

func loadKey(dir string) ([]byte, error) {
	p := filepath.Join(dir, keyFile)
	key, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		key = make([]byte, keySize)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("generate state key: %w", err)
		}
		if err := atomicfile.WriteFile(p, key, fileMode); err != nil {
			return nil, fmt.Errorf("write state key: %w", err)
		}
		// Read back what is on disk: if another process created the key at
		// the same time, both agree on the last rename's content.
		key, err = os.ReadFile(p)
	}
	if err != nil {
		return nil, fmt.Errorf("read state key %q: %w", p, err)
	}
	if len(key) != keySize {
		return nil, fmt.Errorf("state key %q has %d bytes, want %d (remove it to start afresh: every saved session and verdict is then forgotten)", p, len(key), keySize)
	}
	return key, nil
}

// Dir returns the state directory.
func (s *Store) Dir() string { return s.dir }

// Fingerprint returns an HMAC-SHA256, keyed by the store's random key, over
// the account's login fields (api_url, domain, username, password, ca_file).
// Any change of one of them changes the fingerprint; without the key it
// reveals nothing about the password.
func (s *Store) Fingerprint(a *config.Account) string {
	m := hmac.New(sha256.New, s.key)
	for _, f := range []string{a.APIURL, a.Domain, a.Username, a.Password.Reveal(), a.CAFile} {
		// Length-prefix every field, so ("ab","c") and ("a","bc") differ.
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		m.Write(n[:])
		m.Write([]byte(f))
	}
	return hex.EncodeToString(m.Sum(nil))
}

// Load returns the account's record; false when there is none.
func (s *Store) Load(account string) (Record, bool, error) {
	rec, err := s.read(s.path(account))
	if errors.Is(err, fs.ErrNotExist) {
		return Record{}, false, nil
	}
	if err != nil {
		return Record{}, false, err
	}
	if rec.Account != account {
		return Record{}, false, fmt.Errorf("state file %q names account %q, not %q", s.path(account), rec.Account, account)
	}
	return rec, true, nil
}

// Save replaces the account's record, crash-safely, with mode 0600.
func (s *Store) Save(r Record) error {
	if r.Account == "" {
		return errors.New("save state: record without account")
	}
	fr := fileRecord{
		Format:      formatV1,
		Account:     r.Account,
		Fingerprint: r.Fingerprint,
		Token:       r.Token.Reveal(), // the state file is where it goes on purpose
		TimeoutMS:   r.Timeout.Milliseconds(),
		Issued:      r.Issued.Round(0).UTC(),
		LastSuccess: r.LastSuccess.Round(0).UTC(),
		Verdict:     r.Verdict,
		VerdictAt:   r.VerdictAt.Round(0).UTC(),
		Files:       r.Files,
		APIURL:      r.APIURL,
		CAFile:      r.CAFile,
	}
	data, err := json.Marshal(fr)
	if err != nil {
		return fmt.Errorf("encode state of %s: %w", r.Account, err)
	}
	if err := atomicfile.WriteFile(s.path(r.Account), append(data, '\n'), fileMode); err != nil {
		return fmt.Errorf("save state of %s: %w", r.Account, err)
	}
	return nil
}

// Delete forgets the account's record; a missing record is not an error.
func (s *Store) Delete(account string) error {
	err := os.Remove(s.path(account))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete state of %s: %w", account, err)
	}
	if err == nil {
		if err := atomicfile.SyncDir(s.dir); err != nil {
			return fmt.Errorf("delete state of %s: %w", account, err)
		}
	}
	return nil
}

// All returns every saved record, sorted by account, including those of
// accounts no longer configured (the daemon logs them out and removes their
// files). Unreadable files are skipped and reported in the error, which is
// non-nil only when some file could not be read.
func (s *Store) All() ([]Record, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("list state directory %q: %w", s.dir, err)
	}
	var recs []Record
	var errs []error
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasPrefix(n, filePrefix) || !strings.HasSuffix(n, fileSuffix) {
			continue
		}
		rec, err := s.read(filepath.Join(s.dir, n))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		recs = append(recs, rec)
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].Account < recs[j].Account })
	return recs, errors.Join(errs...)
}

func (s *Store) read(p string) (Record, error) {
	f, err := os.Open(p)
	if err != nil {
		return Record{}, err
	}
	defer f.Close()
	var fr fileRecord
	dec := json.NewDecoder(&limitedReader{f: f, n: maxFileSize})
	if err := dec.Decode(&fr); err != nil {
		return Record{}, fmt.Errorf("read state file %q: %w", p, err)
	}
	if fr.Format != formatV1 {
		return Record{}, fmt.Errorf("read state file %q: unknown format %d", p, fr.Format)
	}
	return Record{
		Account:     fr.Account,
		Fingerprint: fr.Fingerprint,
		Token:       secret.Secret(fr.Token),
		Timeout:     time.Duration(fr.TimeoutMS) * time.Millisecond,
		Issued:      fr.Issued,
		LastSuccess: fr.LastSuccess,
		Verdict:     fr.Verdict,
		VerdictAt:   fr.VerdictAt,
		Files:       fr.Files,
		APIURL:      fr.APIURL,
		CAFile:      fr.CAFile,
	}, nil
}

// path maps an account name to its file. Names are [A-Za-z0-9_-] plus "."
// for for_each instances ("desk.eu"); anything else is %XX-escaped, and the
// prefix keeps "." and ".." from ever being a whole name.
func (s *Store) path(account string) string {
	var b strings.Builder
	b.WriteString(filePrefix)
	for i := 0; i < len(account); i++ {
		c := account[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	b.WriteString(fileSuffix)
	return filepath.Join(s.dir, b.String())
}

// limitedReader fails (rather than truncating silently) past n bytes.
type limitedReader struct {
	f *os.File
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errors.New("state file too large")
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.f.Read(p)
	l.n -= int64(n)
	return n, err
}
