package logging

import (
	"fmt"
	"io"
	"os"

	"github.com/coreos/go-systemd/v22/journal"
	"golang.org/x/sys/unix"
)

// underJournal reports whether stderr is systemd's journal stream for this
// service and journald's native socket answers. The JOURNAL_STREAM check is
// what systemd documents for "upgrading" to the native protocol: the variable
// is inherited by children whose stderr goes elsewhere, so its presence alone
// proves nothing.
func underJournal(stderr io.Writer) bool {
	f, ok := stderr.(*os.File)
	if !ok {
		return false
	}
	return isJournalStream(os.Getenv("JOURNAL_STREAM"), f) && journal.Enabled()
}

// isJournalStream reports whether stream ("DEV:INODE") names f.
func isJournalStream(stream string, f *os.File) bool {
	if stream == "" {
		return false
	}
	var dev, ino uint64
	if n, err := fmt.Sscanf(stream, "%d:%d", &dev, &ino); n != 2 || err != nil {
		return false
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return false
	}
	var st unix.Stat_t
	var statErr error
	if err := rc.Control(func(fd uintptr) { statErr = unix.Fstat(int(fd), &st) }); err != nil || statErr != nil {
		return false
	}
	return uint64(st.Dev) == dev && st.Ino == ino
}
