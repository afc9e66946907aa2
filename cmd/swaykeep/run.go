package main

import "io"

// TODO(issue): placeholder until the run command lands.
func runRun(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("run", "", "Not built yet.", stderr)
	if err := parseFlags(fs, args); err != nil {
		return flagExit(err)
	}
	return exitFail
}
