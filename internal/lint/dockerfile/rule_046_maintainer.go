package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule046 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-046", Name: "maintainer", Severity: finding.Info,
		Title:       "MAINTAINER is deprecated",
		Aliases:     []string{"DL4000", "DS-0022"},
		Description: "MAINTAINER has been deprecated for years; a label carries the same information in the standard place.",
		Fix:         "Replace it with `LABEL maintainer=\"name <email>\"` (or org.opencontainers.image.authors).",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, in := range f.Instrs {
			if in.Cmd == "maintainer" {
				out = append(out, hit(in, ""))
			}
		}
		return out
	},
}
