package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule079 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-079", Name: "label-empty", Severity: finding.Low,
		Title:       "Schema label with an empty value",
		Aliases:     []string{"DL3051"},
		Description: "Only runs with a label schema (`label-schema` in .hadolint.yaml). An empty value satisfies the presence check but says nothing.",
		Fix:         "Give the label a value, or remove it.",
	},
	Check: func(f *File, env *Env) []Hit {
		return eachSchemaLabel(f, env, "", func(name, value string) (string, bool) {
			return "Label " + name + " is empty.", value == ""
		})
	},
}
