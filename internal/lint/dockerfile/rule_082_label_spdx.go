package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule082 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-082", Name: "label-spdx", Severity: finding.Low,
		Title:       "Schema label of type spdx is not an SPDX license id",
		Aliases:     []string{"DL3054"},
		Description: "Only runs with a label schema (`label-schema` in .hadolint.yaml). License scanners match SPDX identifiers (MIT, Apache-2.0, GPL-3.0-only) and expressions of them; free text is not machine-readable. Values built from a variable are not judged.",
		Fix:         "Use the SPDX identifier of the license, such as `Apache-2.0`.",
	},
	Check: func(f *File, env *Env) []Hit {
		return eachSchemaLabel(f, env, "spdx", func(name, value string) (string, bool) {
			return "Label " + name + " is `" + value + "`.", !validSPDX(value)
		})
	},
}
