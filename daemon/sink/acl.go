package sink

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"slices"
)

// POSIX ACLs as Linux stores them in the system.posix_acl_access extended
// attribute (include/uapi/linux/posix_acl_xattr.h): a little-endian header
// holding version 2, then one 8-byte entry per tag, sorted by tag then id.
const (
	aclXattr              = "system.posix_acl_access"
	aclVersion            = 2
	aclUndefinedID        = 0xFFFFFFFF
	aclHeaderSize         = 4
	aclEntrySize          = 8
	aclRead               = 4
	tagUserObj     uint16 = 0x01
	tagUser        uint16 = 0x02
	tagGroupObj    uint16 = 0x04
	tagGroup       uint16 = 0x08
	tagMask        uint16 = 0x10
	tagOther       uint16 = 0x20
)

// aclEntry is one entry of an access ACL.
type aclEntry struct {
	Tag  uint16
	Perm uint16
	ID   uint32 // aclUndefinedID for the owner, group, mask and other entries
}

// readerACL is the access ACL that gives uids and gids read access to a file
// of mode perm, or nil when there are no readers. The owner, owning group and
// others keep exactly the rights of perm; the mask is the union of the group
// class, so it never widens the owning group's rights.
func readerACL(perm fs.FileMode, uids, gids []int) []aclEntry {
	if len(uids) == 0 && len(gids) == 0 {
		return nil
	}
	groupObj := uint16(perm>>3) & 7
	acl := []aclEntry{{Tag: tagUserObj, Perm: uint16(perm>>6) & 7, ID: aclUndefinedID}}
	for _, uid := range sortedUnique(uids) {
		acl = append(acl, aclEntry{Tag: tagUser, Perm: aclRead, ID: uint32(uid)})
	}
	acl = append(acl, aclEntry{Tag: tagGroupObj, Perm: groupObj, ID: aclUndefinedID})
	for _, gid := range sortedUnique(gids) {
		acl = append(acl, aclEntry{Tag: tagGroup, Perm: aclRead, ID: uint32(gid)})
	}
	acl = append(acl,
		aclEntry{Tag: tagMask, Perm: groupObj | aclRead, ID: aclUndefinedID},
		aclEntry{Tag: tagOther, Perm: uint16(perm) & 7, ID: aclUndefinedID})
	return acl
}

// modeWithACL is the permission bits stat reports for a file of mode perm
// carrying acl: with a mask entry, the group bits show the mask (acl(5)).
func modeWithACL(perm fs.FileMode, acl []aclEntry) fs.FileMode {
	for _, e := range acl {
		if e.Tag == tagMask {
			return perm&^0o070 | fs.FileMode(e.Perm)<<3
		}
	}
	return perm
}

func sortedUnique(ids []int) []int {
	s := slices.Clone(ids)
	slices.Sort(s)
	return slices.Compact(s)
}

func encodeACL(acl []aclEntry) []byte {
	b := make([]byte, aclHeaderSize, aclHeaderSize+aclEntrySize*len(acl))
	binary.LittleEndian.PutUint32(b, aclVersion)
	for _, e := range acl {
		b = binary.LittleEndian.AppendUint16(b, e.Tag)
		b = binary.LittleEndian.AppendUint16(b, e.Perm)
		b = binary.LittleEndian.AppendUint32(b, e.ID)
	}
	return b
}

func decodeACL(b []byte) ([]aclEntry, error) {
	if len(b) < aclHeaderSize || (len(b)-aclHeaderSize)%aclEntrySize != 0 {
		return nil, fmt.Errorf("posix acl of %d bytes: %w", len(b), errBadACL)
	}
	if v := binary.LittleEndian.Uint32(b); v != aclVersion {
		return nil, fmt.Errorf("posix acl version %d: %w", v, errBadACL)
	}
	var acl []aclEntry
	for b = b[aclHeaderSize:]; len(b) > 0; b = b[aclEntrySize:] {
		acl = append(acl, aclEntry{
			Tag:  binary.LittleEndian.Uint16(b),
			Perm: binary.LittleEndian.Uint16(b[2:]),
			ID:   binary.LittleEndian.Uint32(b[4:]),
		})
	}
	return acl, nil
}

var errBadACL = errors.New("malformed")
