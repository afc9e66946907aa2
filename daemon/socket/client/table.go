package client

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/swaykeep/swaykeep/daemon/socket"
)

// WriteTable writes the status table of `swaykeep status`:
//
//	ACCOUNT  STATE    EXPIRES    LAST ERROR
//	alpha    active   in 14m59s  -
//
// EXPIRES is relative to now; "-" where nothing is known.
func WriteTable(w io.Writer, accounts []socket.AccountStatus, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tSTATE\tEXPIRES\tLAST ERROR")
	for _, a := range accounts {
		lastErr := strings.ReplaceAll(a.LastError, "\n", " ")
		if lastErr == "" {
			lastErr = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Account, a.State, relative(a.ExpiresAt, now), lastErr)
	}
	return tw.Flush()
}

// relative says when t is from now, to the second.
func relative(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := t.Sub(now).Round(time.Second)
	if d < 0 {
		return "expired " + (-d).String() + " ago"
	}
	return "in " + d.String()
}
