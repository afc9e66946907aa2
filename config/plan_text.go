package config

import (
	"bufio"
	"fmt"
	"io"
)

// WriteText renders the diff as a Terraform-style plan:
//
//   - account "alice"
//     username: alice
//     ~ account "bob" # must log in again
//     password: (sensitive) -> (sensitive)
//
//   - account "carol"
//     ~ daemon
//     log_level: info -> debug
//
//     Plan: 1 to add, 1 to change, 1 to remove.
//
// or "No changes." Secrets are "(sensitive)"; an absent value "(none)".
func (d Diff) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	var add, change, remove int
	for _, c := range d.Accounts {
		switch c.Kind {
		case Added:
			add++
			fmt.Fprintf(bw, "+ account %q\n", c.Name)
			for _, a := range c.Attrs {
				fmt.Fprintf(bw, "    %s: %s\n", a.Name, orNone(a.New))
			}
		case Removed:
			remove++
			fmt.Fprintf(bw, "- account %q # logs out, token files removed\n", c.Name)
		case Changed:
			change++
			fmt.Fprintf(bw, "~ account %q%s\n", c.Name, marker(c.What))
			for _, a := range c.Attrs {
				fmt.Fprintf(bw, "    %s: %s -> %s\n", a.Name, orNone(a.Old), orNone(a.New))
			}
		}
	}
	if len(d.Daemon) > 0 {
		fmt.Fprintf(bw, "~ daemon\n")
		for _, a := range d.Daemon {
			fmt.Fprintf(bw, "    %s: %s -> %s\n", a.Name, orNone(a.Old), orNone(a.New))
		}
	}
	if d.IsEmpty() {
		fmt.Fprintf(bw, "No changes.\n")
	} else {
		fmt.Fprintf(bw, "\nPlan: %d to add, %d to change, %d to remove.\n", add, change, remove)
	}
	return bw.Flush()
}

// marker says what a change costs: a new session, or only file work or a
// reschedule (DESIGN.md §5).
func marker(w What) string {
	switch {
	case w&LoginChanged != 0:
		return " # must log in again"
	case w&(SinksChanged|ReadersChanged) != 0:
		return " # token files rewritten, no login"
	default:
		return " # rescheduled, no login"
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
