package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule002 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-002", Name: "base-untagged", Severity: finding.Medium,
		Title:       "Base image has no tag",
		Aliases:     []string{"DL3006", "DS-0001"},
		Description: "A FROM without a tag or digest means `latest`: the base changes under you and builds are not reproducible.",
		Fix:         "Name a release tag (and better, a digest): `FROM debian:12.5-slim@sha256:...`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, st := range f.Stages {
			if st.Image != nil && st.Image.Tag == "" && st.Image.Digest == "" {
				out = append(out, hit(st.From, "Base image "+st.Image.Name+" has no tag."))
			}
		}
		return out
	},
}
