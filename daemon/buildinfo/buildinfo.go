// Package buildinfo tells which swaykeep this is.
package buildinfo

import "runtime/debug"

// version is set at link time by packaging:
//
//	go build -ldflags "-X github.com/swaykeep/swaykeep/daemon/buildinfo.version=1.2.3"
var version string

// Version is the release version, or the module version / VCS revision the
// binary was built from, or "dev".
func Version() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "dev-" + s.Value[:12]
		}
	}
	return "dev"
}

// UserAgent is the User-Agent of every API request.
func UserAgent() string { return "swaykeep/" + Version() }
