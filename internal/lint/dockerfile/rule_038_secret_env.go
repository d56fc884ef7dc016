package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/secret"
)

var rule038 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-038", Name: "secret-in-env-arg", Severity: finding.High,
		Title:       "Secret in ENV or ARG",
		Aliases:     []string{"DL3064", "DS-0031", "CIS-4.10"},
		Description: "ENV values are stored in the image config and ARG values in its history, readable by anyone who can pull the image; the Dockerfile itself is usually in version control. An ARG named like a secret is flagged even without a default: the value given with --build-arg lands in the history too.",
		Fix:         "Pass secrets at build time with `RUN --mount=type=secret` and at run time through the orchestrator's secrets, never as ENV/ARG values.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, in := range f.Instrs {
			if in.Cmd != "env" && in.Cmd != "arg" {
				continue
			}
			var names, args []string
			for _, kv := range pairList(in) {
				if in.Cmd == "arg" && kv[2] == "" && secret.IsSecretName(kv[0]) {
					args = append(args, kv[0])
					continue
				}
				if secretPair(kv[0], kv[1]) {
					names = append(names, kv[0])
				}
			}
			switch {
			case len(names) > 0:
				out = append(out, hit(in, strings.ToUpper(in.Cmd)+" sets "+listShort(names, 5)+" to a literal value."))
			case len(args) > 0:
				out = append(out, hit(in, "ARG "+listShort(args, 5)+" takes a secret as a build argument, which the image history records for every RUN that sees it."))
			}
		}
		return out
	},
}
