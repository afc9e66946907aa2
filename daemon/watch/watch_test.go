package watch

import (
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
)

// These tests use real inotify, so they wait for real events: each expected
// event gets a generous bound, and "no event" is asserted exactly, through the
// trace of what caused each signal, rather than by waiting.
const eventWait = 5 * time.Second

type testWatcher struct {
	*Watcher
	reasons chan string
}

func startWatcher(t *testing.T, files ...string) *testWatcher {
	t.Helper()
	log, _ := test.NewNullLogger()
	log.SetLevel(logrus.DebugLevel)
	reasons := make(chan string, 10000)
	w, err := newWatcher(log, func(r string) {
		select {
		case reasons <- r:
		default:
			panic("trace buffer full")
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := w.Close(); err != nil {
			t.Error(err)
		}
	})
	if err := w.Set(files); err != nil {
		t.Fatal(err)
	}
	return &testWatcher{Watcher: w, reasons: reasons}
}

// expect waits for a signal caused by a change to path, and returns the
// causes of the signals before it. Once it returns, the watches have moved.
func (w *testWatcher) expect(t *testing.T, path string) (before []string) {
	t.Helper()
	deadline := time.After(eventWait)
	for {
		select {
		case r := <-w.reasons:
			if r != path {
				before = append(before, r)
				continue
			}
		case <-deadline:
			t.Fatalf("no change reported for %s within %v (other causes: %q)", path, eventWait, before)
		}
		break
	}
	select {
	case <-w.Events():
	case <-deadline:
		t.Fatalf("change to %s traced but not signalled", path)
	}
	return before
}

// waitWatching waits until the watched directories are exactly dirs. The
// watches move only while handling a change, which is traced afterwards, so
// each trace is the moment to look again.
func (w *testWatcher) waitWatching(t *testing.T, dirs ...string) {
	t.Helper()
	slices.Sort(dirs)
	deadline := time.After(eventWait)
	for {
		got := w.fs.WatchList()
		slices.Sort(got)
		if slices.Equal(got, dirs) {
			return
		}
		select {
		case <-w.reasons:
		case <-deadline:
			t.Fatalf("watching %q after %v, want %q", got, eventWait, dirs)
		}
	}
}

func mustRename(t *testing.T, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

func TestWatchWriteToWatchedFile(t *testing.T) {
	root := realTempDir(t)
	path := root + "/a.hcl"
	mustWrite(t, path, "one")
	w := startWatcher(t, path)

	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(" two"); err != nil {
		t.Fatal(err)
	}
	w.expect(t, path)
}

func TestWatchEditorRenamesOverFile(t *testing.T) {
	root := realTempDir(t)
	path := root + "/a.hcl"
	mustWrite(t, path, "old")
	w := startWatcher(t, path)

	mustWrite(t, root+"/.a.hcl.swp", "new")
	mustRename(t, root+"/.a.hcl.swp", path)
	if before := w.expect(t, path); len(before) != 0 {
		t.Errorf("the temporary file caused signals: %q", before)
	}
	// The watch is on the directory, not on the replaced inode: a later
	// write to the new file is seen too.
	mustWrite(t, path, "newer")
	w.expect(t, path)
}

func TestWatchTruncateThenWrite(t *testing.T) {
	root := realTempDir(t)
	path := root + "/a.hcl"
	mustWrite(t, path, "old content")
	w := startWatcher(t, path)

	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w.expect(t, path)
	// The write after the truncation signals again, so a debounced reload
	// cannot end on the empty file.
	if _, err := f.WriteString("new content"); err != nil {
		t.Fatal(err)
	}
	w.expect(t, path)
}

func TestWatchCreateMissingFile(t *testing.T) {
	root := realTempDir(t)
	path := root + "/pw"
	w := startWatcher(t, path)

	mustWrite(t, path, "secret")
	w.expect(t, path)
}

func TestWatchCreateMissingDirectoryThenFile(t *testing.T) {
	root := realTempDir(t)
	path := root + "/sub/deeper/a.hcl"
	w := startWatcher(t, path)

	mustMkdir(t, root+"/sub")
	w.expect(t, root+"/sub")
	mustMkdir(t, root+"/sub/deeper")
	w.expect(t, root+"/sub/deeper")
	mustWrite(t, path, "x")
	w.expect(t, path)
}

func TestWatchDirectoryReplaced(t *testing.T) {
	for _, tc := range []struct {
		name   string
		remove func(t *testing.T, dir string)
	}{
		{"removed", func(t *testing.T, dir string) {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
		}},
		{"renamed away", func(t *testing.T, dir string) { mustRename(t, dir, dir+".old") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := realTempDir(t)
			dir := root + "/conf"
			path := dir + "/a.hcl"
			mustMkdir(t, dir)
			mustWrite(t, path, "one")
			w := startWatcher(t, path)

			tc.remove(t, dir)
			select { // nothing was pending: Set does not signal
			case <-w.Events():
			case <-time.After(eventWait):
				t.Fatalf("removing %s was not signalled", dir)
			}
			// Which event reports the removal depends on timing (a rescan
			// after the file's removal can already find the directory
			// gone), so wait for the watch to move, not for one event.
			w.waitWatching(t, root)
			mustMkdir(t, dir)
			w.waitWatching(t, dir)
			mustWrite(t, path, "two")
			w.expect(t, path)
		})
	}
}

// kubernetesVolume lays out a ConfigMap volume as the kubelet does:
// dir/swaykeep.hcl -> ..data/swaykeep.hcl, dir/..data -> ..GEN.
func kubernetesVolume(t *testing.T, dir, gen string) {
	t.Helper()
	mustMkdir(t, dir+"/"+gen)
	mustWrite(t, dir+"/"+gen+"/swaykeep.hcl", gen)
	mustSymlink(t, gen, dir+"/..data")
	mustSymlink(t, "..data/swaykeep.hcl", dir+"/swaykeep.hcl")
}

// kubernetesSwap updates the volume as the kubelet does: a new generation
// directory, a new ..data symlink renamed over the old one, the old
// generation removed.
func kubernetesSwap(t *testing.T, dir, oldGen, newGen string) {
	t.Helper()
	mustMkdir(t, dir+"/"+newGen)
	mustWrite(t, dir+"/"+newGen+"/swaykeep.hcl", newGen)
	mustSymlink(t, newGen, dir+"/..data_tmp")
	mustRename(t, dir+"/..data_tmp", dir+"/..data")
	if err := os.RemoveAll(dir + "/" + oldGen); err != nil {
		t.Fatal(err)
	}
}

func TestWatchKubernetesSymlinkSwap(t *testing.T) {
	root := realTempDir(t)
	path := root + "/swaykeep.hcl"
	kubernetesVolume(t, root, "..2026_01")
	w := startWatcher(t, path)

	kubernetesSwap(t, root, "..2026_01", "..2026_02")
	w.expect(t, root+"/..data")
	// The watch followed ..data to the new generation.
	mustWrite(t, root+"/..2026_02/swaykeep.hcl", "edited in place")
	w.expect(t, root+"/..2026_02/swaykeep.hcl")

	kubernetesSwap(t, root, "..2026_02", "..2026_03")
	w.expect(t, root+"/..data")
	mustWrite(t, root+"/..2026_03/swaykeep.hcl", "edited in place")
	w.expect(t, root+"/..2026_03/swaykeep.hcl")
}

func TestWatchUnrelatedFileDoesNotSignal(t *testing.T) {
	root := realTempDir(t)
	path := root + "/a.hcl"
	mustWrite(t, path, "x")
	w := startWatcher(t, path)

	mustWrite(t, root+"/unrelated.txt", "x")
	mustWrite(t, root+"/a.hcl.bak", "x")
	select {
	case <-w.Events():
		t.Fatal("a change to an unrelated file was signalled")
	case <-time.After(200 * time.Millisecond):
	}
	// Exactly: inotify reports in order, so the unrelated events were
	// handled before this one, and none of them caused a signal.
	mustWrite(t, path, "y")
	if before := w.expect(t, path); len(before) != 0 {
		t.Errorf("unrelated changes caused signals: %q", before)
	}
}

func TestWatchDirectoryPathWatchesEveryEntry(t *testing.T) {
	root := realTempDir(t)
	dir := root + "/conf.d"
	mustMkdir(t, dir)
	w := startWatcher(t, dir)

	mustWrite(t, dir+"/new.hcl", "x")
	w.expect(t, dir+"/new.hcl")
}

func TestWatchSetMovesTheWatches(t *testing.T) {
	oldDir, newDir := realTempDir(t), realTempDir(t)
	oldPath, newPath := oldDir+"/a.hcl", newDir+"/b.hcl"
	w := startWatcher(t, oldPath)
	if err := w.Set([]string{newPath}); err != nil {
		t.Fatal(err)
	}
	if got := w.fs.WatchList(); !slices.Equal(got, []string{newDir}) {
		t.Errorf("watching %q, want %q", got, newDir)
	}

	mustWrite(t, oldPath, "x")
	mustWrite(t, newPath, "x")
	if before := w.expect(t, newPath); len(before) != 0 {
		t.Errorf("a file no longer in the set caused signals: %q", before)
	}
}

func TestWatchSetRejectsRelativePathsButWatchesTheRest(t *testing.T) {
	root := realTempDir(t)
	path := root + "/a.hcl"
	w := startWatcher(t)
	err := w.Set([]string{"relative.hcl", path})
	if err == nil || !strings.Contains(err.Error(), `"relative.hcl"`) {
		t.Fatalf("Set = %v, want an error naming the relative path", err)
	}
	mustWrite(t, path, "x")
	w.expect(t, path)
}

func TestWatchFsnotifyErrorSignals(t *testing.T) {
	w := startWatcher(t, realTempDir(t)+"/a.hcl")
	w.fs.Errors <- fsnotify.ErrEventOverflow // as the inotify reader sends it
	w.expect(t, "error: "+fsnotify.ErrEventOverflow.Error())
}

func TestWatchQueueOverflowSignals(t *testing.T) {
	root := realTempDir(t)
	w := startWatcher(t, root+"/a.hcl")
	// Stall the loop so the pump's queue fills with unrelated events. The
	// loop may take a first batch before it stalls; whatever that batch
	// holds, the rest (or the batch itself) overflows.
	w.mu.Lock()
	for range 2*maxQueued + 1 {
		w.fs.Events <- fsnotify.Event{Name: root + "/unrelated", Op: fsnotify.Write}
	}
	w.mu.Unlock()
	w.expect(t, "error: "+fsnotify.ErrEventOverflow.Error())
}

// watcherGoroutines lists the goroutines of this package's Watchers and of
// fsnotify.
func watcherGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var found []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		// "created by" names newWatcher even before the goroutine first runs.
		if strings.Contains(g, "fsnotify") || strings.Contains(g, "daemon/watch.newWatcher") {
			found = append(found, g)
		}
	}
	return found
}

func TestWatchCloseLeaksNoGoroutine(t *testing.T) {
	root := realTempDir(t)
	log, _ := test.NewNullLogger()
	w, err := New(log)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Set([]string{root + "/a.hcl", root + "/missing/b.hcl"}); err != nil {
		t.Fatal(err)
	}
	if n := len(watcherGoroutines()); n < 3 {
		t.Fatalf("%d watcher goroutines running, want at least fsnotify's reader, pump and loop:\n%s", n, strings.Join(watcherGoroutines(), "\n\n"))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := w.Set([]string{root + "/a.hcl"}); err == nil {
		t.Error("Set after Close succeeded")
	}
	// Close waited for them, but a goroutine that has signalled its end
	// may still be unwinding: allow it a moment.
	deadline := time.Now().Add(eventWait)
	for {
		left := watcherGoroutines()
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines left after Close:\n%s", strings.Join(left, "\n\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
