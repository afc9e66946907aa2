// Package logging builds the daemon's logrus logger (DESIGN.md §6): native
// journal entries with their fields when stderr is connected to journald,
// text or JSON lines on stderr otherwise. Level and format reload in place.
package logging

import (
	"fmt"
	"io"
	"time"

	"github.com/coreos/go-systemd/v22/journal"
	"github.com/sirupsen/logrus"
)

// Formats accepted by New and Configure ("" means text).
const (
	FormatText = "text"
	FormatJSON = "json"
)

// sendFunc delivers one journal entry; journal.Send in production, a recorder
// in tests.
type sendFunc func(message string, priority journal.Priority, vars map[string]string) error

// New returns a logger writing to stderr in format ("text" or "json") at level
// ("debug", "info", "warn" or "error"; "" means info and text).
//
// When the process runs under systemd with stderr connected to the journal
// (JOURNAL_STREAM names stderr's device and inode, and journald's socket
// answers), entries go to the journal natively instead, with every logrus field
// as a journal field (account → ACCOUNT) and PRIORITY from the level; format is
// then ignored, as journalctl renders entries itself (-o json, -o verbose).
func New(format, level string, stderr io.Writer) (*logrus.Logger, error) {
	var send sendFunc
	if underJournal(stderr) {
		send = journal.Send
	}
	return newLogger(format, level, stderr, send)
}

// newLogger is New with the journal decision made: send is nil off the journal.
func newLogger(format, level string, stderr io.Writer, send sendFunc) (*logrus.Logger, error) {
	log := logrus.New()
	log.SetOutput(stderr)
	if send != nil {
		// The formatter sends; nothing is left to write.
		log.SetOutput(io.Discard)
		log.SetFormatter(&journalFormatter{send: send, fallback: stderr, text: textFormatter()})
	}
	if err := Configure(log, format, level); err != nil {
		return nil, err
	}
	return log, nil
}

// Configure applies a new format and level to a logger made by New, in place,
// so every holder of the logger (and of entries derived from it) follows a
// reload. Both values are checked before either is applied: on error the
// logger is unchanged. Under the journal the format is checked but not used.
// Configure must not run concurrently with itself.
func Configure(log *logrus.Logger, format, level string) error {
	lvl, err := ParseLevel(level)
	if err != nil {
		return err
	}
	f, err := formatter(format)
	if err != nil {
		return err
	}
	// Reading Formatter without the logger's lock is safe: only Configure
	// (never concurrently with itself) replaces it.
	if _, journal := log.Formatter.(*journalFormatter); !journal {
		log.SetFormatter(f)
	}
	log.SetLevel(lvl)
	return nil
}

// ParseLevel parses a log_level value: debug, info, warn or error ("" is info).
func ParseLevel(level string) (logrus.Level, error) {
	switch level {
	case "debug":
		return logrus.DebugLevel, nil
	case "", "info":
		return logrus.InfoLevel, nil
	case "warn":
		return logrus.WarnLevel, nil
	case "error":
		return logrus.ErrorLevel, nil
	}
	return 0, fmt.Errorf("unknown log level %q: want debug, info, warn or error", level)
}

func formatter(format string) (logrus.Formatter, error) {
	switch format {
	case "", FormatText:
		return textFormatter(), nil
	case FormatJSON:
		return &logrus.JSONFormatter{TimestampFormat: time.RFC3339Nano}, nil
	}
	return nil, fmt.Errorf("unknown log format %q: want text or json", format)
}

func textFormatter() *logrus.TextFormatter {
	return &logrus.TextFormatter{FullTimestamp: true, TimestampFormat: time.RFC3339Nano}
}
