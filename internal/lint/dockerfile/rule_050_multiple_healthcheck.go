package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule050 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-050", Name: "multiple-healthcheck", Severity: finding.Low,
		Title:       "More than one HEALTHCHECK in a stage",
		Aliases:     []string{"DL3012", "DS-0023"},
		Description: "Only the last HEALTHCHECK takes effect; the earlier ones mislead readers.",
		Fix:         "Keep one HEALTHCHECK per stage.",
	},
	Check: func(f *File, _ *Env) []Hit { return repeated(f, "healthcheck") },
}
