package daemon

import (
	"sync"

	"github.com/swaykeep/swaykeep/daemon/keeper"
)

// hubBuffer is how many events a subscriber may fall behind before it is cut
// off. A cut-off subscriber sees its channel closed (an SSE client reconnects
// and re-reads the state); it never slows a keeper down.
const hubBuffer = 256

// hub is the one stream of state-change events (DESIGN.md §1): keepers
// publish into it, and logs, the socket's event stream, metrics and systemd
// status all consume it. Publish never blocks.
type hub struct {
	mu   sync.Mutex
	subs map[*subscriber]struct{}
}

type subscriber struct {
	ch chan keeper.Event
}

func newHub() *hub { return &hub{subs: make(map[*subscriber]struct{})} }

// Publish delivers ev to every subscriber that keeps up.
func (h *hub) Publish(ev keeper.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		select {
		case s.ch <- ev:
		default:
			delete(h.subs, s)
			close(s.ch)
		}
	}
}

// Subscribe returns a channel of every event published from now on, and a
// cancel func that must be called to stop receiving.
func (h *hub) Subscribe() (<-chan keeper.Event, func()) {
	s := &subscriber{ch: make(chan keeper.Event, hubBuffer)}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s.ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.subs[s]; ok {
			delete(h.subs, s)
			close(s.ch)
		}
	}
}
