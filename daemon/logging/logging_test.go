package logging

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/coreos/go-systemd/v22/journal"
	"github.com/sirupsen/logrus"
)

func TestJournalField(t *testing.T) {
	tests := []struct{ in, want string }{
		{"account", "ACCOUNT"},
		{"state", "STATE"},
		{"ACCOUNT", "ACCOUNT"},
		{"old_state", "OLD_STATE"},
		{"http.status", "HTTP_STATUS"},
		{"token-file", "TOKEN_FILE"},
		{"_private", "PRIVATE"},
		{"__", "F_"},
		{"", "F_"},
		{"2fa", "F_2FA"},
		{"message", "F_MESSAGE"},
		{"priority", "F_PRIORITY"},
		{"syslog_identifier", "F_SYSLOG_IDENTIFIER"},
		{"naïve", "NA_VE"},
		{strings.Repeat("a", 80), strings.Repeat("A", 64)},
	}
	for _, tt := range tests {
		got := journalField(tt.in)
		if got != tt.want {
			t.Errorf("journalField(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if !validJournalField(got) {
			t.Errorf("journalField(%q) = %q, which journald refuses", tt.in, got)
		}
	}
}

// validJournalField is journald's rule (journal_field_valid in systemd).
func validJournalField(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '_' || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

func TestPriority(t *testing.T) {
	tests := []struct {
		level logrus.Level
		want  journal.Priority
	}{
		{logrus.PanicLevel, journal.PriCrit},
		{logrus.FatalLevel, journal.PriCrit},
		{logrus.ErrorLevel, journal.PriErr},
		{logrus.WarnLevel, journal.PriWarning},
		{logrus.InfoLevel, journal.PriInfo},
		{logrus.DebugLevel, journal.PriDebug},
		{logrus.TraceLevel, journal.PriDebug},
	}
	for _, tt := range tests {
		if got := priority(tt.level); got != tt.want {
			t.Errorf("priority(%v) = %d, want %d", tt.level, got, tt.want)
		}
	}
}

type sent struct {
	msg  string
	pri  journal.Priority
	vars map[string]string
}

type recorder struct {
	mu   sync.Mutex
	got  []sent
	fail error
}

func (r *recorder) send(msg string, pri journal.Priority, vars map[string]string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.got = append(r.got, sent{msg, pri, vars})
	return nil
}

func TestJournalEntries(t *testing.T) {
	rec := &recorder{}
	var stderr bytes.Buffer
	log, err := newLogger("json", "info", &stderr, rec.send)
	if err != nil {
		t.Fatal(err)
	}
	log.WithFields(logrus.Fields{"account": "alpha", "state": "active", "old": "pending"}).Info("state changed")
	log.WithError(errors.New("connection refused")).WithField("account", "beta").Warn("ping failed")
	log.Debug("not at info")

	if len(rec.got) != 2 {
		t.Fatalf("journal got %d entries, want 2: %+v", len(rec.got), rec.got)
	}
	e := rec.got[0]
	if e.msg != "state changed" || e.pri != journal.PriInfo {
		t.Errorf("entry 0 = %q priority %d", e.msg, e.pri)
	}
	for k, v := range map[string]string{"ACCOUNT": "alpha", "STATE": "active", "OLD": "pending", "SYSLOG_IDENTIFIER": "swaykeep"} {
		if e.vars[k] != v {
			t.Errorf("entry 0: %s = %q, want %q (vars %v)", k, e.vars[k], v, e.vars)
		}
	}
	e = rec.got[1]
	if e.pri != journal.PriWarning || e.vars["ERROR"] != "connection refused" || e.vars["ACCOUNT"] != "beta" {
		t.Errorf("entry 1 = %+v", e)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr got %q under the journal, want nothing", stderr.String())
	}
}

func TestJournalFailureFallsBackToStderr(t *testing.T) {
	rec := &recorder{fail: errors.New("journald gone")}
	var stderr bytes.Buffer
	log, err := newLogger("", "info", &stderr, rec.send)
	if err != nil {
		t.Fatal(err)
	}
	log.WithField("account", "alpha").Error("login failed")
	if out := stderr.String(); !strings.Contains(out, "login failed") || !strings.Contains(out, "account=alpha") {
		t.Errorf("stderr = %q, want the entry as text", out)
	}
}

func TestFormatSwitching(t *testing.T) {
	var stderr bytes.Buffer
	log, err := newLogger("text", "info", &stderr, nil)
	if err != nil {
		t.Fatal(err)
	}
	log.WithField("account", "alpha").Info("one")
	if out := stderr.String(); !strings.Contains(out, `msg=one`) || !strings.Contains(out, "account=alpha") {
		t.Errorf("text output = %q", out)
	}

	stderr.Reset()
	if err := Configure(log, "json", "debug"); err != nil {
		t.Fatal(err)
	}
	log.WithField("account", "alpha").Debug("two")
	var line map[string]any
	if err := json.Unmarshal(stderr.Bytes(), &line); err != nil {
		t.Fatalf("json output %q: %v", stderr.String(), err)
	}
	if line["msg"] != "two" || line["account"] != "alpha" || line["level"] != "debug" {
		t.Errorf("json line = %v", line)
	}

	stderr.Reset()
	if err := Configure(log, "text", "error"); err != nil {
		t.Fatal(err)
	}
	log.Warn("dropped")
	log.Error("kept")
	if out := stderr.String(); strings.Contains(out, "dropped") || !strings.Contains(out, "msg=kept") {
		t.Errorf("at error level, output = %q", out)
	}
}

func TestConfigureRejectsAndKeeps(t *testing.T) {
	var stderr bytes.Buffer
	log, err := newLogger("json", "warn", &stderr, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ format, level string }{
		{"xml", "debug"},
		{"text", "verbose"},
	} {
		if err := Configure(log, tt.format, tt.level); err == nil {
			t.Errorf("Configure(%q, %q) = nil, want an error", tt.format, tt.level)
		}
	}
	if log.GetLevel() != logrus.WarnLevel {
		t.Errorf("level = %v after refused Configure, want warn", log.GetLevel())
	}
	if _, ok := log.Formatter.(*logrus.JSONFormatter); !ok {
		t.Errorf("formatter = %T after refused Configure, want JSON", log.Formatter)
	}
	if _, err := New("text", "loud", &stderr); err == nil {
		t.Error("New with an unknown level succeeded")
	}
}

func TestConfigureUnderJournalKeepsJournal(t *testing.T) {
	rec := &recorder{}
	log, err := newLogger("text", "info", &bytes.Buffer{}, rec.send)
	if err != nil {
		t.Fatal(err)
	}
	if err := Configure(log, "json", "debug"); err != nil {
		t.Fatal(err)
	}
	log.Debug("still journal")
	if len(rec.got) != 1 || rec.got[0].pri != journal.PriDebug {
		t.Errorf("journal got %+v, want one debug entry", rec.got)
	}
}

func TestNewOffJournal(t *testing.T) {
	t.Setenv("JOURNAL_STREAM", "")
	var stderr bytes.Buffer // not an *os.File: never the journal
	log, err := New("", "", &stderr)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("hello")
	if !strings.Contains(stderr.String(), "msg=hello") {
		t.Errorf("stderr = %q", stderr.String())
	}
}
