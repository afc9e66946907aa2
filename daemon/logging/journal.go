package logging

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/coreos/go-systemd/v22/journal"
	"github.com/sirupsen/logrus"
)

// syslogIdentifier tags every journal entry, so `journalctl -t swaykeep` works
// whatever the binary is called.
const syslogIdentifier = "swaykeep"

// journalFormatter sends each entry to the journal as native fields and
// returns nothing for the logger to write. If the journal refuses an entry
// (journald restarting, socket gone), the entry goes to stderr as text rather
// than being lost.
type journalFormatter struct {
	send     sendFunc
	fallback io.Writer
	text     logrus.Formatter
}

func (f *journalFormatter) Format(e *logrus.Entry) ([]byte, error) {
	if err := f.send(e.Message, priority(e.Level), journalVars(e)); err != nil {
		b, ferr := f.text.Format(e)
		if ferr != nil {
			return nil, ferr
		}
		// logrus serialises writes to Out, not to this writer; a short
		// interleave on stderr during a journald outage is acceptable.
		_, _ = f.fallback.Write(b)
	}
	return nil, nil
}

// priority maps logrus levels to syslog priorities. Panic is crit, not emerg:
// journald broadcasts emerg to every terminal, which one daemon's panic does
// not deserve.
func priority(l logrus.Level) journal.Priority {
	switch l {
	case logrus.PanicLevel, logrus.FatalLevel:
		return journal.PriCrit
	case logrus.ErrorLevel:
		return journal.PriErr
	case logrus.WarnLevel:
		return journal.PriWarning
	case logrus.InfoLevel:
		return journal.PriInfo
	}
	return journal.PriDebug
}

// journalVars turns an entry's fields into journal fields. Colliding names
// (account and ACCOUNT) keep the first in sorted order, so the result does
// not depend on map iteration.
func journalVars(e *logrus.Entry) map[string]string {
	vars := make(map[string]string, len(e.Data)+4)
	vars["SYSLOG_IDENTIFIER"] = syslogIdentifier
	if e.Caller != nil {
		vars["CODE_FILE"] = e.Caller.File
		vars["CODE_LINE"] = strconv.Itoa(e.Caller.Line)
		vars["CODE_FUNC"] = e.Caller.Function
	}
	keys := make([]string, 0, len(e.Data))
	for k := range e.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := journalField(k)
		if _, taken := vars[name]; taken {
			continue
		}
		vars[name] = fieldValue(e.Data[k])
	}
	return vars
}

// reserved are journal fields the formatter sets itself; a logrus field of
// that name is renamed rather than allowed to overwrite them.
var reserved = map[string]bool{
	"MESSAGE": true, "PRIORITY": true, "SYSLOG_IDENTIFIER": true,
	"CODE_FILE": true, "CODE_LINE": true, "CODE_FUNC": true,
}

// maxFieldLen is journald's limit on a field name.
const maxFieldLen = 64

// journalField maps a logrus field name to a journal field name, which
// journald accepts only as [A-Z0-9_], not starting with an underscore (those
// are trusted fields set by journald) nor a digit, at most 64 bytes:
// "account" → ACCOUNT, "http.status" → HTTP_STATUS, "_x" → X, "2fa" → F_2FA,
// "message" → F_MESSAGE.
func journalField(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := strings.TrimLeft(b.String(), "_")
	if s == "" || (s[0] >= '0' && s[0] <= '9') || reserved[s] {
		s = "F_" + s
	}
	if len(s) > maxFieldLen {
		s = s[:maxFieldLen]
	}
	return s
}

func fieldValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case error:
		return v.Error()
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprint(v)
}
