package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule010 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-010", Name: "apt-get-unpinned", Severity: finding.Low,
		Title:       "apt-get install without version pins",
		Aliases:     []string{"DL3008"},
		Description: "Packages installed without `name=version` change from build to build, so a rebuild can silently bring different (or broken) software.",
		Fix:         "Pin each package: `apt-get install -y curl=7.88.1-10+deb12u5`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			if !isApt(c) || c.Sub() != "install" {
				return "", false
			}
			var loose []string
			for _, p := range c.Operands("install", aptValued...) {
				if !strings.Contains(p, "=") && !isLocalPkg(p) {
					loose = append(loose, p)
				}
			}
			return "Unpinned: " + listShort(loose, 5) + ".", len(loose) > 0
		})
	},
}
