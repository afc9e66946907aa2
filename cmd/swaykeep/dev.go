package main

import "io"

// TODO(issue): placeholder until the dev command lands.
func runDev(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("dev", "", "Not built yet.", stderr)
	if err := parseFlags(fs, args); err != nil {
		return flagExit(err)
	}
	return exitFail
}
