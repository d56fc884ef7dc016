package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule044 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-044", Name: "no-healthcheck", Severity: finding.Low,
		Title:       "No HEALTHCHECK in the final stage",
		Aliases:     []string{"DL3057", "DS-0026", "CIS-4.6"},
		Description: "Without a HEALTHCHECK the engine only knows whether the process runs, not whether it works, so a hung service keeps receiving traffic. `HEALTHCHECK NONE` counts as a deliberate choice.",
		Fix:         "Add `HEALTHCHECK CMD <probe>` to the final stage.",
	},
	Check: func(f *File, _ *Env) []Hit {
		final := f.Final()
		if final == nil {
			return nil
		}
		for _, in := range chain(final) {
			if in.Cmd == "healthcheck" {
				return nil
			}
		}
		return []Hit{hit(final.From, "")}
	},
}
