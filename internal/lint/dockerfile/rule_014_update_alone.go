package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule014 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-014", Name: "update-alone", Severity: finding.Medium,
		Title:       "Package index update in a RUN without an install",
		Aliases:     []string{"DS-0017", "CIS-4.7"},
		Description: "The layer cache keeps a lone `apt-get update` (or `apk update`, `yum makecache`) forever, so later installs use a stale index and miss security fixes.",
		Fix:         "Update and install in the same RUN: `apt-get update && apt-get install -y ...`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachRun(f, nil, func(in *Instr) (string, bool) {
			updates := hasCmd(in, "apt-get", "update") || hasCmd(in, "apt", "update") || hasCmd(in, "apk", "update") ||
				hasCmd(in, "yum", "makecache") || hasCmd(in, "dnf", "makecache") || hasCmd(in, "zypper", "refresh", "ref")
			if !updates {
				return "", false
			}
			for _, c := range in.Commands {
				if _, _, ok := pkgInstall(c); ok {
					return "", false
				}
				if isApt(c) && isSub(c, "upgrade", "dist-upgrade", "full-upgrade") || c.Name == "apk" && c.Sub() == "upgrade" {
					return "", false
				}
			}
			return "", true
		})
	},
}
