package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/swaykeep/swaykeep/daemon"
	"github.com/swaykeep/swaykeep/daemon/socket/client"
)

func runReload(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("reload", "", `Make the running daemon reload its configuration now, wait for the result
and print the changes applied, or the diagnostics. Exits non-zero when the
new configuration is refused (the daemon keeps running the old one), so
systemd's ExecReload= and "systemctl reload" report a broken config.`, stderr)
	sock := socketFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "swaykeep reload: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	ctx, cancel := commandContext(0)
	defer cancel()
	c := client.New(client.SocketPath(*sock))
	defer c.Close()
	resp, err := c.Do(ctx, http.MethodPost, "/v1/reload", nil, http.Header{"Accept": {"application/json"}})
	if err != nil {
		fmt.Fprintln(stderr, "swaykeep reload:", err)
		return exitFail
	}
	defer resp.Body.Close()
	var ans daemon.ReloadAnswer
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusUnprocessableEntity {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		fmt.Fprintf(stderr, "swaykeep reload: the daemon answered %s: %s\n", resp.Status, b)
		return exitFail
	}
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil {
		fmt.Fprintln(stderr, "swaykeep reload: decode the answer:", err)
		return exitFail
	}
	if ans.Diagnostics != "" {
		fmt.Fprint(stderr, ans.Diagnostics)
	}
	if !ans.OK {
		fmt.Fprintln(stderr, "swaykeep reload:", ans.Summary)
		return exitFail
	}
	if ans.Changes != "" {
		fmt.Fprint(stdout, ans.Changes)
	}
	fmt.Fprintln(stdout, "reload", ans.Summary)
	return exitOK
}
