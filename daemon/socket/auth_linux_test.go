package socket_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/swaykeep/swaykeep/daemon/socket"
	"github.com/swaykeep/swaykeep/daemon/socket/sockettest"
)

// liveServer is the fixture served on a real socket, in a directory any
// uid can reach, with a copy of the test binary any uid can run.
type liveServer struct {
	path, bin string
	b         *sockettest.Backend
}

func startLive(t *testing.T) *liveServer {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("running clients as other users needs root (CI runs the tests as root)")
	}
	dir := shortDir(t)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "socket.test")
	copyExecutable(t, bin)
	path := filepath.Join(dir, "s.sock")
	l, err := socket.Listen(path, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	b := newBackend()
	publishAll(b)
	s := newServer(t, b)
	s.Handle(socket.Route{Pattern: "GET /v1/test/whoami", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := socket.PeerFrom(r.Context())
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(p)
	})})
	serveUntilCleanup(t, s, l)
	return &liveServer{path: path, bin: bin, b: b}
}

// serveUntilCleanup serves l and shuts the server down when the test ends.
func serveUntilCleanup(t *testing.T, s *socket.Server, l net.Listener) {
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := s.Serve(l); err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		wg.Wait()
	})
}

func copyExecutable(t *testing.T, dst string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// runAs sends requests from a child process with these credentials and
// returns the raw answers.
func (ls *liveServer) runAs(t *testing.T, cred *syscall.Credential, requests []string) []*http.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ls.bin)
	cmd.Env = []string{"SOCKET_TEST_CHILD=client", "SOCKET_TEST_PATH=" + ls.path, "SOCKET_TEST_REQUESTS=" + strings.Join(requests, "\n")}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("client as uid %d: %v", cred.Uid, err)
	}
	var raws []string
	if err := json.Unmarshal(out, &raws); err != nil {
		t.Fatalf("client output %q: %v", out, err)
	}
	var resps []*http.Response
	for i, raw := range raws {
		resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(raw)), nil)
		if err != nil {
			t.Fatalf("%s as uid %d: %q: %v", requests[i], cred.Uid, raw, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body = io.NopCloser(strings.NewReader(string(body)))
		resp.Request = &http.Request{Method: raw} // keeps the raw answer for byte comparison
		resps = append(resps, resp)
	}
	return resps
}

func body(r *http.Response) string {
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(strings.NewReader(string(b)))
	return string(b)
}

func rawOf(r *http.Response) string { return r.Request.Method }

// TestAuthorizationOverSocket is DESIGN.md §4's rule with real kernel
// credentials: clients run as other users, with supplementary groups set
// on the process, and the server identifies them by SO_PEERCRED and
// SO_PEERGROUPS alone.
func TestAuthorizationOverSocket(t *testing.T) {
	ls := startLive(t)
	many := []uint32{}
	for g := uint32(5000); g < 5040; g++ { // more than the first getsockopt buffer holds
		many = append(many, g)
	}
	many = append(many, readerGID)
	tests := []struct {
		name  string
		cred  syscall.Credential
		sees  []string
		admin bool
	}{
		{"root", syscall.Credential{Uid: 0, Gid: 0, Groups: []uint32{}}, accountNames, true},
		{"admin by supplementary group", syscall.Credential{Uid: 2010, Gid: 2010, Groups: []uint32{adminGID}}, accountNames, true},
		{"reader by uid", syscall.Credential{Uid: readerUID, Gid: readerUID, Groups: []uint32{}}, []string{"alpha"}, false},
		{"reader by supplementary group", syscall.Credential{Uid: 2005, Gid: 2005, Groups: []uint32{100, readerGID}}, []string{"alpha"}, false},
		{"reader by primary group", syscall.Credential{Uid: 2006, Gid: readerGID, Groups: []uint32{}}, []string{"alpha"}, false},
		{"reader among 41 groups", syscall.Credential{Uid: 2011, Gid: 2011, Groups: many}, []string{"alpha"}, false},
		{"reader of beta", syscall.Credential{Uid: betaUID, Gid: betaUID, Groups: []uint32{}}, []string{"beta"}, false},
		{"stranger", syscall.Credential{Uid: strangerUID, Gid: strangerUID, Groups: []uint32{100}}, nil, false},
	}
	requests := []string{"GET /v1/accounts", "GET /v1/health", "GET /v1/test/whoami",
		"GET /v1/accounts/nosuch/token", "POST /v1/accounts/nosuch/login"}
	for _, n := range accountNames {
		requests = append(requests, "GET /v1/accounts/"+n+"/token", "POST /v1/accounts/"+n+"/login")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ls.runAs(t, &tt.cred, requests)

			var list socket.AccountList
			json.Unmarshal([]byte(body(r[0])), &list)
			var got []string
			for _, a := range list.Accounts {
				got = append(got, a.Account)
			}
			if r[0].StatusCode != http.StatusOK || !slices.Equal(got, tt.sees) {
				t.Errorf("GET /v1/accounts: %d %q, want %q", r[0].StatusCode, got, tt.sees)
			}
			var h socket.Health
			json.Unmarshal([]byte(body(r[1])), &h)
			if r[1].StatusCode != http.StatusOK || h.Accounts != len(tt.sees) {
				t.Errorf("GET /v1/health: %d %s, want %d accounts", r[1].StatusCode, body(r[1]), len(tt.sees))
			}
			var p socket.Peer
			json.Unmarshal([]byte(body(r[2])), &p)
			wantGroups := slices.Sorted(slices.Values(tt.cred.Groups))
			if p.UID != tt.cred.Uid || p.GID != tt.cred.Gid || p.PID <= 0 || !slices.Equal(slices.Sorted(slices.Values(p.Groups)), wantGroups) {
				t.Errorf("server saw peer %+v, want uid %d gid %d groups %v", p, tt.cred.Uid, tt.cred.Gid, wantGroups)
			}
			unknownToken, unknownLogin := rawOf(r[3]), rawOf(r[4])
			if r[3].StatusCode != http.StatusNotFound {
				t.Fatalf("token of an unknown account: %s", unknownToken)
			}
			for i, n := range accountNames {
				tok, login := r[5+2*i], r[6+2*i]
				visible := slices.Contains(tt.sees, n)
				switch {
				case visible && (tok.StatusCode != http.StatusOK || body(tok) != tokenOf(n).Reveal()):
					t.Errorf("token of %s: %s, want exactly the token", n, rawOf(tok))
				case !visible && rawOf(tok) != unknownToken:
					t.Errorf("token of hidden %s:\n%s\nwant, byte for byte, the unknown name's:\n%s", n, rawOf(tok), unknownToken)
				}
				switch {
				case tt.admin && login.StatusCode != http.StatusAccepted:
					t.Errorf("admin's login of %s: %s", n, rawOf(login))
				case !tt.admin && visible && login.StatusCode != http.StatusForbidden:
					t.Errorf("reader's login of %s: %s, want 403", n, rawOf(login))
				case !visible && rawOf(login) != unknownLogin:
					t.Errorf("login of hidden %s:\n%s\nwant the unknown name's:\n%s", n, rawOf(login), unknownLogin)
				}
			}
		})
	}
}

// TestUnidentifiedPeerClosed: a connection whose credentials cannot be
// read (here TCP, which has no SO_PEERGROUPS) is closed without an answer.
func TestUnidentifiedPeerClosed(t *testing.T) {
	s := newServer(t, newBackend())
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveUntilCleanup(t, s, l)
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
	if b, err := io.ReadAll(c); len(b) != 0 || (err != nil && !isReset(err)) {
		t.Errorf("unidentified peer got %q, %v; want the connection closed", b, err)
	}
}

func isReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset")
}

// TestActivation: with an inherited socket (LISTEN_FDS), Open uses it,
// warns that the configured path and mode are ignored, and unsets the
// variables.
func TestActivation(t *testing.T) {
	dir := shortDir(t)
	path := filepath.Join(dir, "activated.sock")
	ul, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ul.Close()
	f, err := ul.File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	self, _ := os.Executable()
	cmd := exec.Command(self)
	cmd.Env = []string{"SOCKET_TEST_CHILD=activation", "LISTEN_FDS=1", "SOCKET_TEST_PATH=" + filepath.Join(dir, "configured.sock")}
	cmd.ExtraFiles = []*os.File{f} // fd 3, as systemd passes it
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	for _, want := range []string{"activated=true addr=" + path + ` LISTEN_FDS=""`, "level=warning", "ignored"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("child output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "configured.sock")); err == nil {
		t.Error("the configured path was bound despite activation")
	}
}
