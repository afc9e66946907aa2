//go:build !linux

package logging

import "io"

// underJournal is false off Linux: there is no journald.
func underJournal(io.Writer) bool { return false }
