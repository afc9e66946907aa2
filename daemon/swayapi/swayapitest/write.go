package swayapitest

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// write sends a, shaped by the current faults (HTML error pages, extra
// fields, Retry-After on 429).
func (s *Simulator) write(w http.ResponseWriter, a answer, f Faults) {
	h := w.Header()
	if a.allow != "" {
		h.Set("Allow", a.allow)
	}
	if a.status == http.StatusTooManyRequests && f.RetryAfter > 0 {
		secs := int64((f.RetryAfter + time.Second - 1) / time.Second) // round up, at least 1
		h.Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	if a.status >= 400 && f.HTMLErrors {
		h.Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(a.status)
		text := fmt.Sprintf("%d %s", a.status, http.StatusText(a.status))
		fmt.Fprintf(w, "<html><head><title>%s</title></head><body><h1>%s</h1><hr><center>nginx</center></body></html>\n",
			html.EscapeString(text), html.EscapeString(text))
		return
	}
	if a.empty {
		w.WriteHeader(a.status)
		return
	}
	var body any = a.fields
	if a.status >= 400 {
		body = struct {
			ErrorCode   string `json:"errorCode"` // a string, as the real API writes it
			Description string `json:"description"`
		}{a.code, a.desc}
		if f.ExtraFields {
			body = withExtraFields(map[string]any{"errorCode": a.code, "description": a.desc})
		}
	} else if f.ExtraFields {
		body = withExtraFields(a.fields)
	}
	b, _ := json.Marshal(body)
	h.Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	w.Write(b)
}

// withExtraFields adds fields a client must ignore (one public fixture adds
// accountCode; servers grow new fields over time).
func withExtraFields(m map[string]any) map[string]any {
	out := map[string]any{
		"accountCode": "SIM:0001",
		"serverTime":  time.Now().UTC().Format(time.RFC3339),
		"details":     map[string]any{"simulated": true, "tags": []string{"extra"}},
		"version":     2,
	}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// FormatTimeout renders d in one of the TimeoutForms; false for "none".
//
//	hms            "00:30:00" (hours may exceed 23; fractional seconds when needed)
//	iso            "PT30M"
//	millis         1800000 (a JSON number)
//	string-millis  "1800000"
func FormatTimeout(d time.Duration, form string) (any, bool) {
	switch form {
	case "hms", "":
		h := d / time.Hour
		m := (d % time.Hour) / time.Minute
		sec := d % time.Minute
		out := fmt.Sprintf("%02d:%02d:%02d", h, m, sec/time.Second)
		if frac := sec % time.Second; frac != 0 {
			out += strings.TrimRight(fmt.Sprintf(".%09d", frac), "0")
		}
		return out, true
	case "iso":
		return isoDuration(d), true
	case "millis":
		return d.Milliseconds(), true
	case "string-millis":
		return strconv.FormatInt(d.Milliseconds(), 10), true
	}
	return nil, false
}

func isoDuration(d time.Duration) string {
	var b strings.Builder
	b.WriteString("PT")
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dH", h)
	}
	if m := (d % time.Hour) / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dM", m)
	}
	if sec := d % time.Minute; sec > 0 || d == 0 {
		b.WriteString(strconv.FormatFloat(sec.Seconds(), 'f', -1, 64) + "S")
	}
	return b.String()
}
