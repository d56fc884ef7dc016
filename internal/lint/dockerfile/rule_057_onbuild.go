package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule057 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-057", Name: "onbuild-forbidden", Severity: finding.Medium,
		Title:       "ONBUILD wraps ONBUILD, FROM or MAINTAINER",
		Aliases:     []string{"DL3043"},
		Description: "ONBUILD cannot trigger ONBUILD, FROM or MAINTAINER; builds of child images fail.",
		Fix:         "Remove the instruction from ONBUILD.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, in := range f.Instrs {
			if in.Cmd != "onbuild" || in.node == nil || in.node.Next == nil {
				continue
			}
			inner := ""
			if ch := in.node.Next.Children; len(ch) > 0 {
				inner = strings.ToLower(ch[0].Value)
			}
			if inner == "onbuild" || inner == "from" || inner == "maintainer" {
				out = append(out, hit(in, "ONBUILD "+strings.ToUpper(inner)+"."))
			}
		}
		return out
	},
}
