package swayapitest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
)

// ErrDropped is what the in-memory transport returns for a request that a
// Drop fault swallowed, like a connection reset on a real network.
var ErrDropped = errors.New("swayapitest: connection dropped (injected fault)")

// Transport returns an in-memory http.RoundTripper that serves each request
// by calling the simulator's handler in the calling goroutine, with
// RemoteAddr 127.0.0.1:<n> (one source IP, so the login limit applies as it
// would to one host). Nothing touches the network and no goroutine outlives
// a request, so it works inside a testing/synctest bubble. A Drop fault, or
// the request's context ending during injected latency, makes RoundTrip
// return an error.
func (s *Simulator) Transport() http.RoundTripper { return transport{s} }

type transport struct{ s *Simulator }

func (t transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close() // a RoundTripper always closes the request body
		if err != nil {
			return nil, fmt.Errorf("swayapitest: read request body: %w", err)
		}
	}
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// The server side of the request, as net/http's server would build it.
	r := req.Clone(ctx)
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.RequestURI = req.URL.RequestURI()
	if r.Host == "" {
		r.Host = req.URL.Host
	}
	t.s.mu.Lock()
	t.s.port = t.s.port%50000 + 1
	r.RemoteAddr = fmt.Sprintf("127.0.0.1:%d", 10000+t.s.port)
	t.s.mu.Unlock()

	rec := httptest.NewRecorder()
	if !t.s.serve(rec, r) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return nil, ErrDropped
	}
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}
