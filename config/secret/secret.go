// Package secret holds the Secret type: a string that never prints.
//
// Passwords and session tokens travel as Secret from the moment they are
// decoded until the moment they go on the wire or into a token file, where
// the holder calls Reveal. Every way Go, encoding/json and logrus have of
// printing a value prints "(sensitive)" instead (DESIGN.md §2, STYLE.md 10).
package secret

import (
	"fmt"
	"io"
)

// Redacted is what a Secret prints as.
const Redacted = "(sensitive)"

// Secret is a string that prints as "(sensitive)" through fmt (%v, %+v, %#v,
// %s, %q, %x, ...), JSON, text marshalling and therefore logrus fields.
type Secret string

// Reveal returns the secret itself. Call it only where the value leaves the
// process on purpose: an HTTP request, a token file, the socket's token route.
func (s Secret) Reveal() string { return string(s) }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s == "" }

// String implements fmt.Stringer.
func (Secret) String() string { return Redacted }

// GoString implements fmt.GoStringer, for %#v.
func (Secret) GoString() string { return Redacted }

// Format implements fmt.Formatter so that every verb, including %q and %x,
// prints the redaction rather than the bytes.
func (Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", Redacted)
		return
	}
	io.WriteString(f, Redacted)
}

// MarshalText implements encoding.TextMarshaler (logrus' JSON formatter and
// most encoders fall back to it).
func (Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// MarshalJSON implements json.Marshaler.
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }
