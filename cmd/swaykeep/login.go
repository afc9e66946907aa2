package main

import "io"

// TODO(issue): placeholder until the login command lands.
func runLogin(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("login", "", "Not built yet.", stderr)
	if err := parseFlags(fs, args); err != nil {
		return flagExit(err)
	}
	return exitFail
}
