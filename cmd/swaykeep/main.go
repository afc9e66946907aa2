// Command swaykeep keeps Sway Charts API sessions alive and hands their
// tokens to scripts. Each subcommand is a thin call into a package; this
// package only parses flags and wires things together.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/swaykeep/swaykeep/daemon/buildinfo"
)

// Exit statuses shared by the subcommands.
const (
	exitOK     = 0
	exitFail   = 1
	exitUsage  = 2
	exitConfig = 78 // EX_CONFIG: invalid configuration at start (RestartPreventExitStatus=78)
)

// command is one subcommand.
type command struct {
	name     string
	synopsis string // one line for `swaykeep -h`
	run      func(args []string, stdout, stderr io.Writer) int
}

// commands in the order `swaykeep -h` lists them.
var commands = []command{
	{"run", "run the daemon", runRun},
	{"dev", "demo: the daemon on the built-in simulator, with a live status table", runDev},
	{"validate", "check a configuration", runValidate},
	{"fmt", "rewrite configuration files in canonical format", runFmt},
	{"plan", "show what a configuration change would do", runPlan},
	{"reload", "make the running daemon reload its configuration", runReload},
	{"status", "show every account's state", runStatus},
	{"token", "print an account's token", runToken},
	{"login", "make an account log in again", runLogin},
	{"simulate", "run the API simulator", runSimulate},
	{"version", "print the version", runVersion},
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return exitOK
	case "-version", "--version":
		return runVersion(nil, stdout, stderr)
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "swaykeep: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: swaykeep COMMAND [flags] [args]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.synopsis)
	}
	fmt.Fprintf(w, "\nRun 'swaykeep COMMAND -h' for a command's flags.\n")
}

// newFlagSet returns a flag set whose -h prints "Usage: swaykeep NAME ARGS",
// the description and the flags.
func newFlagSet(name, argsUsage, description string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: swaykeep %s [flags] %s\n\n%s\n", name, argsUsage, description)
		var any bool
		fs.VisitAll(func(*flag.Flag) { any = true })
		if any {
			fmt.Fprintf(fs.Output(), "\nFlags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

// errHelp means -h was asked for: exit 0 after the usage is printed.
var errHelp = flag.ErrHelp

// parseFlags parses args and refuses a flag written after the positional
// arguments (as Go's flag package would silently take it for an argument):
// `swaykeep token alpha -socket S` is an error, never a token named "-socket".
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, a := range fs.Args() {
		if a == "-" || !strings.HasPrefix(a, "-") {
			continue
		}
		err := fmt.Errorf("flag %s must come before the arguments: swaykeep %s [flags] args", a, fs.Name())
		fmt.Fprintln(fs.Output(), err)
		return err
	}
	return nil
}

// flagExit maps a parseFlags error to an exit status.
func flagExit(err error) int {
	if errors.Is(err, errHelp) {
		return exitOK
	}
	return exitUsage
}

func runVersion(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("version", "", "Print swaykeep's version.", stderr)
	if err := parseFlags(fs, args); err != nil {
		return flagExit(err)
	}
	fmt.Fprintf(stdout, "swaykeep %s\n", buildinfo.Version())
	return exitOK
}
