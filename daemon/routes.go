package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/swaykeep/swaykeep/config"
	"github.com/swaykeep/swaykeep/daemon/socket"
)

// ReloadAnswer is the body of POST /v1/reload.
type ReloadAnswer struct {
	OK          bool        `json:"ok"`
	Changed     bool        `json:"changed"`
	Summary     string      `json:"summary"`
	Changes     string      `json:"changes,omitempty"`     // the applied diff, rendered as a plan
	Diagnostics string      `json:"diagnostics,omitempty"` // rendered warnings and errors
	Diff        config.Diff `json:"diff"`
}

// PlanRequest is the body of POST /v1/plan: candidate configuration files,
// which the daemon evaluates with its own variables, environment and
// credentials.
type PlanRequest struct {
	// Path is the -config the candidate stands for (a file or directory);
	// relative file() paths resolve from the files' own directories.
	Path string `json:"path"`
	// Files maps absolute file names to their content.
	Files map[string]string `json:"files"`
}

// PlanAnswer is the answer to POST /v1/plan.
type PlanAnswer struct {
	OK          bool        `json:"ok"` // false: the candidate has errors
	Plan        string      `json:"plan,omitempty"`
	Diagnostics string      `json:"diagnostics,omitempty"`
	Diff        config.Diff `json:"diff"`
}

// maxPlanBody caps a plan request: a large fleet's config is a few MiB.
const maxPlanBody = 16 << 20

// addRoutes adds the admin routes of reload and plan to the socket server.
func (d *Daemon) addRoutes(s *socket.Server) {
	s.Handle(socket.Route{Pattern: "POST /v1/reload", Admin: true, Timeout: reloadTimeout, Handler: http.HandlerFunc(d.serveReload)})
	s.Handle(socket.Route{Pattern: "POST /v1/plan", Admin: true, MaxBody: maxPlanBody, Handler: http.HandlerFunc(d.servePlan)})
}

func (d *Daemon) serveReload(w http.ResponseWriter, r *http.Request) {
	// A client that hangs up must not cut the reload short: removed
	// accounts are still logged out, within the route's own time limit.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), reloadTimeout)
	defer cancel()
	res := d.Reload(ctx)
	ans := ReloadAnswer{OK: res.OK, Changed: res.Changed, Summary: res.Summary(), Diagnostics: res.Diagnostics, Diff: res.Diff}
	if res.Changed {
		var buf bytes.Buffer
		res.Diff.WriteText(&buf)
		ans.Changes = buf.String()
	}
	status := http.StatusOK
	if !res.OK {
		status = http.StatusUnprocessableEntity
	}
	socket.WriteJSON(w, status, ans)
}

func (d *Daemon) servePlan(w http.ResponseWriter, r *http.Request) {
	var req PlanRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		socket.WriteError(w, http.StatusBadRequest, "plan request: "+err.Error())
		return
	}
	if !filepath.IsAbs(req.Path) || len(req.Files) == 0 {
		socket.WriteError(w, http.StatusBadRequest, "plan request: path must be absolute and files not empty")
		return
	}
	src := d.opts.Source
	src.Path = req.Path
	src.Files = make(map[string][]byte, len(req.Files))
	for name, content := range req.Files {
		if !filepath.IsAbs(name) || strings.Contains(name, "\x00") {
			socket.WriteError(w, http.StatusBadRequest, "plan request: file names must be absolute")
			return
		}
		src.Files[filepath.Clean(name)] = []byte(content)
	}
	res := config.Load(src)
	var ans PlanAnswer
	if len(res.Diagnostics) > 0 {
		var buf bytes.Buffer
		res.WriteDiagnostics(&buf, false)
		ans.Diagnostics = buf.String()
	}
	if !res.Diagnostics.HasErrors() {
		ans.OK = true
		ans.Diff = config.Compare(d.Config(), res.Config)
		var buf bytes.Buffer
		ans.Diff.WriteText(&buf)
		ans.Plan = buf.String()
	}
	socket.WriteJSON(w, http.StatusOK, ans)
}
