package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule059 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-059", Name: "copy-relative-no-workdir", Severity: finding.Low,
		Title:       "COPY to a relative path with no WORKDIR set",
		Aliases:     []string{"DL3045"},
		Description: "A relative COPY destination is resolved against the base image's working directory, which you do not control.",
		Fix:         "Set `WORKDIR /app` first, or copy to an absolute path.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, st := range f.Stages {
			workdir := false
			for _, in := range chain(st) {
				if in.Cmd == "workdir" {
					workdir = true
				}
				if in.Cmd != "copy" || in.Stage != st || workdir {
					continue
				}
				if _, dest := sourcesDest(in); dest != "" && !absPath(dest) {
					out = append(out, hit(in, ""))
				}
			}
		}
		return out
	},
}
