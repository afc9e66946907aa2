package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/swaykeep/swaykeep/daemon"
	"github.com/swaykeep/swaykeep/daemon/logging"
)

func runRun(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("run", "", `Run the daemon: keep one session alive per configured account, write the
token files and serve the socket, until SIGTERM or SIGINT. SIGHUP reloads.
An invalid configuration at start exits with status 78 (EX_CONFIG).`, stderr)
	sf := addSourceFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "swaykeep run: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	log, err := logging.New("text", "info", stderr)
	if err != nil {
		fmt.Fprintln(stderr, "swaykeep run:", err)
		return exitFail
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	d := daemon.New(daemon.Options{Source: sf.source(), Log: log, Reload: hangups(ctx)})
	return exitStatus(d.Run(ctx), stderr)
}

// hangups turns SIGHUP into reload requests until ctx is done.
func hangups(ctx context.Context) <-chan struct{} {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGHUP)
	out := make(chan struct{}, 1)
	go func() {
		defer signal.Stop(sig)
		for {
			select {
			case <-ctx.Done():
				return
			case <-sig:
				select {
				case out <- struct{}{}:
				default:
				}
			}
		}
	}()
	return out
}

// exitStatus reports the end of a daemon run and maps it to an exit status.
func exitStatus(err error, stderr io.Writer) int {
	var ce *daemon.ConfigError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ce):
		if ce.Result != nil {
			ce.Result.WriteDiagnostics(stderr, false)
		}
		fmt.Fprintln(stderr, "swaykeep:", err)
		return exitConfig
	default:
		fmt.Fprintln(stderr, "swaykeep:", err)
		return exitFail
	}
}
