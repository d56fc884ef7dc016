package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule031 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-031", Name: "gem-unpinned", Severity: finding.Low,
		Title:       "gem install without versions",
		Aliases:     []string{"DL3028"},
		Description: "`gem install name` takes whatever version is newest at build time.",
		Fix:         "Pin versions: `gem install rails:7.1.3` or `gem install rails -v 7.1.3`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			if c.Name != "gem" || c.Sub() != "install" || c.Has("-v", "--version") {
				return "", false
			}
			var loose []string
			for _, o := range c.Operands("install", "-i", "--install-dir", "-n", "--bindir", "--source", "-s", "--platform") {
				if !strings.Contains(o, ":") && !isLocalPkg(o) && !strings.HasSuffix(o, ".gem") {
					loose = append(loose, o)
				}
			}
			return "Unpinned: " + listShort(loose, 5) + ".", len(loose) > 0
		})
	},
}
