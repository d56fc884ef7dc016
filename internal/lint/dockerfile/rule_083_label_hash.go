package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule083 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-083", Name: "label-hash", Severity: finding.Low,
		Title:       "Schema label of type hash is not a git commit id",
		Aliases:     []string{"DL3055"},
		Description: "Only runs with a label schema (`label-schema` in .hadolint.yaml). A revision label ties the image to its source; only a full commit id (40 or 64 hex digits) names one commit for sure. Values built from a variable are not judged.",
		Fix:         "Put the full commit id in the label (`git rev-parse HEAD`).",
	},
	Check: func(f *File, env *Env) []Hit {
		return eachSchemaLabel(f, env, "hash", func(name, value string) (string, bool) {
			return "Label " + name + " is `" + value + "`.", !validHash(value)
		})
	},
}
