package main

import "io"

// TODO(issue): placeholder until the validate command lands.
func runValidate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate", "", "Not built yet.", stderr)
	if err := parseFlags(fs, args); err != nil {
		return flagExit(err)
	}
	return exitFail
}
