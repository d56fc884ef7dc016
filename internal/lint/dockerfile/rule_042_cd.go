package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule042 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-042", Name: "cd-in-run", Severity: finding.Low,
		Title:       "cd used in RUN instead of WORKDIR",
		Aliases:     []string{"DL3003", "DS-0013"},
		Description: "A `cd` lasts only for its RUN, which makes the Dockerfile harder to read and easy to get wrong; WORKDIR states the directory for every later instruction.",
		Fix:         "Set the directory with `WORKDIR /path` (or use the tool's -C/--directory option).",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			return "", c.Name == "cd" && !c.InSubst
		})
	},
}
