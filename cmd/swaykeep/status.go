package main

import "io"

// TODO(issue): placeholder until the status command lands.
func runStatus(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("status", "", "Not built yet.", stderr)
	if err := parseFlags(fs, args); err != nil {
		return flagExit(err)
	}
	return exitFail
}
