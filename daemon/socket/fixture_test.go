package socket_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/swaykeep/swaykeep/config/secret"
	"github.com/swaykeep/swaykeep/daemon/keeper"
	"github.com/swaykeep/swaykeep/daemon/socket"
	"github.com/swaykeep/swaykeep/daemon/socket/sockettest"
)

// The fixture: three accounts and an admins group.
//
//	alpha  readers: uid 2001, group 3001
//	beta   readers: uid 2002
//	gamma  no readers (admins only)
//	admins group 3100
const (
	readerUID   = 2001
	readerGID   = 3001
	betaUID     = 2002
	adminGID    = 3100
	strangerUID = 2009
	sessionTTL  = 30 * time.Minute
)

// tokenOf is each account's token: sentinels that must appear nowhere but in
// a token answer.
func tokenOf(name string) secret.Secret { return secret.Secret("SENTINEL-TOKEN-" + name) }

var accountNames = []string{"alpha", "beta", "gamma"}

// Peers of the authorization table.
var (
	root        = socket.Peer{UID: 0, GID: 0}
	reader      = socket.Peer{UID: readerUID, GID: readerUID}
	groupReader = socket.Peer{UID: 2005, GID: 2005, Groups: []uint32{100, readerGID}}
	primaryGrp  = socket.Peer{UID: 2006, GID: readerGID}
	betaReader  = socket.Peer{UID: betaUID, GID: betaUID}
	groupAdmin  = socket.Peer{UID: 2010, GID: 2010, Groups: []uint32{adminGID}}
	stranger    = socket.Peer{UID: strangerUID, GID: strangerUID, Groups: []uint32{100}}
)

// newBackend returns the fixture's accounts, all pending.
func newBackend() *sockettest.Backend {
	b := sockettest.New()
	readers := map[string]socket.Principals{
		"alpha": {UIDs: []uint32{readerUID}, GIDs: []uint32{readerGID}},
		"beta":  {UIDs: []uint32{betaUID}},
	}
	for _, n := range accountNames {
		b.Set(socket.Account{Status: keeper.Status{Account: n, State: keeper.Pending, Timeout: sessionTTL}, Readers: readers[n]})
	}
	b.SetAdmins(socket.Principals{GIDs: []uint32{adminGID}})
	return b
}

// publishAll gives every account its token.
func publishAll(b *sockettest.Backend) {
	for _, n := range accountNames {
		b.Publish(n, tokenOf(n), time.Now().Add(sessionTTL))
	}
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newServer returns a server on b whose log (at debug level) is checked
// for leaked tokens when the test ends.
func newServer(t *testing.T, b socket.Backend) *socket.Server {
	t.Helper()
	logs := &syncBuffer{}
	log := logrus.New()
	log.SetOutput(logs)
	log.SetLevel(logrus.DebugLevel)
	t.Cleanup(func() {
		if strings.Contains(logs.String(), "SENTINEL") {
			t.Errorf("a token leaked into the log:\n%s", logs)
		}
	})
	return socket.New(b, log)
}

// do calls the server in-process as peer.
func do(s *socket.Server, p socket.Peer, method, target string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	req = req.WithContext(socket.WithPeer(req.Context(), p))
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec
}

// answer is a whole answer, for byte-for-byte comparison.
func answer(rec *httptest.ResponseRecorder) string {
	var b strings.Builder
	b.WriteString(http.StatusText(rec.Code) + "\n")
	rec.Result().Header.Write(&b)
	b.WriteString("\n" + rec.Body.String())
	return b.String()
}

// streamRecorder is a ResponseWriter whose body is a pipe, for reading a
// stream of server-sent events while the handler runs.
type streamRecorder struct {
	header http.Header
	code   int
	w      *io.PipeWriter
}

func newStreamRecorder() (*streamRecorder, *io.PipeReader) {
	r, w := io.Pipe()
	return &streamRecorder{header: http.Header{}, w: w}, r
}

func (s *streamRecorder) Header() http.Header         { return s.header }
func (s *streamRecorder) WriteHeader(code int)        { s.code = code }
func (s *streamRecorder) Write(p []byte) (int, error) { return s.w.Write(p) }
func (s *streamRecorder) Flush()                      {}

func httptestRequest(method, target, body string, p socket.Peer) *http.Request {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	return req.WithContext(socket.WithPeer(req.Context(), p))
}

func httptestRequestNoPeer(method, target string) *http.Request {
	return httptest.NewRequest(method, target, nil)
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
