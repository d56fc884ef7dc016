package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule004 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-004", Name: "base-not-pinned", Severity: finding.Low,
		Title:       "Base image not pinned by digest",
		Aliases:     []string{"CIS-4.2"},
		Description: "A tag can be moved to other content at any time, by the publisher or by whoever controls the registry; only a digest names exactly the image that was reviewed.",
		Fix:         "Append the digest of the reviewed image: `FROM alpine:3.20@sha256:<digest>` (and let a bot update it).",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, st := range f.Stages {
			if st.Image != nil && st.Image.Digest == "" {
				out = append(out, hit(st.From, "Base image "+st.Image.Name+" is not pinned by digest."))
			}
		}
		return out
	},
}
