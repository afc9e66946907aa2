package socket_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/swaykeep/swaykeep/daemon/socket"
)

// The test binary doubles as the client processes of the authorization
// tests, re-executed under other credentials: $SOCKET_TEST_CHILD says which.
func TestMain(m *testing.M) {
	switch os.Getenv("SOCKET_TEST_CHILD") {
	case "client":
		os.Exit(childClient())
	case "activation":
		os.Exit(childActivation())
	}
	os.Exit(m.Run())
}

// childClient sends each request of $SOCKET_TEST_REQUESTS ("METHOD PATH"
// per line) on its own connection to $SOCKET_TEST_PATH, and prints the raw
// answers as a JSON array, the Date header removed so that answers compare
// byte for byte.
func childClient() int {
	var answers []string
	for _, r := range strings.Split(os.Getenv("SOCKET_TEST_REQUESTS"), "\n") {
		answers = append(answers, rawRequest(os.Getenv("SOCKET_TEST_PATH"), r))
	}
	json.NewEncoder(os.Stdout).Encode(answers)
	return 0
}

func rawRequest(path, request string) string {
	c, err := net.Dial("unix", path)
	if err != nil {
		return "DIAL ERROR: " + err.Error()
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	method, target, _ := strings.Cut(request, " ")
	fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: swaykeep\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", method, target)
	var out strings.Builder
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if !strings.HasPrefix(line, "Date: ") {
			out.WriteString(line)
		}
		if err == io.EOF {
			return out.String()
		}
		if err != nil {
			return out.String() + "READ ERROR: " + err.Error()
		}
	}
}

// childActivation plays a process started by systemd with one socket
// (LISTEN_FDS=1, fd 3): it calls Open with $SOCKET_TEST_PATH and prints
// what it got and what it logged.
func childActivation() int {
	os.Setenv("LISTEN_PID", fmt.Sprint(os.Getpid())) // systemd sets it after fork
	log := logrus.New()
	log.SetOutput(os.Stdout)
	log.SetFormatter(&logrus.TextFormatter{DisableColors: true, DisableTimestamp: true})
	l, activated, err := socket.Open(os.Getenv("SOCKET_TEST_PATH"), 0o600, log)
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	defer l.Close()
	fmt.Printf("activated=%v addr=%s LISTEN_FDS=%q\n", activated, l.Addr(), os.Getenv("LISTEN_FDS"))
	return 0
}
