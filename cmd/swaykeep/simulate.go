package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/swaykeep/swaykeep/daemon/swayapi"
	"github.com/swaykeep/swaykeep/daemon/swayapi/swayapitest"
)

const simulateHelp = `Run the Sway Charts API simulator (docs/simulator.md): login, ping and logout
under /dxsca-web/, control endpoints under /_sim/. Prints
"simulator listening on <base URL>" once it accepts connections, then serves
until SIGINT or SIGTERM.`

// userFlags collects repeated -user username:domain:password values.
type userFlags []simUser

type simUser struct{ username, domain, password string }

func (u *userFlags) String() string { return "" }

func (u *userFlags) Set(v string) error {
	su, err := parseSimUser(v)
	if err != nil {
		return err
	}
	*u = append(*u, su)
	return nil
}

// parseSimUser reads username:domain:password (the password may hold colons).
func parseSimUser(v string) (simUser, error) {
	parts := strings.SplitN(v, ":", 3)
	if len(parts) != 3 || parts[0] == "" {
		return simUser{}, fmt.Errorf("want username:domain:password")
	}
	return simUser{parts[0], parts[1], parts[2]}, nil
}

func runSimulate(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return simulate(ctx, args, stdout, stderr)
}

// simulate runs the simulator until ctx ends.
func simulate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("simulate", "", simulateHelp, stderr)
	var users userFlags
	listen := fs.String("listen", "127.0.0.1:8090", "`address` to listen on (port 0 picks a free one)")
	fs.Var(&users, "user", "a user as `username:domain:password` (repeatable)")
	usersFile := fs.String("users", "", "`file` of users, one username:domain:password per line, # comments")
	timeout := fs.String("timeout", "00:30:00", "session inactivity timeout, HH:MM:SS or a Go `duration` (30m)")
	form := fs.String("timeout-form", "hms", "wire form of timeout: "+strings.Join(swayapitest.TimeoutForms, ", "))
	rate := fs.Float64("login-rate", 1, "logins per second per source IP; 0 = unlimited")
	burst := fs.Int("login-burst", 1, "burst of the login limit")
	pingAnswer := fs.String("ping-answer", "session", "body of a successful ping: session ({\"sessionToken\",\"timeout\"}), {} or empty")
	concurrent := fs.Bool("concurrent-sessions", false, "let a user hold several sessions (default: a new login ends the old session)")
	tlsCert := fs.String("tls-cert", "", "serve TLS with a generated self-signed certificate for 127.0.0.1/localhost, written as PEM to `file`")
	if err := parseFlags(fs, args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "swaykeep simulate: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	d, err := parseSimTimeout(*timeout)
	if err != nil {
		fmt.Fprintf(stderr, "swaykeep simulate: -timeout %q: %v\n", *timeout, err)
		return exitUsage
	}
	if !validChoice(*form, swayapitest.TimeoutForms) {
		fmt.Fprintf(stderr, "swaykeep simulate: -timeout-form %q: want one of %s\n", *form, strings.Join(swayapitest.TimeoutForms, ", "))
		return exitUsage
	}
	if !validChoice(*pingAnswer, swayapitest.PingAnswers) {
		fmt.Fprintf(stderr, "swaykeep simulate: -ping-answer %q: want one of %s\n", *pingAnswer, strings.Join(swayapitest.PingAnswers, ", "))
		return exitUsage
	}
	if *usersFile != "" {
		fromFile, err := readSimUsers(*usersFile)
		if err != nil {
			fmt.Fprintf(stderr, "swaykeep simulate: %v\n", err)
			return exitUsage
		}
		users = append(users, fromFile...)
	}
	loginRate := *rate
	if loginRate <= 0 {
		loginRate = -1 // the simulator's "unlimited"
	}
	sim := swayapitest.New(swayapitest.Options{
		Timeout: d, TimeoutForm: *form, LoginRate: loginRate, LoginBurst: *burst,
		ConcurrentSessions: *concurrent, PingAnswer: *pingAnswer,
	})
	for _, u := range users {
		sim.AddUser(u.username, u.domain, u.password)
	}

	srv, err := swayapitest.Listen(sim, *listen, *tlsCert != "")
	if err != nil {
		fmt.Fprintf(stderr, "swaykeep simulate: %v\n", err)
		return exitFail
	}
	if *tlsCert != "" {
		if err := srv.WriteCert(*tlsCert); err != nil {
			srv.Close()
			fmt.Fprintf(stderr, "swaykeep simulate: %v\n", err)
			return exitFail
		}
	}
	fmt.Fprintf(stdout, "simulator listening on %s\n", srv.URL)
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(shutdown)
	return exitOK
}

// parseSimTimeout reads HH:MM:SS (as the API writes it) or a Go duration.
func parseSimTimeout(s string) (time.Duration, error) {
	if strings.Contains(s, ":") {
		q, _ := json.Marshal(s)
		if d, ok := swayapi.ParseTimeout(q); ok {
			return d, nil
		}
		return 0, fmt.Errorf("not a positive HH:MM:SS interval")
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("want HH:MM:SS or a positive Go duration such as 30m")
	}
	return d, nil
}

func validChoice(v string, choices []string) bool {
	for _, c := range choices {
		if c == v {
			return true
		}
	}
	return false
}

// readSimUsers reads a -users file: username:domain:password per line,
// blank lines and # comments ignored.
func readSimUsers(path string) ([]simUser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read users file: %w", err)
	}
	defer f.Close()
	var users []simUser
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		u, err := parseSimUser(line)
		if err != nil {
			// Never quote the line: it holds a password.
			return nil, fmt.Errorf("users file %s:%d: %v", path, n, err)
		}
		users = append(users, u)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read users file %q: %w", path, err)
	}
	return users, nil
}
