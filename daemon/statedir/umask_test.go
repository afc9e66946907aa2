package statedir

import (
	"syscall"
	"testing"
)

// syscallUmask sets the process umask for one test and restores it after.
// Tests using it must not run in parallel: the umask is process-wide.
func syscallUmask(t *testing.T, mask int) {
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}
