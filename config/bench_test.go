package config

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkLoad1000 loads a fleet of 1,000 accounts (500 plain, 500 from
// for_each) with defaults, locals and variables: the daemon does this on
// every reload.
func BenchmarkLoad1000(b *testing.B) {
	var src strings.Builder
	src.WriteString(`
variable "domain" {
  default = "default"
}
locals {
  api = "https://api.swaycharts.io/dxsca-web"
}
defaults {
  api_url = local.api
  domain  = var.domain
  token_file {
    path = "/run/swaykeep/tokens/${account.name}.token"
  }
  readers {
    groups = ["trading"]
  }
}
`)
	for i := range 500 {
		fmt.Fprintf(&src, "account \"a%d\" {\n  username = \"user%d\"\n  password = \"pw%d\"\n}\n", i, i, i)
	}
	src.WriteString("account \"desk\" {\n  for_each = {\n")
	for i := range 500 {
		fmt.Fprintf(&src, "    k%d = \"desk%d\"\n", i, i)
	}
	src.WriteString("  }\n  username = each.value\n  password = \"pw-${each.key}\"\n}\n")
	files := map[string][]byte{"main.hcl": []byte(src.String())}
	b.ReportAllocs()
	for b.Loop() {
		r := Load(Source{Path: "/cfg", Files: files})
		if len(r.Config.Accounts) != 1000 {
			b.Fatal(len(r.Config.Accounts))
		}
	}
}
