package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule085 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-085", Name: "label-email", Severity: finding.Low,
		Title:       "Schema label of type email is not an email address",
		Aliases:     []string{"DL3058"},
		Description: "Only runs with a label schema (`label-schema` in .hadolint.yaml). Contact labels are used to reach the image's owners; the value must be an RFC 5322 address. Values built from a variable are not judged.",
		Fix:         "Give an address such as `team@example.com`.",
	},
	Check: func(f *File, env *Env) []Hit {
		return eachSchemaLabel(f, env, "email", func(name, value string) (string, bool) {
			return "Label " + name + " is `" + value + "`.", !validEmail(value)
		})
	},
}
