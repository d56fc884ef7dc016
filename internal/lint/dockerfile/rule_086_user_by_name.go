package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule086 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-086", Name: "user-by-name", Severity: finding.Info, Off: true,
		Title:       "USER given by name instead of a numeric id",
		Aliases:     []string{"DL3066"},
		Description: "Kubernetes' runAsNonRoot and some hosts can only verify a numeric user: a name is resolved inside the image, so the platform cannot tell whether it is root. Off by default; enable it by name.",
		Fix:         "Use the numeric uid (and gid): `USER 10001:10001`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, in := range f.Instrs {
			if in.Cmd != "user" || len(in.Args) == 0 {
				continue
			}
			u, _, _ := strings.Cut(in.Args[0], ":")
			if !isNumber(u) && !strings.Contains(u, "$") {
				out = append(out, hit(in, "User "+u+"."))
			}
		}
		return out
	},
}
