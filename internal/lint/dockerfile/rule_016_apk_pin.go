package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule016 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-016", Name: "apk-unpinned", Severity: finding.Low,
		Title:       "apk add without version pins",
		Aliases:     []string{"DL3018"},
		Description: "Packages added without `name=version` (or `name~version`) change from build to build.",
		Fix:         "Pin each package: `apk add --no-cache curl=8.5.0-r0`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			if c.Name != "apk" || c.Sub() != "add" {
				return "", false
			}
			var loose []string
			for _, p := range c.Operands("add", apkValued...) {
				if !strings.ContainsAny(p, "=~<>") && !isLocalPkg(p) {
					loose = append(loose, p)
				}
			}
			return "Unpinned: " + listShort(loose, 5) + ".", len(loose) > 0
		})
	},
}
