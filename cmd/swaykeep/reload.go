package main

import "io"

// TODO(issue): placeholder until the reload command lands.
func runReload(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("reload", "", "Not built yet.", stderr)
	if err := parseFlags(fs, args); err != nil {
		return flagExit(err)
	}
	return exitFail
}
