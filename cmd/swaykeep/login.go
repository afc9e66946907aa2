package main

import (
	"fmt"
	"io"

	"github.com/swaykeep/swaykeep/daemon/socket/client"
)

// runLogin asks the daemon to drop an account's session and log in again,
// which also clears a rejected or disabled verdict. Admins only.
func runLogin(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("login", "NAME", "Make the running daemon drop the account's session and log in again\n(also after a rejected password or disabled access). Admins only.", stderr)
	socketPath := socketFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "swaykeep login: expected exactly one account name")
		fs.Usage()
		return exitUsage
	}
	ctx, stop := commandContext(0)
	defer stop()
	name := fs.Arg(0)
	if err := client.New(client.SocketPath(*socketPath)).Login(ctx, name); err != nil {
		fmt.Fprintf(stderr, "swaykeep login: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "login of %s requested; follow it with: swaykeep status\n", name)
	return exitOK
}
