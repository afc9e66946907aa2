package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/swaykeep/swaykeep/config"
	"github.com/swaykeep/swaykeep/daemon"
	"github.com/swaykeep/swaykeep/daemon/socket/client"
)

const planHelp = `Show what a configuration would change, Terraform-style, applying nothing.
The candidate files are sent to the running daemon, which evaluates them with
its own variables, environment and credentials and compares them with the
configuration it runs. When no daemon listens (no socket, or connection
refused; not when access is denied), the plan is made locally against an
empty configuration, with the -var, -var-file and -credentials-dir given.

  + account "x"    added: logs in
  - account "y"    removed: logged out, token files removed
  ~ account "z"    changed, attribute by attribute (old -> new)

Exit status: 0 when the candidate is valid, 1 when it has errors or the
daemon cannot be asked.`

func runPlan(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("plan", "", planHelp, stderr)
	sf := addSourceFlags(fs)
	sock := socketFlag(fs)
	noColor := fs.Bool("no-color", false, "no colour in diagnostics")
	if err := parseFlags(fs, args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "swaykeep plan: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	req, err := candidate(sf.path)
	if err != nil {
		fmt.Fprintln(stderr, "swaykeep plan:", err)
		return exitFail
	}
	ans, err := remotePlan(client.SocketPath(*sock), req)
	if errors.Is(err, client.ErrNoDaemon) {
		fmt.Fprintln(stderr, "No daemon is listening: planning against an empty configuration.")
		ans = localPlan(sf.source(), colorOK(stderr, *noColor))
	} else if err != nil {
		fmt.Fprintln(stderr, "swaykeep plan:", err)
		return exitFail
	}
	fmt.Fprint(stderr, ans.Diagnostics)
	if !ans.OK {
		return exitFail
	}
	fmt.Fprint(stdout, ans.Plan)
	return exitOK
}

// candidate reads the configuration files at path (a file, or the *.hcl and
// *.hcl.json files of a directory) into a plan request.
func candidate(path string) (daemon.PlanRequest, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return daemon.PlanRequest{}, err
	}
	req := daemon.PlanRequest{Path: abs, Files: make(map[string]string)}
	names := []string{abs}
	if fi, err := os.Stat(abs); err != nil {
		return req, err
	} else if fi.IsDir() {
		entries, err := os.ReadDir(abs)
		if err != nil {
			return req, err
		}
		names = names[:0]
		for _, e := range entries {
			if !e.IsDir() && (strings.HasSuffix(e.Name(), ".hcl") || strings.HasSuffix(e.Name(), ".hcl.json")) {
				names = append(names, filepath.Join(abs, e.Name()))
			}
		}
		if len(names) == 0 {
			return req, fmt.Errorf("no *.hcl or *.hcl.json files in %s", abs)
		}
	}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return req, err
		}
		req.Files[n] = string(b)
	}
	return req, nil
}

// remotePlan asks the daemon at sock to plan req.
func remotePlan(sock string, req daemon.PlanRequest) (daemon.PlanAnswer, error) {
	var ans daemon.PlanAnswer
	body, err := json.Marshal(req)
	if err != nil {
		return ans, err
	}
	ctx, cancel := commandContext(0)
	defer cancel()
	c := client.New(sock)
	defer c.Close()
	resp, err := c.Do(ctx, http.MethodPost, "/v1/plan", bytes.NewReader(body), http.Header{"Content-Type": {"application/json"}})
	if err != nil {
		return ans, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return ans, fmt.Errorf("read the daemon's answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		json.Unmarshal(b, &e)
		if e.Error == "" {
			e.Error = strings.TrimSpace(string(b))
		}
		return ans, fmt.Errorf("the daemon answered %s: %s", resp.Status, e.Error)
	}
	return ans, json.Unmarshal(b, &ans)
}

// localPlan plans src against an empty configuration.
func localPlan(src config.Source, color bool) daemon.PlanAnswer {
	res := config.Load(src)
	var ans daemon.PlanAnswer
	var buf bytes.Buffer
	res.WriteDiagnostics(&buf, color)
	ans.Diagnostics = buf.String()
	if res.Diagnostics.HasErrors() {
		return ans
	}
	ans.OK = true
	ans.Diff = config.Compare(nil, res.Config)
	buf.Reset()
	ans.Diff.WriteText(&buf)
	ans.Plan = buf.String()
	return ans
}
