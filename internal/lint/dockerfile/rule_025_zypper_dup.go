package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule025 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-025", Name: "zypper-dist-upgrade", Severity: finding.Medium,
		Title:       "zypper dist-upgrade in a build",
		Aliases:     []string{"DL3035"},
		Description: "A distribution upgrade in a build can change the release the base image was tested with, and the result depends on the build day.",
		Fix:         "Use a newer base image instead of `zypper dist-upgrade`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			return "", c.Name == "zypper" && isSub(c, "dist-upgrade", "dup")
		})
	},
}
