package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule018 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-018", Name: "yum-no-yes", Severity: finding.Medium,
		Title:       "yum install without -y",
		Aliases:     []string{"DL3030"},
		Description: "A build has no terminal: yum stops at its confirmation prompt and the build fails.",
		Fix:         "Add `-y` to `yum install`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			return "", c.Name == "yum" && isSub(c, "install", "groupinstall", "localinstall", "reinstall", "update", "upgrade", "remove", "erase") && !c.Has("-y", "--assumeyes")
		})
	},
}
