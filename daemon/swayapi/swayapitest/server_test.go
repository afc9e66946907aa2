package swayapitest

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func loginOver(t *testing.T, c *http.Client, url string) (*http.Response, error) {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"login", strings.NewReader(`{"username":"alice","domain":"default","password":"secret"}`))
	req.Header.Set("Content-Type", "application/json")
	return c.Do(req)
}

func TestServer(t *testing.T) {
	s := unlimited(Options{})
	srv := NewServer(s)
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") || !strings.HasSuffix(srv.URL, "/dxsca-web/") {
		t.Fatalf("URL %q", srv.URL)
	}
	c := &http.Client{Timeout: 10 * time.Second}
	defer c.CloseIdleConnections()
	resp, err := loginOver(t, c, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	// A Drop fault closes the connection without an answer.
	s.SetFaults(Faults{Drop: 1})
	if resp, err := loginOver(t, c, srv.URL); err == nil {
		resp.Body.Close()
		t.Errorf("dropped request answered %d", resp.StatusCode)
	}
}

func TestTLSServer(t *testing.T) {
	s := unlimited(Options{})
	srv := NewTLSServer(s)
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "https://127.0.0.1:") {
		t.Fatalf("URL %q", srv.URL)
	}
	path := filepath.Join(t.TempDir(), "sim.pem")
	if err := srv.WriteCert(path); err != nil {
		t.Fatal(err)
	}
	pemData, _ := os.ReadFile(path)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		t.Fatal("certificate file holds no PEM certificate")
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	defer tr.CloseIdleConnections()
	for _, url := range []string{srv.URL, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)} {
		resp, err := loginOver(t, &http.Client{Transport: tr, Timeout: 10 * time.Second}, url)
		if err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", url, resp.StatusCode)
		}
	}
	// Without the certificate, the client refuses the server.
	bare := &http.Transport{}
	defer bare.CloseIdleConnections()
	if resp, err := loginOver(t, &http.Client{Transport: bare, Timeout: 10 * time.Second}, srv.URL); err == nil {
		resp.Body.Close()
		t.Error("untrusted self-signed certificate accepted")
	}
	if err := plainServer(t).WriteCert(path); err == nil {
		t.Error("WriteCert of a plain HTTP server succeeded")
	}
}

func plainServer(t *testing.T) *Server {
	srv := NewServer(New(Options{}))
	t.Cleanup(srv.Close)
	return srv
}
