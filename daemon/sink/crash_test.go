package sink

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/swaykeep/swaykeep/config"
	"github.com/swaykeep/swaykeep/config/secret"
	"github.com/swaykeep/swaykeep/daemon/atomicfile"
)

// churnToken is the i-th token of a churning session: long, so a write is
// not a single tiny syscall, and distinct per i.
func churnToken(i int) secret.Secret {
	return secret.Secret(fmt.Sprintf("tok%d-%0900d", i, i))
}

// TestReaderDuringPublishesSeesWholeTokens: a reader looping over the files
// while tokens churn only ever parses a complete token that was issued.
func TestReaderDuringPublishesSeesWholeTokens(t *testing.T) {
	dir := t.TempDir()
	files := []config.TokenFile{
		{Path: filepath.Join(dir, "json"), Format: config.FormatJSON},
		{Path: filepath.Join(dir, "header"), Format: config.FormatHeader},
		{Path: filepath.Join(dir, "env"), Format: config.FormatEnv},
	}
	s := newSet(t, files, config.Principals{})
	var mu sync.Mutex
	issuedTokens := map[secret.Secret]bool{}
	publish := func(i int) {
		tok := churnToken(i)
		mu.Lock()
		issuedTokens[tok] = true
		mu.Unlock()
		if err := s.Publish(tok, issued, expires.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	publish(0)
	done := make(chan struct{})
	var wg sync.WaitGroup
	// One reader cycling over the files: the machine running the tests
	// may have few cores, and the writer must still get its share.
	wg.Go(func() {
		for n := 0; ; n++ {
			select {
			case <-done:
				return
			default:
			}
			tf := files[n%len(files)]
			data, err := os.ReadFile(tf.Path)
			if err != nil {
				t.Errorf("%s: %v", tf.Format, err)
				return
			}
			c, err := Parse(tf.Format, data)
			if err != nil {
				t.Errorf("%s: reader saw %d bytes: %v", tf.Format, len(data), err)
				return
			}
			mu.Lock()
			ok := issuedTokens[c.Token]
			mu.Unlock()
			if !ok {
				t.Errorf("%s: reader saw a token never issued", tf.Format)
				return
			}
		}
	})
	for i := 1; i < 60; i++ {
		publish(i)
	}
	close(done)
	wg.Wait()
}

const crashChildEnv = "SWAYKEEP_SINK_CRASH_CHILD"

// TestCrashChild is the publisher TestKilledPublisherLeavesWholeToken runs in
// a child process: it publishes token after token and reports each on stdout.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("helper process for TestKilledPublisherLeavesWholeToken")
	}
	s, err := New("alpha", apiURL, crashFiles(dir), config.Principals{}, Options{Resolver: resolver})
	if err != nil {
		os.Exit(3)
	}
	start, _ := strconv.Atoi(os.Getenv(crashChildEnv + "_START"))
	out := bufio.NewWriter(os.Stdout)
	for i := start; ; i++ {
		if err := s.Publish(churnToken(i), issued, expires.Add(time.Duration(i)*time.Second)); err != nil {
			os.Exit(4)
		}
		fmt.Fprintln(out, i)
		out.Flush()
	}
}

func crashFiles(dir string) []config.TokenFile {
	return []config.TokenFile{
		{Path: filepath.Join(dir, "json"), Format: config.FormatJSON, Mode: 0o640},
		{Path: filepath.Join(dir, "raw"), Format: config.FormatRaw, Mode: 0o600},
	}
}

// TestKilledPublisherLeavesWholeToken kills a publishing daemon with SIGKILL
// at random moments: every file holds a complete token that was issued, with
// its mode, and the leftover temporary files are swept.
func TestKilledPublisherLeavesWholeToken(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary many times")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// Round r publishes tokens from r*roundTokens on, so a token read after
	// round r must be below (r+1)*roundTokens.
	const rounds, roundTokens = 30, 1_000_000
	swept := 0
	for round := range rounds {
		cmd := exec.Command(exe, "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir, fmt.Sprintf("%s_START=%d", crashChildEnv, round*roundTokens))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(stdout)
		for range 1 + rand.IntN(3) {
			if !lines.Scan() {
				t.Fatalf("round %d: child ended early", round)
			}
		}
		// Spread the kill over the write cycle; nothing waits on this pause.
		time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond)
		cmd.Process.Kill()
		cmd.Wait()

		removed, err := Sweep([]string{filepath.Join(dir, "json")})
		if err != nil {
			t.Fatal(err)
		}
		swept += len(removed)
		for _, tf := range crashFiles(dir) {
			data, err := os.ReadFile(tf.Path)
			if err != nil {
				t.Fatalf("round %d: %s: %v", round, tf.Format, err)
			}
			c, err := Parse(tf.Format, data)
			if err != nil {
				t.Fatalf("round %d: %s holds %d bytes: %v", round, tf.Format, len(data), err)
			}
			var i int
			if _, err := fmt.Sscanf(c.Token.Reveal(), "tok%d-", &i); err != nil || c.Token != churnToken(i) || i >= (round+1)*roundTokens {
				t.Fatalf("round %d: %s holds a token never issued", round, tf.Format)
			}
			if fi, _ := os.Stat(tf.Path); fi.Mode() != tf.Mode {
				t.Errorf("round %d: %s has mode %v", round, tf.Format, fi.Mode())
			}
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if atomicfile.IsTemp(e.Name()) {
				t.Errorf("round %d: %s not swept", round, e.Name())
			}
		}
	}
	t.Logf("%d kills, %d temporary files swept", rounds, swept)
}
