package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule012 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-012", Name: "apt-get-upgrade", Severity: finding.Medium,
		Title:       "apt-get upgrade or dist-upgrade in a build",
		Aliases:     []string{"DS-0024"},
		Description: "Upgrading every package in a build makes the image depend on the day it was built and can move core packages the base image publisher tested; dist-upgrade may even change release.",
		Fix:         "Use a newer base image instead, and install only the packages you need with pinned versions.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			return "Runs `" + c.String() + "`.", isApt(c) && isSub(c, "upgrade", "dist-upgrade", "full-upgrade")
		})
	},
}
