package main

import (
	"fmt"
	"io"
	"os"
	"os/user"

	"github.com/swaykeep/swaykeep/config"
)

// colorOK reports whether diagnostics written to w may use ANSI colours: a
// terminal, without -no-color, NO_COLOR or TERM=dumb.
func colorOK(w io.Writer, noColor bool) bool {
	if noColor || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func runValidate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate", "", `Check a configuration: syntax, types, variables, functions and every rule of
the language, without contacting the API. Prints errors and warnings with the
offending source line; exits 0 when the configuration is valid (warnings do
not fail it), 1 otherwise.`, stderr)
	sf := addSourceFlags(fs)
	noColor := fs.Bool("no-color", false, "print diagnostics without colours")
	if err := parseFlags(fs, args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "swaykeep validate takes no arguments; name the configuration with -config\n")
		return exitUsage
	}
	r := config.Load(sf.source())
	if r.Config != nil {
		// Names are resolved when the daemon applies them, on its host; an
		// unknown one is worth a warning, not a failure (DESIGN.md §2).
		r.Diagnostics = append(r.Diagnostics, r.Config.CheckPrincipals(userExists, groupExists)...)
	}
	if err := r.WriteDiagnostics(stderr, colorOK(stderr, *noColor)); err != nil {
		return exitFail
	}
	if r.Diagnostics.HasErrors() {
		return exitFail
	}
	n := len(r.Config.Accounts)
	noun := "accounts"
	if n == 1 {
		noun = "account"
	}
	fmt.Fprintf(stdout, "Success! The configuration is valid (%d %s).\n", n, noun)
	return exitOK
}

func userExists(name string) bool {
	if _, err := user.Lookup(name); err == nil {
		return true
	}
	_, err := user.LookupId(name)
	return err == nil
}

func groupExists(name string) bool {
	if _, err := user.LookupGroup(name); err == nil {
		return true
	}
	_, err := user.LookupGroupId(name)
	return err == nil
}
