package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/swaykeep/swaykeep/config"
	"github.com/swaykeep/swaykeep/daemon"
	"github.com/swaykeep/swaykeep/daemon/logging"
	"github.com/swaykeep/swaykeep/daemon/socket"
	"github.com/swaykeep/swaykeep/daemon/socket/client"
	"github.com/swaykeep/swaykeep/daemon/swayapi/swayapitest"
)

const devHelp = `The one-command demo: starts the API simulator on a loopback port with the
users of examples/dev/users.txt, and the daemon with examples/dev/ (a few
accounts, one with a wrong password). Token files, the state directory and
the socket go under -dir. On a terminal it shows a live status table (logs go
to DIR/swaykeep.log); otherwise it prints log lines. Stop it with Ctrl-C.`

func runDev(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("dev", "", devHelp, stderr)
	dir := fs.String("dir", "swaykeep-dev", "`directory` for token files, state and the socket")
	examples := fs.String("config", filepath.Join("examples", "dev"), "the demo configuration `directory`")
	timeout := fs.Duration("session-timeout", 2*time.Minute, "the simulator's session timeout (pings come at half of it)")
	if err := parseFlags(fs, args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "swaykeep dev: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	out, err := filepath.Abs(*dir)
	if err != nil {
		fmt.Fprintln(stderr, "swaykeep dev:", err)
		return exitFail
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		fmt.Fprintln(stderr, "swaykeep dev:", err)
		return exitFail
	}

	users, err := readSimUsers(filepath.Join(*examples, "users.txt"))
	if err != nil {
		fmt.Fprintln(stderr, "swaykeep dev:", err)
		return exitFail
	}
	sim := swayapitest.New(swayapitest.Options{Timeout: *timeout, LoginRate: 10, LoginBurst: 10})
	for _, u := range users {
		sim.AddUser(u.username, u.domain, u.password)
	}
	srv, err := swayapitest.Listen(sim, "127.0.0.1:0", false)
	if err != nil {
		fmt.Fprintln(stderr, "swaykeep dev:", err)
		return exitFail
	}
	defer srv.Close()

	tty := isTerminal(stdout)
	logOut := stderr
	if tty {
		f, err := os.OpenFile(filepath.Join(out, "swaykeep.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			fmt.Fprintln(stderr, "swaykeep dev:", err)
			return exitFail
		}
		defer f.Close()
		logOut = f
	}
	log, err := logging.New("text", "info", logOut)
	if err != nil {
		fmt.Fprintln(stderr, "swaykeep dev:", err)
		return exitFail
	}
	src := config.OSSource(*examples)
	src.Vars = []string{"api_url=" + srv.URL, "out_dir=" + out}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	d := daemon.New(daemon.Options{Source: src, Log: log, Reload: hangups(ctx)})
	fmt.Fprintf(stderr, "simulator on %s; tokens, state and socket under %s\n", srv.URL, out)
	done := make(chan int, 1)
	go func() { done <- exitStatus(d.Run(ctx), stderr) }()
	if !tty {
		return <-done
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case code := <-done:
			return code
		case <-tick.C:
			if d.Config() != nil {
				fmt.Fprint(stdout, "\x1b[H\x1b[2J")
				var table []socket.AccountStatus
				for _, st := range d.Statuses() {
					table = append(table, socket.StatusOf(st))
				}
				client.WriteTable(stdout, table, time.Now())
				fmt.Fprintf(stdout, "\nsimulator %s · files under %s · logs in swaykeep.log · Ctrl-C stops\n", srv.URL, out)
			}
		}
	}
}
