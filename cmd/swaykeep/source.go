package main

import (
	"flag"
	"os"
	"strings"

	"github.com/swaykeep/swaykeep/config"
)

// sourceFlags are the flags that say where a configuration comes from,
// shared by run, validate and plan.
type sourceFlags struct {
	path     string
	vars     listFlag
	varFiles listFlag
	credDir  string
}

func addSourceFlags(fs *flag.FlagSet) *sourceFlags {
	s := &sourceFlags{}
	fs.StringVar(&s.path, "config", envOr("SWAYKEEP_CONFIG", config.DefaultPath), "configuration file or directory (env SWAYKEEP_CONFIG)")
	fs.Var(&s.vars, "var", "set a variable: -var name=value (repeatable; later wins)")
	fs.Var(&s.varFiles, "var-file", "read variables from an HCL file (repeatable)")
	fs.StringVar(&s.credDir, "credentials-dir", os.Getenv("CREDENTIALS_DIRECTORY"), "directory credential() reads (systemd sets $CREDENTIALS_DIRECTORY)")
	return s
}

// source returns the config.Source the flags describe, reading the real file
// system and environment.
func (s *sourceFlags) source() config.Source {
	src := config.OSSource(s.path)
	src.Vars = s.vars
	src.VarFiles = s.varFiles
	src.CredentialsDir = s.credDir
	return src
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
