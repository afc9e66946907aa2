package config

import "github.com/hashicorp/hcl/v2"

// The schemas of DESIGN.md §2. Anything not listed is an error (HCL reports
// "Unsupported argument" or "Unsupported block type" on it).

var rootSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "daemon"},
		{Type: "defaults"},
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "locals"},
		{Type: "account", LabelNames: []string{"name"}},
	},
}

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "type"}, {Name: "default"}, {Name: "description"}, {Name: "sensitive"},
	},
}

var daemonSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "state_dir"}, {Name: "log_level"}, {Name: "log_format"}, {Name: "login_rate"},
		{Name: "logout_on_exit"}, {Name: "shutdown_timeout"}, {Name: "watch"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "socket"}, {Type: "admins"}, {Type: "metrics"}},
}

var socketSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "path"}, {Name: "mode"}},
}

var principalsSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "users"}, {Name: "groups"}},
}

var metricsSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "listen", Required: true}},
}

// accountAttrs are the attributes an account and defaults share.
var accountAttrs = []string{
	"api_url", "domain", "username", "password", "ca_file", "ping_interval", "request_timeout",
}

var defaultsSchema = accountSchema(false)

var accountBlockSchema = accountSchema(true)

func accountSchema(forEach bool) *hcl.BodySchema {
	s := &hcl.BodySchema{
		Blocks: []hcl.BlockHeaderSchema{{Type: "token_file"}, {Type: "readers"}},
	}
	for _, a := range accountAttrs {
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: a})
	}
	if forEach {
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: "for_each"})
	}
	return s
}

var tokenFileSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "path", Required: true}, {Name: "format"}, {Name: "mode"}, {Name: "group"},
	},
}
