package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule062 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-062", Name: "from-fixed-platform", Severity: finding.Low,
		Title:       "FROM --platform with a fixed value",
		Aliases:     []string{"DL3029"},
		Description: "A hard-coded --platform breaks multi-platform builds and runs emulated on other hosts.",
		Fix:         "Drop --platform, or use `--platform=$BUILDPLATFORM` for cross-compiling build stages.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, st := range f.Stages {
			if st.Platform != "" && !strings.Contains(st.Platform, "$") {
				out = append(out, hit(st.From, "Platform "+st.Platform+"."))
			}
		}
		return out
	},
}
