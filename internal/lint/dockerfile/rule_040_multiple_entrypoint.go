package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule040 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-040", Name: "multiple-entrypoint", Severity: finding.Medium,
		Title:       "More than one ENTRYPOINT in a stage",
		Aliases:     []string{"DL4004", "DS-0007"},
		Description: "Only the last ENTRYPOINT of a stage takes effect; the earlier ones mislead readers about what the container runs.",
		Fix:         "Keep one ENTRYPOINT per stage.",
	},
	Check: func(f *File, _ *Env) []Hit { return repeated(f, "entrypoint") },
}
