package sink

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/swaykeep/swaykeep/config"
	"github.com/swaykeep/swaykeep/config/secret"
)

// Benchmarks of Publish, the one thing a keeper does with its token files
// after every login and every ping. Two filesystems: the test's temporary
// directory (a disk: every replacement fsyncs the file and the directory)
// and /dev/shm, a tmpfs like /run where the packaged unit keeps token files
// (fsync costs nothing there). Figures: docs/performance.md.

var benchFormats = []config.Format{config.FormatRaw, config.FormatHeader, config.FormatEnv, config.FormatJSON}

// benchFS is a filesystem to publish on: mkdir makes a fresh directory
// there for the (sub-)benchmark b.
type benchFS struct {
	name  string
	mkdir func(b *testing.B) string
}

var benchFSs = []benchFS{
	{"disk", func(b *testing.B) string { return b.TempDir() }},
	{"tmpfs", func(b *testing.B) string {
		dir, err := os.MkdirTemp("/dev/shm", "swaykeep-bench-")
		if err != nil {
			b.Skipf("no tmpfs at /dev/shm: %v", err)
		}
		b.Cleanup(func() { os.RemoveAll(dir) })
		return dir
	}},
}

// benchSet is a Set of one token file of format in dir, readable by the
// readers (an ACL) when given.
func benchSet(b *testing.B, dir string, format config.Format, readers config.Principals) *Set {
	b.Helper()
	files := []config.TokenFile{{Path: filepath.Join(dir, "alpha.token"), Format: format, Mode: DefaultMode}}
	s, err := New("alpha", apiURL, files, readers, Options{Resolver: resolver})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkPublishChanged publishes a new token every time (a login, or a
// ping that rotated the token; for env and json also every ordinary ping,
// as their expiry moves): an atomic replacement of the file.
func BenchmarkPublishChanged(b *testing.B) {
	toks := []secret.Secret{"tokenA.0123456789abcdef", "tokenB.0123456789abcdef"}
	for _, fs := range benchFSs {
		for _, format := range benchFormats {
			b.Run(fs.name+"/"+string(format), func(b *testing.B) {
				s := benchSet(b, fs.mkdir(b), format, config.Principals{})
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					i++
					if err := s.Publish(toks[i%2], issued, expires.Add(time.Duration(i)*time.Second)); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(fs.name+"/raw+readers", func(b *testing.B) {
			s := benchSet(b, fs.mkdir(b), config.FormatRaw, config.Principals{Users: []string{"trader"}, Groups: []string{"trading"}})
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if err := s.Publish(toks[i%2], issued, expires); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPublishUnchanged publishes what the file already holds (a ping
// that returned the same token, for raw and header): no write, one lstat.
func BenchmarkPublishUnchanged(b *testing.B) {
	tok := secret.Secret("tokenA.0123456789abcdef")
	for _, fs := range benchFSs {
		for _, format := range benchFormats {
			b.Run(fs.name+"/"+string(format), func(b *testing.B) {
				s := benchSet(b, fs.mkdir(b), format, config.Principals{})
				if err := s.Publish(tok, issued, expires); err != nil {
					b.Fatal(err)
				}
				ino := inode(b, s.Paths()[0])
				b.ReportAllocs()
				for b.Loop() {
					if err := s.Publish(tok, issued, expires); err != nil {
						b.Fatal(err)
					}
				}
				if inode(b, s.Paths()[0]) != ino {
					b.Fatal("an unchanged publish replaced the file")
				}
			})
		}
	}
}

func inode(b *testing.B, path string) uint64 {
	b.Helper()
	st, ok := lstat(path)
	if !ok {
		b.Fatalf("%s is missing", path)
	}
	return uint64(st.Ino)
}
