package socket

import (
	"encoding/json"
	"log"
	"net/http"
	"strconv"
	"strings"

	"github.com/sirupsen/logrus"
)

// WriteJSON writes v as a JSON answer with a trailing newline (for curl).
// Routes added with Handle use it, and WriteError, to answer as the others do.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encode answer"}`)
	}
	b = append(b, '\n')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// WriteError writes the API's error answer, {"error": msg}.
func WriteError(w http.ResponseWriter, status int, msg string) {
	WriteJSON(w, status, ErrorAnswer{Error: msg})
}

// notFound is the answer for an unknown account and, identically, for an
// account the peer may not see (DESIGN.md §4: byte for byte). It does not
// even repeat the name, so that two such answers can be compared whole.
func notFound(w http.ResponseWriter, _ string) {
	WriteError(w, http.StatusNotFound, NotFoundMessage)
}

// NotFoundMessage is the error of every 404 about an account.
const NotFoundMessage = "no such account, or not one you may see"

// newStdLogger routes net/http's own messages (TLS-less accept errors,
// panics in handlers) to logrus at warning level.
func newStdLogger(l logrus.FieldLogger) *log.Logger {
	return log.New(logWriter{l}, "", 0)
}

type logWriter struct{ l logrus.FieldLogger }

func (w logWriter) Write(p []byte) (int, error) {
	w.l.Warn("socket: " + strings.TrimSpace(string(p)))
	return len(p), nil
}

// adminOnlyMessage is the 403 of an admin action asked by a non-admin.
const adminOnlyMessage = "admin only: root, the daemon's user or a member of its admins block"
