package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var systemDirs = []string{"/proc", "/sys", "/dev", "/boot", "/initrd", "/lost+found"}

var rule055 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-055", Name: "workdir-system-dir", Severity: finding.High,
		Title:       "WORKDIR in a system directory",
		Aliases:     []string{"DS-0030"},
		Description: "/proc, /sys, /dev and /boot are kernel or boot file systems; working there mixes application files with host interfaces.",
		Fix:         "Use an application directory such as /app or /srv/<name>.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, st := range f.Stages {
			for _, in := range st.Instrs {
				if in.Cmd != "workdir" || len(in.Args) == 0 {
					continue
				}
				p := strings.TrimRight(unquote(in.Args[0]), "/")
				for _, d := range systemDirs {
					if p == d || strings.HasPrefix(p, d+"/") {
						out = append(out, hit(in, ""))
						break
					}
				}
			}
		}
		return out
	},
}
