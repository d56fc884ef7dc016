package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule063 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-063", Name: "reserved-stage-name", Severity: finding.Medium,
		Title:       "Stage named with a reserved word",
		Aliases:     []string{"DL3063"},
		Description: "`scratch` and `context` have fixed meanings in FROM and --from; a stage of that name is confusing or unreachable.",
		Fix:         "Rename the stage.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, st := range f.Stages {
			if st.Name == "scratch" || st.Name == "context" {
				out = append(out, hit(st.From, ""))
			}
		}
		return out
	},
}
