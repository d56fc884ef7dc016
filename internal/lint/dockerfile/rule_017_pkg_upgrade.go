package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule017 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-017", Name: "pkg-upgrade-all", Severity: finding.Low,
		Title:       "Whole-system upgrade with apk, yum or dnf",
		Aliases:     []string{},
		Description: "`apk upgrade`, `yum update` or `dnf upgrade` without package names upgrades everything the base image ships, making the build depend on the day it ran.",
		Fix:         "Use a newer base image, or upgrade only named packages with pinned versions.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			switch c.Name {
			case "apk":
				return "Runs `" + c.String() + "`.", c.Sub() == "upgrade" && len(c.Operands("upgrade", apkValued...)) == 0
			case "yum", "dnf", "microdnf":
				for _, s := range []string{"update", "upgrade", "distro-sync"} {
					if c.Sub() == s && len(c.Operands(s, rpmValued...)) == 0 {
						return "Runs `" + c.String() + "`.", true
					}
				}
			}
			return "", false
		})
	},
}
