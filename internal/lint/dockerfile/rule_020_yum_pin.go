package dockerfile

import (
	"regexp"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// rpmVersioned matches name-version package specs such as httpd-2.4.57.
var rpmVersioned = regexp.MustCompile(`-\d`)

// rpmUnpinned returns the install operands of c without a version.
func rpmUnpinned(c *Command) []string {
	var loose []string
	for _, p := range c.Operands("install", rpmValued...) {
		if strings.HasPrefix(p, "@") || isLocalPkg(p) || rpmVersioned.MatchString(p) || strings.ContainsAny(p, "=<>") {
			continue
		}
		loose = append(loose, p)
	}
	return loose
}

var rule020 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-020", Name: "yum-unpinned", Severity: finding.Low,
		Title:       "yum install without version pins",
		Aliases:     []string{"DL3033"},
		Description: "Packages installed without `name-version` change from build to build.",
		Fix:         "Pin each package: `yum install -y httpd-2.4.57`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			if c.Name != "yum" || c.Sub() != "install" {
				return "", false
			}
			loose := rpmUnpinned(c)
			return "Unpinned: " + listShort(loose, 5) + ".", len(loose) > 0
		})
	},
}
