package notify

import (
	"fmt"
	"sort"
	"strings"

	"github.com/swaykeep/swaykeep/daemon/keeper"
)

// StatusLine renders the STATUS= line: the number of accounts, the non-zero
// counts per state in keeper.States order, and lastReload as the daemon words
// it ("ok at 16:30:05", "failed at 16:31:10, 2 errors"; "" leaves it out):
//
//	12 accounts: 10 active, 1 backoff, 1 rejected; last reload ok at 16:30:05
func StatusLine(counts map[keeper.State]int, lastReload string) string {
	total := 0
	var parts []string
	seen := make(map[keeper.State]bool, len(keeper.States))
	for _, s := range keeper.States {
		seen[s] = true
		if c := counts[s]; c > 0 {
			total += c
			parts = append(parts, fmt.Sprintf("%d %s", c, s))
		}
	}
	// A state added to keeper but not to States still counts.
	var extra []string
	for s, c := range counts {
		if !seen[s] && c > 0 {
			total += c
			extra = append(extra, fmt.Sprintf("%d %s", c, s))
		}
	}
	sort.Strings(extra)
	parts = append(parts, extra...)

	var b strings.Builder
	if total == 1 {
		b.WriteString("1 account")
	} else {
		fmt.Fprintf(&b, "%d accounts", total)
	}
	if len(parts) > 0 {
		b.WriteString(": " + strings.Join(parts, ", "))
	}
	if lastReload != "" {
		b.WriteString("; last reload " + lastReload)
	}
	return b.String()
}
