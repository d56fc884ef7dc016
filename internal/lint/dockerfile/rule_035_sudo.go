package dockerfile

import (
	"slices"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule035 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-035", Name: "sudo", Severity: finding.Medium,
		Title:       "sudo used in RUN",
		Aliases:     []string{"DL3004", "DS-0010"},
		Description: "sudo in a build means the image carries sudo and a sudoers setup, and its TTY and signal handling is unpredictable; a RUN already runs as the USER you choose.",
		Fix:         "Switch with `USER root` around the commands that need it, or use gosu/su-exec at run time.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			return "", c.Name == "sudo" || slices.Contains(c.Wrappers, "sudo")
		})
	},
}
