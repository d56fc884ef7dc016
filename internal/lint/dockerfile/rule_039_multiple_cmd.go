package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

// repeated returns every instruction named cmd after the first, per stage.
func repeated(f *File, cmd string) []Hit {
	var out []Hit
	for _, st := range f.Stages {
		n := 0
		for _, in := range st.Instrs {
			if in.Cmd == cmd {
				n++
				if n > 1 {
					out = append(out, hit(in, ""))
				}
			}
		}
	}
	return out
}

var rule039 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-039", Name: "multiple-cmd", Severity: finding.Medium,
		Title:       "More than one CMD in a stage",
		Aliases:     []string{"DL4003", "DS-0016"},
		Description: "Only the last CMD of a stage takes effect; the earlier ones mislead readers about what the container runs.",
		Fix:         "Keep one CMD per stage.",
	},
	Check: func(f *File, _ *Env) []Hit { return repeated(f, "cmd") },
}
