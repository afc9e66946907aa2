package main

import "io"

// TODO(issue): placeholder until the simulate command lands.
func runSimulate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("simulate", "", "Not built yet.", stderr)
	if err := parseFlags(fs, args); err != nil {
		return flagExit(err)
	}
	return exitFail
}
