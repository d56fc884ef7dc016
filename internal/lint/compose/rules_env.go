package compose

import (
	"sort"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/secret"
)

// literalValue reports whether an environment value is written in the
// file rather than taken from a variable.
func literalValue(v string) bool {
	v = strings.TrimSpace(v)
	return v != "" && !strings.HasPrefix(v, "$")
}

var ruleEnvSecret = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-014", Name: "secret-in-environment", Severity: finding.High,
		Title:       "Secret written in the environment or build arguments",
		Description: "A password, token or key written as a literal environment value or build argument is kept in the compose file (usually in version control) and shown by `docker inspect` to anyone with access to the daemon.",
		Fix:         "Use compose `secrets:` (files mounted under /run/secrets) or a variable such as `${DB_PASSWORD}` filled from an untracked .env file.",
	},
	Check: func(s *Service) []Hit {
		names := make([]string, 0, len(s.Config.Environment))
		for k, v := range s.Config.Environment {
			if v == nil || !literalValue(*v) {
				continue
			}
			if secret.IsSecretName(k) || secret.HasToken(*v) {
				names = append(names, k)
			}
		}
		sort.Strings(names)
		var out []Hit
		for _, k := range names {
			out = append(out, Hit{
				Line:     s.mapKeyLine("environment", k),
				Detail:   "Variable " + k + " holds a literal value.",
				Evidence: k + "=" + secret.Redact(*s.Config.Environment[k]),
			})
		}
		if b := s.Config.Build; b != nil {
			var args []string
			for k, v := range b.Args {
				if v != nil && literalValue(*v) && (secret.IsSecretName(k) || secret.HasToken(*v)) {
					args = append(args, k)
				}
			}
			sort.Strings(args)
			for _, k := range args {
				out = append(out, Hit{
					Line:     s.KeyLine("build", "args"),
					Detail:   "Build argument " + k + " holds a literal value; build arguments are also kept in the image history.",
					Evidence: "build.args " + k + "=" + secret.Redact(*b.Args[k]),
				})
			}
		}
		return out
	},
}
