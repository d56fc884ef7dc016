package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var npmValued = []string{"--registry", "--prefix", "-w", "--workspace", "--cache", "--tag", "--omit", "--include"}

var rule030 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-030", Name: "npm-unpinned", Severity: finding.Low,
		Title:       "npm install of packages without versions",
		Aliases:     []string{"DL3016"},
		Description: "`npm install name` takes whatever version is newest at build time; a compromised release is installed the moment it is published.",
		Fix:         "Pin versions (`npm install express@4.19.2`) or install from a lockfile with `npm ci`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			if c.Name != "npm" || !isSub(c, "install", "i", "add", "isntall") {
				return "", false
			}
			var loose []string
			for _, o := range c.Operands(c.Sub(), npmValued...) {
				if isLocalPkg(o) || strings.Contains(o, ":") || strings.HasSuffix(o, ".tgz") {
					continue
				}
				name := o
				if strings.HasPrefix(name, "@") {
					if i := strings.IndexByte(name, '/'); i > 0 {
						name = name[i+1:]
					}
				}
				if !strings.Contains(name, "@") {
					loose = append(loose, o)
				}
			}
			return "Unpinned: " + listShort(loose, 5) + ".", len(loose) > 0
		})
	},
}
