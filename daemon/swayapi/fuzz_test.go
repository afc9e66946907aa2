package swayapi

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/swaykeep/swaykeep/config/secret"
)

// FuzzDecodeResponse feeds arbitrary answers to the decoders. The seed
// corpus runs in every `go test`; `go test -fuzz FuzzDecodeResponse` explores.
func FuzzDecodeResponse(f *testing.F) {
	for _, seed := range []string{
		`{"sessionToken":"abc","timeout":"00:30:00"}`,
		`{"sessionToken":"abc","timeout":"PT30M"}`,
		`{"sessionToken":"abc","timeout":1800000}`,
		`{"sessionToken":"abc","timeout":"1800000"}`,
		`{"sessionToken":"abc"}`,
		`{"sessionToken":"abc","timeout":"P1DT2H","accountCode":"X"}`,
		`{"errorCode":"3","description":"Incorrect username or password"}`,
		`{"errorCode":3}`,
		`{}`, ``, `null`, `[]`, `"x"`, `<html></html>`,
		`{"sessionToken":"a b"}`, `{"sessionToken":12}`, `{"timeout":"00:00:01.5"}`,
		`{"sessionToken":"` + strings.Repeat("x", 5000) + `"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, prev := range []secret.Secret{"", "prev-token"} {
			s, err := decodeSession(body, prev)
			if err != nil {
				continue
			}
			if CheckToken(s.Token.Reveal()) != nil {
				t.Errorf("accepted unsafe token %q", s.Token.Reveal())
			}
			if s.Timeout < 0 || s.Timeout > maxTimeout {
				t.Errorf("timeout %v out of range", s.Timeout)
			}
		}
		code, desc := decodeError(body)
		if strings.ContainsAny(code+desc, "\n\r\x00") || len(desc) > maxDescription+len("…") {
			t.Errorf("unsanitized error fields %q %q", code, desc)
		}
		if d, ok := ParseTimeout(json.RawMessage(body)); ok && (d <= 0 || d > maxTimeout) {
			t.Errorf("ParseTimeout(%q) = %v", body, d)
		}
	})
}
