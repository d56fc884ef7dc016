package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule053 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-053", Name: "duplicate-stage-name", Severity: finding.Medium,
		Title:       "Two stages share a name",
		Aliases:     []string{"DL3024", "DS-0012"},
		Description: "When two stages have the same AS name, --from and FROM references reach only one of them, silently.",
		Fix:         "Give each stage its own name.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		seen := map[string]bool{}
		for _, st := range f.Stages {
			if st.Name == "" {
				continue
			}
			if seen[st.Name] {
				out = append(out, hit(st.From, "Stage name "+st.Name+" is used again."))
			}
			seen[st.Name] = true
		}
		return out
	},
}
