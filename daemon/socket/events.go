package socket

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/swaykeep/swaykeep/daemon/keeper"
)

// Event stream timings.
const (
	// keepaliveInterval: a comment line keeps proxies and idle timers from
	// closing a quiet stream, and finds clients that went away.
	keepaliveInterval = 30 * time.Second
	// eventWriteTimeout: a client that does not read its stream for this
	// long is dropped, so it holds nothing but its own connection.
	eventWriteTimeout = 10 * time.Second
)

// GET /v1/events: server-sent events of state and token changes of the
// accounts the peer may see, never the token itself. Visibility is checked
// per event against the current generation, so a reload that adds or
// removes the peer from an account's readers applies to an open stream.
//
// Each event is "event: state" (the state changed), "event: token" (the
// published token changed, same state) or "event: update" (anything else,
// such as an expiry moved), with one line of EventData JSON as its data.
// The stream starts with a ": subscribed" comment once the subscription is
// in place, and ends when the daemon stops or finds the client too slow.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	p := mustPeer(r)
	rc := http.NewResponseController(w)
	ch, cancel := s.b.Subscribe()
	defer cancel()

	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	if !s.sendEvent(w, rc, ": subscribed\n\n") {
		return
	}
	keepalive := time.NewTicker(keepaliveInterval)
	defer keepalive.Stop()
	for {
		var msg string
		select {
		case <-r.Context().Done():
			return
		case <-s.stopping:
			return
		case <-keepalive.C:
			msg = ": keepalive\n\n"
		case e, ok := <-ch:
			if !ok {
				return
			}
			if !s.eventVisible(p, e) {
				continue
			}
			data, err := json.Marshal(eventOf(e))
			if err != nil {
				continue
			}
			msg = fmt.Sprintf("event: %s\ndata: %s\n\n", eventName(e), data)
		}
		if !s.sendEvent(w, rc, msg) {
			return
		}
	}
}

// sendEvent writes and flushes one message within eventWriteTimeout.
func (s *Server) sendEvent(w io.Writer, rc *http.ResponseController, msg string) bool {
	_ = rc.SetWriteDeadline(time.Now().Add(eventWriteTimeout))
	if _, err := io.WriteString(w, msg); err != nil {
		return false
	}
	return rc.Flush() == nil
}

func (s *Server) eventVisible(p Peer, e keeper.Event) bool {
	if s.isAdmin(p) {
		return true // also events of accounts a reload just removed
	}
	a, ok := s.b.Account(e.Account)
	return ok && a.Readers.Contains(p)
}

func eventName(e keeper.Event) string {
	switch {
	case e.Old != e.New:
		return "state"
	case e.NewToken:
		return "token"
	default:
		return "update"
	}
}
