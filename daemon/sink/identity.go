package sink

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"slices"
	"strconv"
)

// Resolver turns the user and group names of a config into numeric ids.
// Names are resolved when a Set is built (at start and on every reload), not
// when the config is loaded (DESIGN.md §2), so a user created after the
// config was written is found by the next reload.
type Resolver interface {
	LookupUser(name string) (uid int, err error)
	LookupGroup(name string) (gid int, err error)
}

// OSResolver resolves names through os/user: /etc/passwd and /etc/group,
// or NSS when the binary is built with cgo.
type OSResolver struct{}

// ErrUnknownName is wrapped by a Resolver's error for a name that does not
// exist, as opposed to a lookup that failed.
var ErrUnknownName = errors.New("no such name")

// LookupUser implements Resolver.
func (OSResolver) LookupUser(name string) (int, error) {
	u, err := user.Lookup(name)
	if err != nil {
		if errors.As(err, new(user.UnknownUserError)) {
			return 0, fmt.Errorf("user %q: %w", name, ErrUnknownName)
		}
		return 0, fmt.Errorf("look up user %q: %w", name, err)
	}
	return strconv.Atoi(u.Uid)
}

// LookupGroup implements Resolver.
func (OSResolver) LookupGroup(name string) (int, error) {
	g, err := user.LookupGroup(name)
	if err != nil {
		if errors.As(err, new(user.UnknownGroupError)) {
			return 0, fmt.Errorf("group %q: %w", name, ErrUnknownName)
		}
		return 0, fmt.Errorf("look up group %q: %w", name, err)
	}
	return strconv.Atoi(g.Gid)
}

// MapResolver resolves from fixed tables, for tests. A name missing from
// its table is unknown.
type MapResolver struct {
	Users, Groups map[string]int
}

// LookupUser implements Resolver.
func (m MapResolver) LookupUser(name string) (int, error) {
	if id, ok := m.Users[name]; ok {
		return id, nil
	}
	return 0, fmt.Errorf("user %q: %w", name, ErrUnknownName)
}

// LookupGroup implements Resolver.
func (m MapResolver) LookupGroup(name string) (int, error) {
	if id, ok := m.Groups[name]; ok {
		return id, nil
	}
	return 0, fmt.Errorf("group %q: %w", name, ErrUnknownName)
}

// canChown reports whether this process may give its files group gid: root
// may give any group, anybody else only its own groups (fchown(2)).
func canChown(gid int) (bool, error) {
	if os.Geteuid() == 0 || gid == os.Getegid() {
		return true, nil
	}
	groups, err := os.Getgroups()
	if err != nil {
		return false, fmt.Errorf("list the daemon's groups: %w", err)
	}
	return slices.Contains(groups, gid), nil
}
