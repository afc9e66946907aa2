package atomicfile

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

const crashChildEnv = "SWAYKEEP_ATOMICFILE_CRASH_CHILD"

// TestCrashChild is the writer that TestKilledWriterLeavesOldOrNew runs in a
// child process and kills. It replaces the file in a loop, alternating two
// versions, and reports each completed write with a line on stdout.
func TestCrashChild(t *testing.T) {
	p := os.Getenv(crashChildEnv)
	if p == "" {
		t.Skip("helper process for TestKilledWriterLeavesOldOrNew")
	}
	a, b := contents()
	out := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		data := a
		if i%2 == 0 {
			data = b
		}
		if err := WriteFile(p, data, 0o600); err != nil {
			os.Exit(3)
		}
		out.WriteString("w\n")
		out.Flush()
	}
}

// TestKilledWriterLeavesOldOrNew kills a writer with SIGKILL at random
// moments, many times: the file always holds one complete version, and the
// temporary files left behind are recognised and swept.
func TestKilledWriterLeavesOldOrNew(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary many times")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "token")
	a, b := contents()
	if err := WriteFile(p, a, 0o600); err != nil {
		t.Fatal(err)
	}
	const rounds = 40
	var leftovers int
	for round := range rounds {
		cmd := exec.Command(exe, "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+p)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Let the child complete a random number of writes, then kill it at
		// a random point of the next ones. The pause only spreads the kill
		// over the write cycle; correctness never depends on its length.
		lines := bufio.NewReader(stdout)
		for range rand.IntN(3) {
			if _, err := lines.ReadString('\n'); err != nil {
				break
			}
		}
		time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
		cmd.Process.Kill()
		cmd.Wait()

		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if !bytes.Equal(got, a) && !bytes.Equal(got, b) {
			t.Fatalf("round %d: file holds %d bytes that are neither version", round, len(got))
		}
		removed, err := Sweep(dir)
		if err != nil {
			t.Fatalf("round %d: sweep: %v", round, err)
		}
		leftovers += len(removed)
		assertNoTemp(t, dir)
	}
	t.Logf("%d rounds, %d temporary files swept", rounds, leftovers)
}
