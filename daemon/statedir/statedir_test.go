package statedir

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/swaykeep/swaykeep/config"
	"github.com/swaykeep/swaykeep/config/secret"
)

const sentinel = "tok-SENTINEL-42"

func account() *config.Account {
	return &config.Account{
		Name:     "desk.eu",
		APIURL:   "https://api.example.test/dxsca-web/",
		Domain:   "default",
		Username: "alice",
		Password: "pw-SENTINEL",
		CAFile:   "/etc/ca.pem",
	}
}

func TestRoundTrip(t *testing.T) {
	syscallUmask(t, 0o022)
	dir := filepath.Join(t.TempDir(), "state")
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 10, 0, 0, 123e6, time.UTC)
	want := Record{
		Account:     "desk.eu",
		Fingerprint: s.Fingerprint(account()),
		Token:       sentinel,
		Timeout:     30 * time.Minute,
		Issued:      now,
		LastSuccess: now.Add(time.Minute),
		Files:       []string{"/run/swaykeep/desk.eu.token"},
		APIURL:      "https://api.example.test/dxsca-web/",
		CAFile:      "/etc/ca.pem",
	}
	if err := s.Save(want); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Load("desk.eu")
	if err != nil || !ok {
		t.Fatalf("Load = %v, %v", ok, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load = %+v\nwant %+v", got, want)
	}
	if got.Token.Reveal() != sentinel {
		t.Errorf("token not persisted: the Secret's redacting MarshalJSON leaked into the file")
	}

	// A verdict without a token replaces the session.
	v := Record{Account: "desk.eu", Fingerprint: want.Fingerprint, Verdict: VerdictRejected, VerdictAt: now}
	if err := s.Save(v); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(Record{Account: "alpha", Fingerprint: "x"}); err != nil {
		t.Fatal(err)
	}
	all, err := s.All()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Account != "alpha" || !reflect.DeepEqual(all[1], v) {
		t.Errorf("All = %+v", all)
	}

	if err := s.Delete("desk.eu"); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Load("desk.eu"); ok || err != nil {
		t.Errorf("after Delete: Load = %v, %v", ok, err)
	}
	if err := s.Delete("desk.eu"); err != nil {
		t.Errorf("second Delete: %v", err)
	}
	if _, ok, err := s.Load("never"); ok || err != nil {
		t.Errorf("Load(unknown) = %v, %v", ok, err)
	}
}

func TestModes(t *testing.T) {
	syscallUmask(t, 0)
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o755); err != nil { // pre-existing, too open
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save(Record{Account: "alpha", Token: sentinel}); err != nil {
		t.Fatal(err)
	}
	check := func(p string, want os.FileMode) {
		t.Helper()
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %#o, want %#o", p, fi.Mode().Perm(), want)
		}
	}
	check(dir, 0o700)
	check(filepath.Join(dir, keyFile), 0o600)
	check(filepath.Join(dir, "account-alpha.json"), 0o600)
}

func TestFingerprint(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	base := s.Fingerprint(account())
	if len(base) != 64 {
		t.Fatalf("fingerprint %q is not a hex SHA-256", base)
	}
	if strings.Contains(base, "SENTINEL") {
		t.Fatal("fingerprint contains the password")
	}
	changes := map[string]func(a *config.Account){
		"api_url":  func(a *config.Account) { a.APIURL = "https://other.test/dxsca-web/" },
		"domain":   func(a *config.Account) { a.Domain = "prod" },
		"username": func(a *config.Account) { a.Username = "bob" },
		"password": func(a *config.Account) { a.Password = secret.Secret("pw-SENTINEL2") },
		"ca_file":  func(a *config.Account) { a.CAFile = "" },
		"shifted":  func(a *config.Account) { a.Domain, a.Username = "defaulta", "lice" },
	}
	for name, change := range changes {
		a := account()
		change(a)
		if s.Fingerprint(a) == base {
			t.Errorf("changing %s leaves the fingerprint unchanged", name)
		}
	}
	// Non-login fields do not count.
	a := account()
	a.Name, a.PingInterval, a.TokenFiles = "other", time.Minute, []config.TokenFile{{Path: "/x"}}
	if s.Fingerprint(a) != base {
		t.Error("non-login fields change the fingerprint")
	}

	// Keyed: another install (another key) gives another fingerprint, and
	// the same install gives the same one after reopening.
	s2, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if s2.Fingerprint(account()) == base {
		t.Error("fingerprint does not depend on the per-install key")
	}
	key1, _ := os.ReadFile(filepath.Join(dir, keyFile))
	s3, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	key2, _ := os.ReadFile(filepath.Join(dir, keyFile))
	if !bytes.Equal(key1, key2) || s3.Fingerprint(account()) != base {
		t.Error("reopening the store changed its key")
	}
}

func TestBadKeyIsNotReplaced(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, keyFile), []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); err == nil {
		t.Fatal("Open accepted a truncated key")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, keyFile)); string(b) != "short" {
		t.Error("Open replaced an existing key")
	}
}

func TestFileNames(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"desk.eu", "..", ".", "a/b", "x%y", "Ü"} {
		p := s.path(name)
		if filepath.Dir(p) != s.dir || !strings.HasPrefix(filepath.Base(p), filePrefix) {
			t.Errorf("path(%q) = %q escapes the directory", name, p)
		}
		if err := s.Save(Record{Account: name}); err != nil {
			t.Errorf("Save(%q): %v", name, err)
			continue
		}
		if r, ok, err := s.Load(name); !ok || err != nil || r.Account != name {
			t.Errorf("Load(%q) = %+v, %v, %v", name, r, ok, err)
		}
	}
	if s.path("a.b") == s.path("a%2Eb") {
		t.Error("escaping is ambiguous")
	}
}

func TestCorruptFileIsAnError(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.path("alpha"), []byte("{half"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Load("alpha"); err == nil {
		t.Error("Load of a corrupt file succeeded")
	}
	if err := s.Save(Record{Account: "beta"}); err != nil {
		t.Fatal(err)
	}
	recs, err := s.All()
	if err == nil || len(recs) != 1 || recs[0].Account != "beta" {
		t.Errorf("All = %+v, %v; want beta and an error for alpha", recs, err)
	}
}
