package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule038 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-038", Name: "secret-in-env-arg", Severity: finding.High,
		Title:       "Secret in ENV or ARG",
		Aliases:     []string{"DL3064", "DS-0031", "CIS-4.10"},
		Description: "ENV values are stored in the image config and ARG values in its history, readable by anyone who can pull the image; the Dockerfile itself is usually in version control.",
		Fix:         "Pass secrets at build time with `RUN --mount=type=secret` and at run time through the orchestrator's secrets, never as ENV/ARG values.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, in := range f.Instrs {
			if in.Cmd != "env" && in.Cmd != "arg" {
				continue
			}
			var names []string
			for _, kv := range pairList(in) {
				if secretPair(kv[0], kv[1]) {
					names = append(names, kv[0])
				}
			}
			if len(names) > 0 {
				out = append(out, hit(in, strings.ToUpper(in.Cmd)+" sets "+listShort(names, 5)+" to a literal value."))
			}
		}
		return out
	},
}
