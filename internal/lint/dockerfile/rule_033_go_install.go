package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule033 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-033", Name: "go-install-unversioned", Severity: finding.Low,
		Title:       "go install without @version",
		Aliases:     []string{"DL3062"},
		Description: "`go install pkg` (or `go get pkg`) outside a module resolves the newest version at build time.",
		Fix:         "Name the version: `go install golang.org/x/tools/gopls@v0.15.3`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			if c.Name != "go" || !isSub(c, "install", "get") {
				return "", false
			}
			var loose []string
			for _, o := range c.Operands(c.Sub(), "-o", "-ldflags", "-tags", "-gcflags", "-mod", "-C", "-p") {
				if strings.HasPrefix(o, ".") || strings.HasPrefix(o, "/") || strings.HasPrefix(o, "$") || !strings.Contains(o, ".") {
					continue
				}
				if !strings.Contains(o, "@") {
					loose = append(loose, o)
				}
			}
			return "Unversioned: " + listShort(loose, 5) + ".", len(loose) > 0
		})
	},
}
