package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule067 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-067", Name: "first-instruction", Severity: finding.High,
		Title:       "Dockerfile does not start with FROM or ARG",
		Aliases:     []string{"DL3061"},
		Description: "Only ARG (and parser directives or comments) may come before the first FROM; anything else fails the build.",
		Fix:         "Move the instruction after FROM.",
	},
	Check: func(f *File, _ *Env) []Hit {
		for _, in := range f.Instrs {
			if in.Cmd == "from" {
				break
			}
			if in.Cmd != "arg" {
				return []Hit{hit(in, strings.ToUpper(in.Cmd)+" comes before the first FROM.")}
			}
		}
		return nil
	},
}
