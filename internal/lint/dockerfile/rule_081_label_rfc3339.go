package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule081 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-081", Name: "label-rfc3339", Severity: finding.Low,
		Title:       "Schema label of type rfc3339 is not an RFC 3339 time",
		Aliases:     []string{"DL3053"},
		Description: "Only runs with a label schema (`label-schema` in .hadolint.yaml). Build dates are compared and sorted; only an RFC 3339 time such as 2024-05-01T12:00:00Z can be. Values built from a variable are not judged.",
		Fix:         "Write the time as RFC 3339, for example `$(date -u +%Y-%m-%dT%H:%M:%SZ)` passed as a build argument.",
	},
	Check: func(f *File, env *Env) []Hit {
		return eachSchemaLabel(f, env, "rfc3339", func(name, value string) (string, bool) {
			return "Label " + name + " is `" + value + "`.", !validRFC3339(value)
		})
	},
}
