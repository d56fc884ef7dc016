package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule089 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-089", Name: "copy-from-stage-index", Severity: finding.Low,
		Title:       "COPY --from names a stage by its number",
		Aliases:     []string{"68a51e22-ae5a-4d48-8e87-b01a323605c9"},
		Description: "`COPY --from=0` depends on the order of the stages: adding or moving one silently copies from a different stage, possibly one holding build secrets.",
		Fix:         "Name the stage (`FROM golang:1.22 AS build`) and copy with `--from=build`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, in := range f.Instrs {
			if in.Cmd != "copy" {
				continue
			}
			if v, ok := in.Flag("from"); ok && isDigits(v) {
				out = append(out, hit(in, "Stage "+v+"."))
			}
		}
		return out
	},
}
