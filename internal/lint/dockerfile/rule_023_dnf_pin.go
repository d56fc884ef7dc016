package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule023 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-023", Name: "dnf-unpinned", Severity: finding.Low,
		Title:       "dnf or microdnf install without version pins",
		Aliases:     []string{"DL3041"},
		Description: "Packages installed without `name-version` change from build to build.",
		Fix:         "Pin each package: `dnf install -y httpd-2.4.57`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			if (c.Name != "dnf" && c.Name != "microdnf" && c.Name != "tdnf") || !rpmInstalls(c) {
				return "", false
			}
			loose := rpmUnpinned(c)
			return "Unpinned: " + listShort(loose, 5) + ".", len(loose) > 0
		})
	},
}
