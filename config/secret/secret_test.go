package secret

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
)

const sentinel = "hunter2-SENTINEL"

func TestSecretNeverPrints(t *testing.T) {
	s := Secret(sentinel)
	type holder struct {
		Password Secret
		Ptr      *Secret
	}
	h := holder{Password: s, Ptr: &s}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%10s", "%-8v"} {
		for name, v := range map[string]any{"value": s, "struct": h, "pointer-struct": &h, "slice": []Secret{s}, "map": map[string]Secret{"k": s}} {
			out := fmt.Sprintf(verb, v)
			if strings.Contains(out, sentinel) || strings.Contains(out, fmt.Sprintf("%x", sentinel)) {
				t.Errorf("fmt %s of %s leaks: %s", verb, name, out)
			}
		}
	}
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), sentinel) || !strings.Contains(string(b), Redacted) {
		t.Errorf("json: %s", b)
	}
	if s.Reveal() != sentinel {
		t.Errorf("Reveal() = %q", s.Reveal())
	}
}

func TestSecretInLogrusFields(t *testing.T) {
	for name, f := range map[string]logrus.Formatter{
		"text": &logrus.TextFormatter{DisableColors: true},
		"json": &logrus.JSONFormatter{},
	} {
		var buf bytes.Buffer
		log := logrus.New()
		log.SetOutput(&buf)
		log.SetFormatter(f)
		log.SetLevel(logrus.TraceLevel)
		s := Secret(sentinel)
		log.WithField("password", s).WithField("ptr", &s).Debug("login")
		log.WithFields(logrus.Fields{"token": s}).Info("ping")
		if strings.Contains(buf.String(), sentinel) {
			t.Errorf("%s formatter leaks: %s", name, buf.String())
		}
		if !strings.Contains(buf.String(), Redacted) {
			t.Errorf("%s formatter does not show %s: %s", name, Redacted, buf.String())
		}
	}
}
