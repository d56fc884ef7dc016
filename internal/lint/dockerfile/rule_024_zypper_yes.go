package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule024 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-024", Name: "zypper-interactive", Severity: finding.Medium,
		Title:       "zypper without non-interactive mode",
		Aliases:     []string{"DL3034"},
		Description: "zypper prompts for confirmation unless told not to; a build has no terminal.",
		Fix:         "Use `zypper --non-interactive install` or `zypper install -y`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			return "", c.Name == "zypper" &&
				isSub(c, "install", "in", "remove", "rm", "source-install", "si", "patch", "update", "up", "dist-upgrade", "dup") &&
				!c.Has("-n", "--non-interactive", "-y", "--no-confirm")
		})
	},
}
