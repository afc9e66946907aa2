package sink

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/swaykeep/swaykeep/config"
)

// skipWithoutACL skips when dir's file system cannot hold POSIX ACLs.
func skipWithoutACL(t *testing.T, dir string) {
	t.Helper()
	p := filepath.Join(dir, ".acl-probe")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(p)
	acl := encodeACL(readerACL(0o600, []int{1001}, nil))
	if err := unix.Setxattr(p, aclXattr, acl, 0); errors.Is(err, unix.ENOTSUP) {
		t.Skipf("the test directory's file system does not support POSIX ACLs: %v", err)
	} else if err != nil {
		t.Fatalf("probe ACL support: %v", err)
	}
}

func TestReadersGetACLEntries(t *testing.T) {
	dir := t.TempDir()
	skipWithoutACL(t, dir)
	p := filepath.Join(dir, "tok")
	readers := config.Principals{Users: []string{"trader", "bob", "trader"}, Groups: []string{"trading", "ops"}}
	withUmask(0o077, func() {
		s := newSet(t, []config.TokenFile{{Path: p, Mode: 0o600}}, readers)
		if err := s.Publish(sentinel, issued, expires); err != nil {
			t.Fatal(err)
		}
	})
	// Read the attribute back raw and decode it: the kernel's own form.
	buf := make([]byte, 512)
	n, err := unix.Getxattr(p, aclXattr, buf)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeACL(buf[:n])
	if err != nil {
		t.Fatal(err)
	}
	const u = aclUndefinedID
	want := []aclEntry{
		{tagUserObj, 6, u},
		{tagUser, 4, 1000}, {tagUser, 4, 1001}, // sorted by id, duplicates dropped
		{tagGroupObj, 0, u}, // the owning group keeps mode's "no access"
		{tagGroup, 4, 2001}, {tagGroup, 4, 2002},
		{tagMask, 4, u},
		{tagOther, 0, u},
	}
	if !slices.Equal(got, want) {
		t.Errorf("ACL\n got %v\nwant %v", got, want)
	}
	// With a mask, stat's group bits show the mask (acl(5)): 0640, while the
	// owning group itself has no access (GROUP_OBJ above).
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640 (mask r--)", fi.Mode())
	}

	// A restart with the same readers rewrites nothing.
	before := identity(t, p)
	if err := newSet(t, []config.TokenFile{{Path: p, Mode: 0o600}}, readers).Publish(sentinel, issued, expires); err != nil {
		t.Fatal(err)
	}
	if identity(t, p) != before {
		t.Error("rewritten although content, mode and ACL were unchanged")
	}

	// Readers removed by a reload: the ACL goes, the mode is 0600 again.
	if err := newSet(t, []config.TokenFile{{Path: p, Mode: 0o600}}, config.Principals{}).Publish(sentinel, issued, expires); err != nil {
		t.Fatal(err)
	}
	if acl, err := readACL(p); err != nil || acl != nil {
		t.Errorf("ACL after readers were removed: %v, %v", acl, err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v after readers were removed, want 0600", fi.Mode())
	}
}

// TestDefaultACLOfDirectoryIsNotInherited: a directory's default ACL would
// make new files readable by more than configured; the file gets exactly
// its own ACL (or none).
func TestDefaultACLOfDirectoryIsNotInherited(t *testing.T) {
	dir := t.TempDir()
	skipWithoutACL(t, dir)
	def := encodeACL([]aclEntry{
		{tagUserObj, 7, aclUndefinedID}, {tagUser, 7, 3003}, {tagGroupObj, 7, aclUndefinedID},
		{tagMask, 7, aclUndefinedID}, {tagOther, 7, aclUndefinedID},
	})
	if err := unix.Setxattr(dir, "system.posix_acl_default", def, 0); err != nil {
		t.Skipf("cannot set a default ACL: %v", err)
	}
	p := filepath.Join(dir, "tok")
	if err := newSet(t, []config.TokenFile{{Path: p}}, config.Principals{}).Publish(sentinel, issued, expires); err != nil {
		t.Fatal(err)
	}
	if acl, err := readACL(p); err != nil || acl != nil {
		t.Errorf("inherited ACL kept: %v, %v", acl, err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode())
	}
}

func TestACLEncoding(t *testing.T) {
	acl := readerACL(0o640, []int{5}, nil)
	b := encodeACL(acl)
	if len(b) != 4+8*len(acl) || b[0] != 2 {
		t.Fatalf("encoding % x", b)
	}
	back, err := decodeACL(b)
	if err != nil || !slices.Equal(back, acl) {
		t.Errorf("round trip: %v, %v", back, err)
	}
	if readerACL(0o600, nil, nil) != nil {
		t.Error("ACL without readers")
	}
	for _, bad := range [][]byte{nil, {2, 0, 0}, {1, 0, 0, 0}, {2, 0, 0, 0, 1}} {
		if _, err := decodeACL(bad); err == nil {
			t.Errorf("decodeACL(% x): no error", bad)
		}
	}
}
