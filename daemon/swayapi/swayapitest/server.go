package swayapitest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"
)

// Server is a Simulator on a real loopback listener, like httptest.Server.
type Server struct {
	// URL is the API base URL, with the /dxsca-web/ path and a trailing
	// slash: http://127.0.0.1:PORT/dxsca-web/ (https:// for TLS).
	URL string
	// CertPEM is the self-signed certificate of a TLS server (valid for
	// 127.0.0.1, ::1 and localhost), nil otherwise. Trust it as a CA file.
	CertPEM []byte

	srv   *http.Server
	done  chan struct{}
	conns atomic.Int64
}

// Connections returns how many connections the server has accepted, so
// tests can check that a client reuses its keep-alive connections.
func (srv *Server) Connections() int { return int(srv.conns.Load()) }

// NewServer serves s over HTTP on 127.0.0.1 at a free port. It panics if it
// cannot listen, as httptest.NewServer does.
func NewServer(s *Simulator) *Server { return mustListen(s, false) }

// NewTLSServer serves s over HTTPS on 127.0.0.1 at a free port with a fresh
// self-signed certificate (Server.CertPEM, or WriteCert to a file).
func NewTLSServer(s *Simulator) *Server { return mustListen(s, true) }

func mustListen(s *Simulator, useTLS bool) *Server {
	srv, err := Listen(s, "127.0.0.1:0", useTLS)
	if err != nil {
		panic("swayapitest: " + err.Error())
	}
	return srv
}

// Listen serves s on addr (host:port; port 0 picks a free one), over TLS with
// a generated self-signed certificate when useTLS is set. The server accepts
// connections when Listen returns.
func Listen(s *Simulator, addr string, useTLS bool) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &Server{
		srv: &http.Server{
			Handler:           s,
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          log.New(io.Discard, "", 0), // TLS probes and aborted drops are expected noise
		},
		done: make(chan struct{}),
	}
	srv.srv.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			srv.conns.Add(1)
		}
	}
	scheme := "http"
	if useTLS {
		cert, certPEM, err := selfSigned()
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("generate a self-signed certificate: %w", err)
		}
		srv.CertPEM = certPEM
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		scheme = "https"
	}
	srv.URL = fmt.Sprintf("%s://%s%s", scheme, ln.Addr(), BasePath)
	go func() {
		defer close(srv.done)
		srv.srv.Serve(ln)
	}()
	return srv, nil
}

// WriteCert writes the TLS certificate as PEM to path (mode 0644: it is
// public), for clients that take a CA file.
func (srv *Server) WriteCert(path string) error {
	if srv.CertPEM == nil {
		return errors.New("write certificate: the server does not use TLS")
	}
	if err := os.WriteFile(path, srv.CertPEM, 0o644); err != nil {
		return fmt.Errorf("write certificate %q: %w", path, err)
	}
	return nil
}

// Close stops the server at once and waits for its serving goroutine.
func (srv *Server) Close() {
	srv.srv.Close()
	<-srv.done
}

// Shutdown stops accepting, lets requests in flight finish until ctx ends,
// then closes.
func (srv *Server) Shutdown(ctx context.Context) error {
	err := srv.srv.Shutdown(ctx)
	if err != nil {
		srv.srv.Close()
	}
	<-srv.done
	return err
}

// selfSigned makes an ECDSA certificate for the loopback names, usable both
// as the server's certificate and as the client's trusted root.
func selfSigned() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "swaykeep simulator", Organization: []string{"swaykeep"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, certPEM, nil
}
