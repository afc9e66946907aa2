package main

import "io"

// TODO(issue): placeholder until the plan command lands.
func runPlan(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("plan", "", "Not built yet.", stderr)
	if err := parseFlags(fs, args); err != nil {
		return flagExit(err)
	}
	return exitFail
}
