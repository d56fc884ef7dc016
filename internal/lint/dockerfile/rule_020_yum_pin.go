package dockerfile

import (
	"regexp"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// rpmVersioned matches name-version package specs such as httpd-2.4.57,
// openssl-1:1.1.1k, or a version from a variable (git-core-${GIT_VER}).
var rpmVersioned = regexp.MustCompile(`-(\d|\$)`)

// rpmInstalls reports whether c installs packages: `install` or
// `module install`.
func rpmInstalls(c *Command) bool {
	switch c.Sub() {
	case "install":
		return true
	case "module":
		ops := c.Operands("module", rpmValued...)
		return len(ops) > 0 && ops[0] == "install"
	}
	return false
}

// rpmUnpinned returns the install operands of c without a version; a
// module is pinned by its stream (`module install nodejs:20`).
func rpmUnpinned(c *Command) []string {
	module := c.Sub() == "module"
	var loose []string
	for _, p := range c.Operands("install", rpmValued...) {
		if module {
			if !strings.Contains(p, ":") && !strings.HasPrefix(p, "$") {
				loose = append(loose, p)
			}
			continue
		}
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
			if c.Name != "yum" || !rpmInstalls(c) {
				return "", false
			}
			loose := rpmUnpinned(c)
			return "Unpinned: " + listShort(loose, 5) + ".", len(loose) > 0
		})
	},
}
