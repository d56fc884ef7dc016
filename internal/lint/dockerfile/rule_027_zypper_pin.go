package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule027 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-027", Name: "zypper-unpinned", Severity: finding.Low,
		Title:       "zypper install without version pins",
		Aliases:     []string{"DL3037"},
		Description: "Packages installed without `name=version` change from build to build.",
		Fix:         "Pin each package: `zypper install -y curl=8.0.1`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			if c.Name != "zypper" || !isSub(c, "install", "in") {
				return "", false
			}
			var loose []string
			for _, p := range c.Operands(c.Sub(), zypperValued...) {
				if !strings.ContainsAny(p, "=<>") && !isLocalPkg(p) {
					loose = append(loose, p)
				}
			}
			return "Unpinned: " + listShort(loose, 5) + ".", len(loose) > 0
		})
	},
}
