// Package watch tells the daemon when a file its configuration was loaded
// from may have changed (DESIGN.md §5, issue 6): a [Watcher] over the files
// the last load read or tried to read, and [Debounce], which turns a burst of
// its signals into one reload.
//
// The Watcher watches directories, never files: editors rename a new file
// over the old one, and Kubernetes swaps a `..data` symlink, so a watch on
// the file itself would follow the old inode and go quiet. It reports that
// something changed, not what: the daemon re-reads the whole set and a reload
// that leaves the configuration identical does nothing, so an extra signal
// costs one load and a missed one costs correctness. Every doubt (an fsnotify
// error, a queue overflow) is therefore a signal.
package watch

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/fsnotify/fsnotify"
	"github.com/sirupsen/logrus"
)

// maxQueued bounds the events waiting between fsnotify and the Watcher's
// loop; past it they are dropped and treated like a kernel queue overflow.
const maxQueued = 4096

// maxRounds bounds the resolve-and-watch rounds of one rescan (see rescan).
const maxRounds = 4

// Watcher signals on Events when a watched file may have changed. Create it
// with New, give it the files with Set after every load, and Close it.
//
// A change is any create, write, remove, rename or chmod of an entry in a
// watched directory that concerns a watched file: the file's own name, a
// symlink the file resolves through, an entry whose name starts with ".."
// (Kubernetes' `..data` and `..2026_01_02_...` entries), a missing directory
// on the file's path appearing, or the watched directory itself being removed
// or renamed. After a removal or rename the watches follow: a missing
// directory is watched through its nearest existing ancestor until it is
// re-created. Events in a watched directory about other names are ignored.
type Watcher struct {
	log    logrus.FieldLogger
	fs     *fsnotify.Watcher
	events chan struct{}
	trace  func(reason string) // tests: why each signal was sent, once the watches moved

	// The pump goroutine moves fsnotify's events into queue at once, never
	// blocking: fsnotify can hold its lock while it sends an error, so a
	// goroutine that calls Add or Remove must not also be fsnotify's only
	// reader.
	qmu      sync.Mutex
	queue    []fsnotify.Event
	errs     []error
	overflow bool
	wake     chan struct{} // capacity 1: the queue is not empty

	pumpDone chan struct{}
	loopDone chan struct{}

	mu     sync.Mutex // guards the fields below and all calls to fs.Add/Remove
	files  []string   // as last given to Set, cleaned
	dirs   plan       // directories watched now, and what for
	closed bool

	closeOnce sync.Once
	closeErr  error
}

// New starts a Watcher with nothing to watch. Its goroutines stop on Close.
func New(log logrus.FieldLogger) (*Watcher, error) {
	return newWatcher(log, nil)
}

func newWatcher(log logrus.FieldLogger, trace func(string)) (*Watcher, error) {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("start config file watcher: %w", err)
	}
	w := &Watcher{
		log:      log,
		fs:       fsw,
		events:   make(chan struct{}, 1),
		trace:    trace,
		wake:     make(chan struct{}, 1),
		pumpDone: make(chan struct{}),
		loopDone: make(chan struct{}),
		dirs:     make(plan),
	}
	go w.pump()
	go w.loop()
	return w, nil
}

// Events returns the signal channel. It has capacity 1 and a signal is
// dropped when one is already pending, so signals coalesce and the Watcher
// never blocks on a slow reader. When a signal is received, the watches
// already cover the state that caused it. The channel is never closed.
func (w *Watcher) Events() <-chan struct{} { return w.events }

// Set replaces the watched set with files: every file the last load read or
// tried to read, as absolute paths; missing files and directories are
// allowed (creating them is a change). A path naming a directory watches
// every entry in it. Set adds and removes directory watches to match, and
// resolves symlinks anew, so call it after every load, failed or not.
//
// Set does not signal: the caller has just read the files. The error lists
// the paths that cannot be watched (relative paths, a directory watch the
// system refused); the others are watched regardless.
func (w *Watcher) Set(files []string) error {
	var errs []error
	clean := make([]string, 0, len(files))
	for _, f := range files {
		if !filepath.IsAbs(f) {
			errs = append(errs, fmt.Errorf("watch config file %q: path is not absolute", f))
			continue
		}
		clean = append(clean, filepath.Clean(f))
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return fmt.Errorf("watch config files: %w", fsnotify.ErrClosed)
	}
	w.files = clean
	errs = append(errs, w.rescan())
	return errors.Join(errs...)
}

// Close stops watching and waits for the Watcher's goroutines to end.
// Set after Close fails; Events stays open and silent.
func (w *Watcher) Close() error {
	w.closeOnce.Do(func() {
		w.mu.Lock()
		w.closed = true
		w.mu.Unlock()
		// fsnotify's Close ends its reader, which closes its channels, which
		// ends pump, which ends loop.
		if err := w.fs.Close(); err != nil {
			w.closeErr = fmt.Errorf("close config file watcher: %w", err)
			return
		}
		<-w.loopDone
	})
	return w.closeErr
}

// rescan resolves the watched files and moves the directory watches to
// match. Resolution and watching race with the changes they follow: a
// directory created between the two is seen by neither an event nor the
// resolution. So rescan resolves again after adding watches, until two
// rounds agree: from then on, every change either raises an event or was
// already visible to the reload that the caller's signal starts.
// w.mu is held.
func (w *Watcher) rescan() error {
	want := planFor(w.files)
	for round := 1; ; round++ {
		err := w.sync(want)
		again := planFor(w.files)
		if again.equal(want) || round == maxRounds {
			return err
		}
		want = again
	}
}

// sync makes the fsnotify watches those of want. Every wanted directory is
// added again, even one watched already: fsnotify drops a watch silently
// when its directory is unmounted, and adding an existing watch is cheap.
// w.mu is held.
func (w *Watcher) sync(want plan) error {
	var errs []error
	watched := make(plan, len(want))
	for dir, in := range want {
		if err := w.fs.Add(dir); err != nil {
			if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ENOTDIR) {
				continue // removed since resolution: the next round sees it
			}
			if errors.Is(err, syscall.ENOSPC) {
				err = fmt.Errorf("%w (raise sysctl fs.inotify.max_user_watches)", err)
			}
			errs = append(errs, fmt.Errorf("watch directory %q: %w", dir, err))
			continue
		}
		watched[dir] = in
	}
	for dir := range w.dirs {
		if _, ok := watched[dir]; !ok {
			// An error means fsnotify already dropped the watch (the
			// directory is gone): nothing left to remove.
			_ = w.fs.Remove(dir)
		}
	}
	w.dirs = watched
	return errors.Join(errs...)
}

// pump queues fsnotify's events and errors for loop; it never blocks on
// anything but fsnotify's channels, and ends when fsnotify closes them.
func (w *Watcher) pump() {
	defer close(w.pumpDone)
	for {
		select {
		case ev, ok := <-w.fs.Events:
			if !ok {
				return
			}
			w.qmu.Lock()
			if len(w.queue) < maxQueued {
				w.queue = append(w.queue, ev)
			} else {
				w.queue, w.overflow = nil, true
			}
			w.qmu.Unlock()
		case err, ok := <-w.fs.Errors:
			if !ok {
				return
			}
			w.qmu.Lock()
			w.errs = append(w.errs, err)
			if len(w.errs) > maxQueued {
				w.errs, w.overflow = nil, true
			}
			w.qmu.Unlock()
		}
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

func (w *Watcher) loop() {
	defer close(w.loopDone)
	for {
		select {
		case <-w.pumpDone:
			return
		case <-w.wake:
			w.qmu.Lock()
			evs, errs, overflow := w.queue, w.errs, w.overflow
			w.queue, w.errs, w.overflow = nil, nil, false
			w.qmu.Unlock()
			w.handle(evs, errs, overflow)
		}
	}
}

// handle decides whether a batch of fsnotify's output is a change, moves
// the watches if the batch can have changed what the files resolve to, and
// then signals, so a receiver of the signal finds the new watches in place.
func (w *Watcher) handle(evs []fsnotify.Event, errs []error, overflow bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	var reasons []string
	rescan := false
	if overflow {
		errs = append(errs, fsnotify.ErrEventOverflow)
	}
	for _, err := range errs {
		// Events may have been lost: re-resolve, and let the daemon re-read.
		w.log.WithError(err).Warn("config file watcher failed; re-reading the configuration")
		reasons = append(reasons, "error: "+err.Error())
		rescan = true
	}
	for _, ev := range evs {
		change, moved := w.concerns(ev)
		if !change {
			continue
		}
		w.log.WithFields(logrus.Fields{"path": ev.Name, "op": ev.Op.String()}).Debug("config file changed")
		reasons = append(reasons, ev.Name)
		rescan = rescan || moved
	}
	if len(reasons) == 0 {
		return
	}
	if rescan {
		if err := w.rescan(); err != nil {
			w.log.WithError(err).Warn("config file watcher cannot watch every file; reload with SIGHUP after changing them")
		}
	}
	if w.trace != nil {
		for _, r := range reasons {
			w.trace(r)
		}
	}
	select {
	case w.events <- struct{}{}:
	default:
	}
}

// concerns tells whether ev is a change to the watched set, and whether it
// can have moved what the files resolve to (an entry created, removed or
// renamed, rather than written). w.mu is held.
func (w *Watcher) concerns(ev fsnotify.Event) (change, moved bool) {
	moved = ev.Has(fsnotify.Create) || ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename)
	name := filepath.Clean(ev.Name)
	if _, ok := w.dirs[name]; ok {
		// A watched directory itself: its own watch reports its removal or
		// rename (and fsnotify drops that watch), or its parent's does.
		return true, moved
	}
	in, ok := w.dirs[filepath.Dir(name)]
	if !ok {
		return false, false
	}
	base := filepath.Base(name)
	if _, ok := in.names[base]; ok || in.all || strings.HasPrefix(base, "..") {
		return true, moved
	}
	return false, false
}
