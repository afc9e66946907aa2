package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/swaykeep/swaykeep/daemon/socket"
	"github.com/swaykeep/swaykeep/daemon/socket/client"
)

// runStatus shows the accounts this user may see: a table, or JSON. With
// -watch it refreshes the table in place on a terminal; elsewhere it prints
// a new table whenever a state or error changes.
func runStatus(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("status", "", "Show every account's state, token expiry and last error, from the running daemon.", stderr)
	socketPath := socketFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON (the socket's GET /v1/accounts answer)")
	watch := fs.Bool("watch", false, "keep refreshing until interrupted")
	interval := fs.Duration("interval", 2*time.Second, "refresh interval of -watch")
	if err := parseFlags(fs, args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(stderr, "swaykeep status: takes no arguments")
		return exitUsage
	}
	if *watch && *asJSON {
		fmt.Fprintln(stderr, "swaykeep status: -watch and -json do not go together")
		return exitUsage
	}
	if *interval < 100*time.Millisecond {
		*interval = 100 * time.Millisecond
	}
	c := client.New(client.SocketPath(*socketPath))
	if !*watch {
		ctx, stop := commandContext(0)
		defer stop()
		accounts, err := c.Accounts(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "swaykeep status: %v\n", err)
			return exitFail
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			enc.Encode(socket.AccountList{Accounts: accounts})
			return exitOK
		}
		client.WriteTable(stdout, accounts, time.Now())
		return exitOK
	}
	return watchStatus(c, *interval, stdout, stderr)
}

// watchStatus polls the daemon until interrupted.
func watchStatus(c *client.Client, interval time.Duration, stdout, stderr io.Writer) int {
	ctx, stop := commandContext(100 * 365 * 24 * time.Hour)
	defer stop()
	tty := isTerminal(stdout)
	var last string
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		accounts, err := c.Accounts(ctx)
		if ctx.Err() != nil {
			return exitOK // interrupted
		}
		switch {
		case err != nil && tty:
			fmt.Fprintf(stdout, "\x1b[H\x1b[2Jswaykeep status: %v\n", err)
		case err != nil:
			fmt.Fprintf(stderr, "swaykeep status: %v\n", err)
		case tty:
			var b bytes.Buffer
			b.WriteString("\x1b[H\x1b[2J") // home, clear screen
			client.WriteTable(&b, accounts, time.Now())
			fmt.Fprintf(&b, "\n%s, every %s; Ctrl-C to stop\n", time.Now().Format(time.TimeOnly), interval)
			stdout.Write(b.Bytes())
		default:
			if key := changeKey(accounts); key != last {
				last = key
				fmt.Fprintf(stdout, "%s\n", time.Now().Format(time.RFC3339))
				client.WriteTable(stdout, accounts, time.Now())
				fmt.Fprintln(stdout)
			}
		}
		select {
		case <-ctx.Done():
			return exitOK
		case <-tick.C:
		}
	}
}

// changeKey is what a new table is printed for when stdout is no terminal:
// the states and errors, not the expiries that move with every ping.
func changeKey(accounts []socket.AccountStatus) string {
	var b strings.Builder
	for _, a := range accounts {
		fmt.Fprintf(&b, "%s\x00%s\x00%s\n", a.Account, a.State, a.LastError)
	}
	return b.String()
}
