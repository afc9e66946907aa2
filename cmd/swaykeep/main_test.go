package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestHelpForEveryCommand: `swaykeep COMMAND -h` prints the command's usage
// and exits 0, for every command.
func TestHelpForEveryCommand(t *testing.T) {
	for _, c := range commands {
		var out, errOut bytes.Buffer
		if code := dispatch([]string{c.name, "-h"}, &out, &errOut); code != exitOK {
			t.Errorf("%s -h: exit %d", c.name, code)
		}
		if !strings.Contains(errOut.String(), "Usage: swaykeep "+c.name) {
			t.Errorf("%s -h prints:\n%s", c.name, errOut.String())
		}
	}
	var out bytes.Buffer
	if code := dispatch([]string{"-h"}, &out, &out); code != exitOK || !strings.Contains(out.String(), "simulate") {
		t.Errorf("swaykeep -h: exit %d\n%s", code, out.String())
	}
}

// TestFlagAfterArgumentsIsAnError: `swaykeep token alpha -socket S` must not
// ask for an account named "-socket" nor ignore the flag.
func TestFlagAfterArgumentsIsAnError(t *testing.T) {
	for _, args := range [][]string{
		{"token", "alpha", "-socket", "/tmp/s"},
		{"login", "alpha", "-socket=/tmp/s"},
		{"fmt", "examples", "-check"},
	} {
		var out, errOut bytes.Buffer
		if code := dispatch(args, &out, &errOut); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
		if !strings.Contains(errOut.String(), "must come before the arguments") {
			t.Errorf("%q: %s", args, errOut.String())
		}
	}
}

func TestUnknownCommandAndVersion(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := dispatch([]string{"frobnicate"}, &out, &errOut); code != exitUsage || !strings.Contains(errOut.String(), `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, %s", code, errOut.String())
	}
	out.Reset()
	if code := dispatch([]string{"version"}, &out, &errOut); code != exitOK || !strings.HasPrefix(out.String(), "swaykeep ") {
		t.Errorf("version: exit %d, %q", code, out.String())
	}
}
