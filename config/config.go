// Package config is swaykeep's configuration language: HCL files declaring a
// daemon block, defaults and accounts (DESIGN.md §2).
//
// Loading is pure: Load reads only through Source, touches no globals and
// returns the whole result, so the daemon, `swaykeep validate`, `plan` and the
// tests share one code path.
package config

import (
	"io/fs"
	"os"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/swaykeep/swaykeep/config/secret"
)

// DefaultPath is where the packaged daemon reads its configuration.
const DefaultPath = "/etc/swaykeep"

// Source says where a configuration comes from. Every read goes through it.
type Source struct {
	// Path is a file or a directory; a directory means every *.hcl and
	// *.hcl.json file in it, read as one configuration.
	Path string
	// Files, when non-nil, replaces the files found under Path: file name
	// (absolute, or relative to Path) to content. `plan` uses it to evaluate
	// candidate files as if they were the daemon's own.
	Files map[string][]byte
	// Vars are -var name=value arguments, in command-line order.
	Vars []string
	// VarFiles are -var-file paths, in command-line order.
	VarFiles []string
	// CredentialsDir is $CREDENTIALS_DIRECTORY (or -credentials-dir), read by
	// credential(). Empty: credential() is an error.
	CredentialsDir string
	// Getenv looks up environment variables (env(), SWAYKEEP_VAR_*); nil
	// means an empty environment.
	Getenv func(string) (string, bool)
	// ReadFile and ReadDir default to the os package's.
	ReadFile func(name string) ([]byte, error)
	ReadDir  func(name string) ([]fs.DirEntry, error)
}

// OSSource is a Source reading the real file system and environment.
func OSSource(path string) Source {
	return Source{Path: path, Getenv: os.LookupEnv, CredentialsDir: os.Getenv("CREDENTIALS_DIRECTORY")}
}

// Config is one loaded, validated configuration: a generation.
// It is never modified after Load returns it.
type Config struct {
	Daemon   Daemon
	Accounts []*Account // sorted by Name

	// principals records where each user and group name was written, for
	// CheckPrincipals' warnings.
	principals []principalRef
}

// Account returns the account of that name, or nil.
func (c *Config) Account(name string) *Account {
	for _, a := range c.Accounts {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// Daemon is the daemon block, with defaults filled in.
type Daemon struct {
	// sensitive names the attributes whose value came from a secret source;
	// plan renders them as "(sensitive)".
	sensitive map[string]bool

	StateDir        string        // "" = no persistence
	LogLevel        string        // debug | info | warn | error
	LogFormat       string        // text | json
	LoginRate       float64       // logins per second per API host, default 1
	LogoutOnExit    bool          // default false
	ShutdownTimeout time.Duration // default 10s
	Watch           bool          // default true
	Socket          Socket
	Admins          Principals
	MetricsListen   string // "" = no metrics endpoint
}

// Socket is the daemon.socket block.
type Socket struct {
	Path string      // default /run/swaykeep/swaykeep.sock
	Mode fs.FileMode // default 0666
}

// Principals names users and groups (readers, admins). Names are resolved to
// ids by whoever applies the config, not at load.
type Principals struct {
	Users  []string
	Groups []string

	// sensitive: a name came from a secret source; plan masks the lists.
	sensitive bool
}

// IsZero reports whether no user or group is named.
func (p Principals) IsZero() bool { return len(p.Users) == 0 && len(p.Groups) == 0 }

// PingAuto is the PingInterval value for `ping_interval = "auto"`: half the
// server's timeout.
const PingAuto time.Duration = 0

// Account is one declared account (one for_each instance), with defaults
// inherited and filled in.
type Account struct {
	Name string // "alpha", or "desk.eu" for a for_each instance

	// Login fields: a change to any of them means a new session.
	APIURL   string // normalised, with a trailing slash
	Domain   string // default "default"
	Username string
	Password secret.Secret
	CAFile   string

	// Timings: a change means a reschedule, no new session.
	PingInterval   time.Duration // PingAuto or a fixed interval
	RequestTimeout time.Duration // default 10s

	// Sinks and readers: a change means rewriting files, no new session.
	TokenFiles []TokenFile
	Readers    Principals

	// DeclRange is where the account block is declared.
	DeclRange hcl.Range

	// sensitive names the attributes whose value came from a secret source
	// (env(), file(), credential(), a sensitive variable); Diff renders them
	// as "(sensitive)". password is always sensitive.
	sensitive map[string]bool
}

// TokenFile is one token_file block.
type TokenFile struct {
	Path   string      // absolute
	Format Format      // default FormatRaw
	Mode   fs.FileMode // default 0600
	Group  string      // "" = the daemon's primary group
}

// Format is a token file's content format (DESIGN.md §4).
type Format string

const (
	FormatRaw    Format = "raw"    // the token, no newline
	FormatHeader Format = "header" // "Authorization: DXAPI <token>\n"
	FormatEnv    Format = "env"    // SWAY_TOKEN=..., SWAY_TOKEN_EXPIRES=...
	FormatJSON   Format = "json"   // {"account","token","expires_at","issued_at","api_url"}
)
