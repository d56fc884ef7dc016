package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule003 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-003", Name: "base-latest", Severity: finding.Medium,
		Title:       "Base image uses the latest tag",
		Aliases:     []string{"DL3007", "DS-0001"},
		Description: "The `latest` tag moves with every release, so the same Dockerfile builds different images over time and may pull in a new major version.",
		Fix:         "Replace `:latest` with a concrete release tag, ideally with a digest.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, st := range f.Stages {
			if st.Image != nil && st.Image.Tag == "latest" && st.Image.Digest == "" {
				out = append(out, hit(st.From, "Base image "+st.Image.Name+" uses the latest tag."))
			}
		}
		return out
	},
}
