package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule054 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-054", Name: "copy-multi-dest", Severity: finding.Medium,
		Title:       "COPY of several sources to a destination without a trailing /",
		Aliases:     []string{"DL3021", "DS-0011"},
		Description: "With more than one source the destination must be a directory, written with a trailing slash; otherwise the build fails.",
		Fix:         "End the destination with `/`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, st := range f.Stages {
			for _, in := range st.Instrs {
				if in.Cmd != "copy" {
					continue
				}
				src, dest := sourcesDest(in)
				dest = unquote(dest)
				if len(src) > 1 && !strings.HasSuffix(dest, "/") && !strings.HasPrefix(dest, "$") {
					out = append(out, hit(in, ""))
				}
			}
		}
		return out
	},
}
