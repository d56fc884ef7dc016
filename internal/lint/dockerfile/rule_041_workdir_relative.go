package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// absPath reports whether p is absolute (POSIX or Windows) or a variable.
func absPath(p string) bool {
	p = unquote(p)
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, "$") || strings.HasPrefix(p, `\`) {
		return true
	}
	return len(p) >= 2 && p[1] == ':' && (p[0] >= 'a' && p[0] <= 'z' || p[0] >= 'A' && p[0] <= 'Z')
}

var rule041 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-041", Name: "workdir-relative", Severity: finding.Medium,
		Title:       "Relative WORKDIR",
		Aliases:     []string{"DL3000", "DS-0009"},
		Description: "A relative WORKDIR depends on every WORKDIR before it (and on the base image's); an absolute one says where you are.",
		Fix:         "Use an absolute path: `WORKDIR /app`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, st := range f.Stages {
			for _, in := range st.Instrs {
				if in.Cmd == "workdir" && len(in.Args) > 0 && !absPath(in.Args[0]) {
					out = append(out, hit(in, ""))
				}
			}
		}
		return out
	},
}
