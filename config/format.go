package config

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// FormatFile returns src in canonical HCL layout (hclwrite's, as `terraform
// fmt`). A file that does not parse is returned as nil with the
// diagnostics: formatting broken input would guess at its structure.
// JSON files (*.hcl.json, *.json) are returned unchanged.
func FormatFile(src []byte, filename string) ([]byte, hcl.Diagnostics) {
	if strings.HasSuffix(filename, ".json") {
		return src, nil
	}
	if _, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos); diags.HasErrors() {
		return nil, diags
	}
	return hclwrite.Format(src), nil
}
