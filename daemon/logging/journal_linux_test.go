package logging

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestIsJournalStream(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "stream"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	match := fmt.Sprintf("%d:%d", st.Dev, st.Ino)
	tests := []struct {
		name, stream string
		want         bool
	}{
		{"matching dev:inode", match, true},
		{"unset", "", false},
		{"other inode", fmt.Sprintf("%d:%d", st.Dev, st.Ino+1), false},
		{"other device", fmt.Sprintf("%d:%d", st.Dev+1, st.Ino), false},
		{"malformed", "garbage", false},
	}
	for _, tt := range tests {
		if got := isJournalStream(tt.stream, f); got != tt.want {
			t.Errorf("%s: isJournalStream(%q) = %v, want %v", tt.name, tt.stream, got, tt.want)
		}
	}
}
