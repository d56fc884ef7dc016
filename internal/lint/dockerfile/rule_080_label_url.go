package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule080 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-080", Name: "label-url", Severity: finding.Low,
		Title:       "Schema label of type url is not a URL",
		Aliases:     []string{"DL3052"},
		Description: "Only runs with a label schema (`label-schema` in .hadolint.yaml). Tools that read the label (registries, scanners, dashboards) link to it; a value without a scheme and host is a broken link. Values built from a variable are not judged.",
		Fix:         "Give an absolute URL such as `https://example.com/app`.",
	},
	Check: func(f *File, env *Env) []Hit {
		return eachSchemaLabel(f, env, "url", func(name, value string) (string, bool) {
			return "Label " + name + " is `" + value + "`.", !validURL(value)
		})
	},
}
