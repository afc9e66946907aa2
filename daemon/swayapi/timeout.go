package swayapi

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseTimeout reads the "timeout" of a login or ping answer in every form
// api/sway-auth.md lists:
//
//	"01:05:08"             HH:MM:SS; hours may exceed 23, seconds may have a fraction
//	"PT30M", "P1DT2H"      ISO-8601 durations (weeks, days, hours, minutes, seconds;
//	                       years and months are ambiguous and refused)
//	1800000, "1800000"     a number, or numeric string, of milliseconds
//
// It reports false for a missing, null, unparseable, zero, negative or
// absurdly large (over ten years) value: the caller falls back to a
// conservative interval.
func ParseTimeout(raw json.RawMessage) (time.Duration, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, false
	}
	var d time.Duration
	var ok bool
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		d, ok = parseTimeoutString(strings.TrimSpace(s))
	} else {
		d, ok = parseMillis(string(raw))
	}
	if !ok || d <= 0 || d > maxTimeout {
		return 0, false
	}
	return d, true
}

// maxTimeout is the largest timeout believed; beyond it the value is junk.
const maxTimeout = 10 * 365 * 24 * time.Hour

func parseTimeoutString(s string) (time.Duration, bool) {
	switch {
	case s == "":
		return 0, false
	case strings.Contains(s, ":"):
		return parseHMS(s)
	case s[0] == 'P' || s[0] == 'p':
		return parseISO(s)
	default:
		return parseMillis(s)
	}
}

// parseMillis reads a decimal number of milliseconds.
func parseMillis(s string) (time.Duration, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return fromFloat(f, float64(time.Millisecond))
}

// fromFloat converts a count of units to a Duration, refusing overflow.
func fromFloat(n, unit float64) (time.Duration, bool) {
	v := n * unit
	if v < 0 || v > float64(maxTimeout) {
		return 0, false
	}
	return time.Duration(math.Round(v)), true
}

// parseHMS reads H+:MM:SS(.fraction).
func parseHMS(s string) (time.Duration, bool) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 || !digits(parts[0]) || len(parts[1]) != 2 || !digits(parts[1]) {
		return 0, false
	}
	h, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || h > int64(maxTimeout/time.Hour) {
		return 0, false
	}
	m, _ := strconv.Atoi(parts[1])
	whole, frac, hasFrac := strings.Cut(parts[2], ".")
	if len(whole) != 2 || !digits(whole) || hasFrac && (frac == "" || !digits(frac)) {
		return 0, false
	}
	sec, _ := strconv.Atoi(whole)
	if m > 59 || sec > 59 {
		return 0, false
	}
	d := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second
	if hasFrac {
		f, _ := strconv.ParseFloat("0."+frac, 64)
		d += time.Duration(math.Round(f * float64(time.Second)))
	}
	return d, true
}

// parseISO reads an ISO-8601 duration: P[nW][nD][T[nH][nM][nS]], numbers
// with an optional fraction ("." or ","). Y and M before T are refused:
// their length is not fixed.
func parseISO(s string) (time.Duration, bool) {
	s = strings.ToUpper(s[1:])
	var total float64
	inTime, any := false, false
	order := "WD" // designators allowed next, in order
	for len(s) > 0 {
		if s[0] == 'T' {
			if inTime {
				return 0, false
			}
			inTime, order, s = true, "HMS", s[1:]
			if s == "" {
				return 0, false // "PT" alone
			}
			continue
		}
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.' || s[i] == ',') {
			i++
		}
		if i == 0 || i == len(s) {
			return 0, false
		}
		n, err := strconv.ParseFloat(strings.Replace(s[:i], ",", ".", 1), 64)
		if err != nil {
			return 0, false
		}
		k := strings.IndexByte(order, s[i])
		if k < 0 {
			return 0, false
		}
		unit := map[byte]float64{'W': 7 * 24 * 3600, 'D': 24 * 3600, 'H': 3600, 'M': 60, 'S': 1}[s[i]]
		total += n * unit * float64(time.Second)
		if total > float64(maxTimeout) {
			return 0, false
		}
		order, s, any = order[k+1:], s[i+1:], true
	}
	if !any {
		return 0, false
	}
	return time.Duration(math.Round(total)), true
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
