package main

import "io"

// TODO(issue): placeholder until the fmt command lands.
func runFmt(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("fmt", "", "Not built yet.", stderr)
	if err := parseFlags(fs, args); err != nil {
		return flagExit(err)
	}
	return exitFail
}
