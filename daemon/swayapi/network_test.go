package swayapi

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/swaykeep/swaykeep/daemon/swayapi/swayapitest"
)

// Over a real loopback listener, with the client's own transport.

func TestKeepAliveReusesConnections(t *testing.T) {
	s := newSim(swayapitest.Options{ConcurrentSessions: true})
	srv := swayapitest.NewServer(s)
	defer srv.Close()
	c, err := New(Options{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	ctx := context.Background()
	sess, err := c.Login(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		if _, err := c.Ping(ctx, sess.Token); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Connections(); n != 1 {
		t.Errorf("51 sequential calls used %d connections, want 1", n)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 25 {
				if _, err := c.Ping(ctx, sess.Token); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	// Bounded by the concurrency (a dial may race a connection coming
	// back idle), not by the number of calls.
	if n := srv.Connections(); n > 16 {
		t.Errorf("200 concurrent calls from 8 goroutines used %d connections", n)
	}
	if st := s.Stats("alice"); st.Pings != 250 {
		t.Errorf("stats %+v", st)
	}
}

func TestCAFile(t *testing.T) {
	s := newSim(swayapitest.Options{})
	srv := swayapitest.NewTLSServer(s)
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := srv.WriteCert(ca); err != nil {
		t.Fatal(err)
	}
	c, err := New(Options{BaseURL: srv.URL, CAFile: ca})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	if _, err := c.Login(context.Background(), alice); err != nil {
		t.Fatalf("login over TLS with the CA file: %v", err)
	}
	// Without it, the self-signed certificate is refused: transient (it may
	// be a proxy's transient misconfiguration), never a crash.
	bare, err := New(Options{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer bare.CloseIdleConnections()
	if _, err := bare.Login(context.Background(), alice); !errors.Is(err, ErrTransient) {
		t.Errorf("untrusted server: %v", err)
	}
	junk := filepath.Join(t.TempDir(), "junk.pem")
	os.WriteFile(junk, []byte("not a certificate"), 0o644)
	if _, err := New(Options{BaseURL: srv.URL, CAFile: junk}); err == nil {
		t.Error("CA file without certificates accepted")
	}
}

func TestConnectionRefused(t *testing.T) {
	srv := swayapitest.NewServer(newSim(swayapitest.Options{}))
	url := srv.URL
	srv.Close()
	c, err := New(Options{BaseURL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	if _, err := c.Login(context.Background(), alice); !errors.Is(err, ErrTransient) {
		t.Errorf("refused connection: %v", err)
	}
}

func TestDroppedConnection(t *testing.T) {
	s := newSim(swayapitest.Options{})
	srv := swayapitest.NewServer(s)
	defer srv.Close()
	c, _ := New(Options{BaseURL: srv.URL})
	defer c.CloseIdleConnections()
	s.SetFaults(swayapitest.Faults{Drop: 1})
	if _, err := c.Login(context.Background(), alice); !errors.Is(err, ErrTransient) {
		t.Errorf("dropped connection: %v", err)
	}
	if _, err := c.Login(context.Background(), alice); err != nil {
		t.Errorf("after the drop: %v", err)
	}
}
