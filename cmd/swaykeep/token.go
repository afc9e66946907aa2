package main

import "io"

// TODO(issue): placeholder until the token command lands.
func runToken(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("token", "", "Not built yet.", stderr)
	if err := parseFlags(fs, args); err != nil {
		return flagExit(err)
	}
	return exitFail
}
