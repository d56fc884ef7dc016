package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule084 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-084", Name: "label-semver", Severity: finding.Low,
		Title:       "Schema label of type semver is not a semantic version",
		Aliases:     []string{"DL3056"},
		Description: "Only runs with a label schema (`label-schema` in .hadolint.yaml). Version labels are compared by tools that expect semantic versions (1.4.2, 2.0.0-rc.1). Values built from a variable are not judged.",
		Fix:         "Write the version as MAJOR.MINOR.PATCH, optionally with -prerelease and +build parts.",
	},
	Check: func(f *File, env *Env) []Hit {
		return eachSchemaLabel(f, env, "semver", func(name, value string) (string, bool) {
			return "Label " + name + " is `" + value + "`.", !validSemver(value)
		})
	},
}
