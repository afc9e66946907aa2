package swayapi

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/swaykeep/swaykeep/config/secret"
)

func TestParseTimeout(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want time.Duration // 0: not usable
	}{
		{`"00:30:00"`, 30 * time.Minute},
		{`"01:05:08"`, time.Hour + 5*time.Minute + 8*time.Second},
		{`"26:00:00"`, 26 * time.Hour},
		{`"100:00:00"`, 100 * time.Hour},
		{`"00:00:01.5"`, 1500 * time.Millisecond},
		{`"00:00:00.250"`, 250 * time.Millisecond},
		{`" 00:30:00 "`, 30 * time.Minute},
		{`"PT30M"`, 30 * time.Minute},
		{`"pt30m"`, 30 * time.Minute},
		{`"P1DT2H"`, 26 * time.Hour},
		{`"PT0.5S"`, 500 * time.Millisecond},
		{`"PT0,5S"`, 500 * time.Millisecond},
		{`"PT1H30M15S"`, time.Hour + 30*time.Minute + 15*time.Second},
		{`"P1W"`, 7 * 24 * time.Hour},
		{`"P2D"`, 48 * time.Hour},
		{`1800000`, 30 * time.Minute},
		{`1800000.0`, 30 * time.Minute},
		{`1.8e6`, 30 * time.Minute},
		{`"1800000"`, 30 * time.Minute},
		{`500`, 500 * time.Millisecond},
		// Not usable: the caller falls back.
		{``, 0}, {`null`, 0}, {`""`, 0}, {`0`, 0}, {`-5`, 0}, {`"00:00:00"`, 0},
		{`"soon"`, 0}, {`true`, 0}, {`{}`, 0}, {`[]`, 0}, {`"PT"`, 0}, {`"P"`, 0},
		{`"P1M"`, 0}, {`"P1Y"`, 0}, {`"PT1D"`, 0}, {`"P1H"`, 0}, {`"PT5M1H"`, 0},
		{`"PT-5M"`, 0}, {`"P1DT"`, 0}, {`"PTS"`, 0}, {`"PT1.2.3S"`, 0},
		{`"30:00"`, 0}, {`"00:60:00"`, 0}, {`"00:00:60"`, 0}, {`"0:3:00"`, 0},
		{`"00:30:00."`, 0}, {`"-01:00:00"`, 0}, {`"a:bc:de"`, 0}, {`"00:30:00:00"`, 0},
		{`"NaN"`, 0}, {`"Inf"`, 0}, {`1e300`, 0}, {`"999999999999:00:00"`, 0}, {`"P99999999D"`, 0},
	} {
		got, ok := ParseTimeout(json.RawMessage(tc.raw))
		if got != tc.want || ok != (tc.want != 0) {
			t.Errorf("ParseTimeout(%s) = %v, %v; want %v", tc.raw, got, ok, tc.want)
		}
	}
}

// TestOddBodies: answers a lenient client must survive.
func TestOddBodies(t *testing.T) {
	tok := goodToken.Reveal()
	long := strings.Repeat("A", MaxTokenSize+1)
	for _, tc := range []struct {
		name   string
		op     string
		status int
		body   string
		want   error         // nil: success
		token  secret.Secret // expected token on success
		tmo    time.Duration
	}{
		{"extra fields", "login", 200, `{"sessionToken":"` + tok + `","timeout":"00:30:00","accountCode":"X1","nested":{"a":[1,2]}}`, nil, goodToken, 30 * time.Minute},
		{"no timeout", "login", 200, `{"sessionToken":"` + tok + `"}`, nil, goodToken, 0},
		{"junk timeout", "login", 200, `{"sessionToken":"` + tok + `","timeout":{"m":30}}`, nil, goodToken, 0},
		{"whitespace", "login", 200, "\n  {\"sessionToken\" : \"" + tok + "\"}  \n", nil, goodToken, 0},
		{"ping {}", "ping", 200, `{}`, nil, goodToken, 0},
		{"ping empty", "ping", 200, ``, nil, goodToken, 0},
		{"ping null token", "ping", 200, `{"sessionToken":null,"timeout":"PT10M"}`, nil, goodToken, 10 * time.Minute},
		{"ping new token", "ping", 200, `{"sessionToken":"fresh-1","timeout":600000}`, nil, "fresh-1", 10 * time.Minute},
		{"ping 204", "ping", 204, ``, nil, goodToken, 0},
		{"login empty", "login", 200, ``, ErrTransient, "", 0},
		{"login {}", "login", 200, `{}`, ErrTransient, "", 0},
		{"login null", "login", 200, `null`, ErrTransient, "", 0},
		{"login array", "login", 200, `[1]`, ErrTransient, "", 0},
		{"login truncated", "login", 200, `{"sessionToken":"ab`, ErrTransient, "", 0},
		{"login HTML", "login", 200, `<html>hello</html>`, ErrTransient, "", 0},
		{"token is a number", "login", 200, `{"sessionToken":12345}`, ErrTransient, "", 0},
		{"token with space", "login", 200, `{"sessionToken":"abc def"}`, ErrTransient, "", 0},
		{"token with newline", "ping", 200, `{"sessionToken":"abc\ndef"}`, ErrTransient, "", 0},
		{"token with quote", "login", 200, `{"sessionToken":"abc\"; rm -rf /"}`, ErrTransient, "", 0},
		{"token with $", "login", 200, `{"sessionToken":"a$(id)"}`, ErrTransient, "", 0},
		{"token with unicode", "login", 200, `{"sessionToken":"tökén"}`, ErrTransient, "", 0},
		{"token too long", "login", 200, `{"sessionToken":"` + long + `"}`, ErrTransient, "", 0},
		{"oversized 200", "login", 200, `{"sessionToken":"` + tok + `","pad":"` + strings.Repeat("x", MaxBodySize) + `"}`, ErrTransient, "", 0},
		{"oversized 401", "login", 401, `{"errorCode":"3","pad":"` + strings.Repeat("x", MaxBodySize) + `"}`, ErrRejected, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, scripted(tc.status, nil, tc.body))
			var s Session
			var err error
			if tc.op == "login" {
				s, err = c.Login(context.Background(), alice)
			} else {
				s, err = c.Ping(context.Background(), goodToken)
			}
			noSecrets(t, err, "")
			if strings.Contains(errText(err), "rm -rf") || strings.Contains(errText(err), long[:64]) {
				t.Errorf("error quotes the token: %v", err)
			}
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Errorf("%v, want %v", err, tc.want)
				}
				return
			}
			if err != nil || s.Token != tc.token || s.Timeout != tc.tmo {
				t.Errorf("got %q %v %v; want %q %v", s.Token.Reveal(), s.Timeout, err, tc.token.Reveal(), tc.tmo)
			}
		})
	}
	// A token of exactly MaxTokenSize bytes, of every safe character, passes.
	edge := strings.Repeat("aZ09-._~+/=", MaxTokenSize)[:MaxTokenSize]
	s, err := newClient(t, scripted(200, nil, `{"sessionToken":"`+edge+`"}`)).Login(context.Background(), alice)
	if err != nil || s.Token.Reveal() != edge {
		t.Errorf("edge token: %v", err)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestErrorBodies(t *testing.T) {
	for _, tc := range []struct {
		body, code, desc string
	}{
		{`{"errorCode":"3","description":"Incorrect username or password"}`, "3", "Incorrect username or password"},
		{`{"errorCode":10001,"description":"x"}`, "10001", "x"},
		{`{"errorCode":"32"}`, "32", ""},
		{`{"errorCode":true,"description":["x"]}`, "", ""},
		{`{"errorCode":null}`, "", ""},
		{`<html>502</html>`, "", ""},
		{``, "", ""},
		{`{"description":"line\nbreak\u0000and ` + strings.Repeat("long ", 100) + `"}`, "", ""},
	} {
		code, desc := decodeError([]byte(tc.body))
		if code != tc.code || tc.desc != "" && desc != tc.desc {
			t.Errorf("decodeError(%.40s) = %q %q", tc.body, code, desc)
		}
		if strings.ContainsAny(desc, "\n\x00") || len(desc) > maxDescription+len("…") {
			t.Errorf("description not sanitized: %q", desc)
		}
	}
}

// TestServerEchoesSecrets: a server that quotes the password or token in its
// description does not get it into our errors.
func TestServerEchoesSecrets(t *testing.T) {
	body := `{"errorCode":"3","description":"bad password ` + sentinelPassword + ` for token ` + goodToken.Reveal() + `"}`
	c := newClient(t, scripted(401, nil, body))
	_, err := c.Login(context.Background(), alice)
	noSecrets(t, err, "")
	// Ping and logout never send the password; they guard the token.
	_, err = c.Ping(context.Background(), goodToken)
	if strings.Contains(err.Error(), goodToken.Reveal()) {
		t.Errorf("ping error leaks the token: %v", err)
	}
	err = c.Logout(context.Background(), goodToken)
	if strings.Contains(err.Error(), goodToken.Reveal()) {
		t.Errorf("logout error leaks the token: %v", err)
	}
	if !strings.Contains(err.Error(), secret.Redacted) {
		t.Errorf("no redaction marker: %v", err)
	}
}

func TestUnusableTokenIsNotSent(t *testing.T) {
	var n int
	c := newClient(t, handlerTransport{countingHandler(&n)})
	for _, tok := range []secret.Secret{"", "has space", "new\nline", secret.Secret(strings.Repeat("a", MaxTokenSize+1))} {
		if _, err := c.Ping(context.Background(), tok); !errors.Is(err, ErrSessionGone) {
			t.Errorf("ping with %q: %v", tok.Reveal(), err)
		}
		if err := c.Logout(context.Background(), tok); !errors.Is(err, ErrSessionGone) {
			t.Errorf("logout with %q: %v", tok.Reveal(), err)
		}
	}
	if n != 0 {
		t.Errorf("%d requests sent with unusable tokens", n)
	}
}

// TestServerEchoesSecretsAtTheCut: a password echoed where the description
// is cut, in the errorCode, or JSON-escaped, leaks no part of itself.
func TestServerEchoesSecretsAtTheCut(t *testing.T) {
	pad := strings.Repeat("x", maxDescription-len(sentinelPassword)/2)
	escaped := strings.ReplaceAll(sentinelPassword, "S", `\u0053`)
	for name, body := range map[string]string{
		"cut":       `{"errorCode":"3","description":"` + pad + sentinelPassword + `"}`,
		"errorCode": `{"errorCode":"` + sentinelPassword + `","description":"no"}`,
		"escaped":   `{"errorCode":"3","description":"` + escaped + `"}`,
	} {
		c := newClient(t, scripted(401, nil, body))
		_, err := c.Login(context.Background(), alice)
		half := sentinelPassword[:len(sentinelPassword)/2]
		if strings.Contains(err.Error(), half) {
			t.Errorf("%s: error shows part of the password: %v", name, err)
		}
	}
}
