package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/swaykeep/swaykeep/daemon/socket/client"
)

// runToken prints an account's token: exactly the token, so that
// TOKEN=$(swaykeep token alpha) and pipes get it byte for byte; a newline
// follows only when stdout is a terminal, to keep the shell prompt off it.
func runToken(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("token", "NAME", "Print the account's session token, from the running daemon.", stderr)
	socketPath := socketFlag(fs)
	minValid := fs.Duration("min-valid", 0, "a token valid at least this long (the daemon pings or logs in first if needed)")
	wait := fs.Duration("wait", 0, "wait up to this long for a token instead of failing (the daemon caps it at 5m)")
	if err := parseFlags(fs, args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "swaykeep token: expected exactly one account name")
		fs.Usage()
		return exitUsage
	}
	ctx, stop := commandContext(*wait + *minValid)
	defer stop()
	c := client.New(client.SocketPath(*socketPath))
	t, err := c.Token(ctx, fs.Arg(0), *minValid, *wait)
	if err != nil {
		fmt.Fprintf(stderr, "swaykeep token: %v\n", err)
		return exitFail
	}
	if isTerminal(stdout) {
		fmt.Fprintln(stdout, t.Token)
	} else {
		io.WriteString(stdout, t.Token)
	}
	return exitOK
}

// socketFlag adds -socket to a command that talks to the daemon.
func socketFlag(fs *flag.FlagSet) *string {
	return fs.String("socket", "", fmt.Sprintf("the daemon's socket (default $%s, else %s)", client.EnvSocket, client.DefaultPath))
}

// commandContext bounds a request to the daemon: a generous allowance plus
// whatever the request itself may wait; Ctrl-C ends it too.
func commandContext(extra time.Duration) (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second+extra)
	return ctx, func() { cancel(); stop() }
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
