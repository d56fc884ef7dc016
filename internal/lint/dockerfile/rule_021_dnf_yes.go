package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule021 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-021", Name: "dnf-no-yes", Severity: finding.Medium,
		Title:       "dnf or microdnf install without -y",
		Aliases:     []string{"DL3038"},
		Description: "A build has no terminal: dnf stops at its confirmation prompt and the build fails.",
		Fix:         "Add `-y` to `dnf install` / `microdnf install`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			return "", (c.Name == "dnf" || c.Name == "microdnf" || c.Name == "tdnf") &&
				isSub(c, "install", "groupinstall", "reinstall", "update", "upgrade", "remove") && !c.Has("-y", "--assumeyes")
		})
	},
}
