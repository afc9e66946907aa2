package socket_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/swaykeep/swaykeep/daemon/keeper"
	"github.com/swaykeep/swaykeep/daemon/socket"
)

// sseEvent is one parsed server-sent event.
type sseEvent struct {
	name string
	data socket.EventData
	raw  string
}

// readEvent reads the next event, skipping comments (keepalives).
func readEvent(t *testing.T, r *bufio.Reader) sseEvent {
	t.Helper()
	var ev sseEvent
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("read event stream: %v", err)
		}
		ev.raw += line
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "" && ev.name != "":
			return ev
		case line == "" || strings.HasPrefix(line, ":"):
			ev.raw = ""
		case strings.HasPrefix(line, "event: "):
			ev.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.data); err != nil {
				t.Fatalf("event data %q: %v", line, err)
			}
		}
	}
}

// stream starts GET /v1/events as peer and returns its reader once the
// subscription is in place, and a function that ends it and waits.
func stream(t *testing.T, s *socket.Server, p socket.Peer) (*bufio.Reader, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req := httptestRequest("GET", "/v1/events", "", p).WithContext(socket.WithPeer(ctx, p))
	rec, pr := newStreamRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer rec.w.Close() // the answer ends with the handler
		s.Handler().ServeHTTP(rec, req)
	}()
	r := bufio.NewReader(pr)
	if line, err := r.ReadString('\n'); err != nil || line != ": subscribed\n" {
		t.Fatalf("stream starts with %q, %v", line, err)
	}
	r.ReadString('\n')
	if rec.code != http.StatusOK || rec.header.Get("Content-Type") != "text/event-stream" {
		t.Errorf("stream answered %d %q", rec.code, rec.header.Get("Content-Type"))
	}
	return r, func() {
		cancel()
		pr.Close()
		<-done
	}
}

// TestEventsFilteredInOrder: a reader sees its accounts' events, in order,
// never the token; visibility follows reloads; an admin sees everything.
func TestEventsFilteredInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBackend()
		s := newServer(t, b)
		rd, stopReader := stream(t, s, reader)
		ad, stopAdmin := stream(t, s, groupAdmin)

		exp := time.Now().Add(sessionTTL)
		b.Publish("gamma", tokenOf("gamma"), exp)
		b.Publish("alpha", tokenOf("alpha"), exp)
		b.Publish("beta", tokenOf("beta"), exp)
		b.Emit(keeper.Event{Time: time.Now(), Account: "alpha", Old: keeper.Active, New: keeper.Active, Published: true, NewToken: true, Expires: exp})
		b.Unpublish("alpha", keeper.Backoff, "ping: transient failure", time.Now().Add(time.Minute))
		expect(t, rd, "state alpha pending->active", "token alpha active->active", "state alpha active->backoff")

		// A reload makes the reader a reader of beta and no longer of alpha.
		// Visibility is judged when an event is delivered, by the generation
		// current then.
		b.Set(socket.Account{Status: keeper.Status{Account: "alpha", State: keeper.Backoff}})
		b.Set(socket.Account{Status: keeper.Status{Account: "beta", State: keeper.Active}, Readers: socket.Principals{UIDs: []uint32{readerUID}}})
		b.Emit(keeper.Event{Time: time.Now(), Account: "alpha", Old: keeper.Backoff, New: keeper.Pending})
		b.Emit(keeper.Event{Time: time.Now(), Account: "beta", Old: keeper.Active, New: keeper.Degraded, Published: true, Expires: exp, Err: "ping: transient failure"})
		b.Emit(keeper.Event{Time: time.Now(), Account: "beta", Old: keeper.Degraded, New: keeper.Degraded, Published: true, Expires: exp.Add(time.Minute)})
		expect(t, rd, "state beta active->degraded", "update beta degraded->degraded")

		if ev := readEvent(t, ad); ev.data.Account != "gamma" || !ev.data.NewToken || !ev.data.ExpiresAt.Equal(exp) {
			t.Errorf("admin's first event %+v, want gamma's new token", ev.data)
		}
		expect(t, ad, "state alpha pending->active", "state beta pending->active", "token alpha active->active",
			"state alpha active->backoff", "state alpha backoff->pending", "state beta active->degraded", "update beta degraded->degraded")
		stopReader()
		stopAdmin()
		if n := b.Subscribers(); n != 0 {
			t.Errorf("%d subscriptions left open", n)
		}
	})
}

// TestEventsKeepaliveAndShutdown: a quiet stream gets keepalive comments;
// Shutdown ends it.
func TestEventsKeepaliveAndShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBackend()
		s := newServer(t, b)
		rd, stop := stream(t, s, reader)
		time.Sleep(31 * time.Second)
		if line, _ := rd.ReadString('\n'); line != ": keepalive\n" {
			t.Errorf("after 31s of silence: %q, want a keepalive", line)
		}
		rd.ReadString('\n')
		if err := s.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		if rest, err := io.ReadAll(rd); err != nil || len(rest) != 0 {
			t.Errorf("stream after shutdown: %q, %v; want its end", rest, err)
		}
		stop()
	})
}

// expect reads events and compares them, as "NAME ACCOUNT OLD->NEW".
func expect(t *testing.T, r *bufio.Reader, want ...string) {
	t.Helper()
	for i, w := range want {
		ev := readEvent(t, r)
		if got := fmt.Sprintf("%s %s %s->%s", ev.name, ev.data.Account, ev.data.Old, ev.data.New); got != w {
			t.Fatalf("event %d: %s, want %s", i, got, w)
		}
		if strings.Contains(ev.raw, "SENTINEL") {
			t.Fatalf("event carries the token: %s", ev.raw)
		}
	}
}
