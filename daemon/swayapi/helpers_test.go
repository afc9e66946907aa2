package swayapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/swaykeep/swaykeep/config/secret"
	"github.com/swaykeep/swaykeep/daemon/swayapi/swayapitest"
)

// Sentinels: no error string may ever contain them.
const (
	sentinelPassword = "pw-SENTINEL-4711"
	simBase          = "http://sim.test/dxsca-web/"
)

// handlerTransport serves requests with an http.Handler in memory: a
// scripted server for answers the simulator never gives.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// scripted answers every request with status, header and body.
func scripted(status int, header map[string]string, body string) http.RoundTripper {
	return handlerTransport{http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		w.Write([]byte(body))
	})}
}

func newClient(t *testing.T, rt http.RoundTripper, o ...func(*Options)) *Client {
	t.Helper()
	opts := Options{BaseURL: simBase, Transport: rt}
	for _, f := range o {
		f(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newSim is a simulator with alice (password sentinelPassword) and no
// login limit unless the test sets one.
func newSim(o swayapitest.Options) *swayapitest.Simulator {
	if o.LoginRate == 0 {
		o.LoginRate = -1
	}
	s := swayapitest.New(o)
	s.AddUser("alice", "default", sentinelPassword)
	return s
}

var alice = Credentials{Username: "alice", Domain: "default", Password: secret.Secret(sentinelPassword)}

// noSecrets fails if err's text holds the password or the token.
func noSecrets(t *testing.T, err error, tok secret.Secret) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	if strings.Contains(msg, sentinelPassword) || tok != "" && strings.Contains(msg, tok.Reveal()) {
		t.Errorf("error leaks a secret: %s", msg)
	}
}

func countingHandler(n *int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { *n++ })
}
