package dockerfile

import (
	"strconv"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule047 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-047", Name: "copy-from-self", Severity: finding.High,
		Title:       "COPY --from names its own stage",
		Aliases:     []string{"DL3023", "DS-0006"},
		Description: "A stage cannot copy from itself; the build fails or copies from an image of the same name instead.",
		Fix:         "Point --from at an earlier stage.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, st := range f.Stages {
			for _, in := range st.Instrs {
				if in.Cmd != "copy" {
					continue
				}
				from, ok := in.Flag("from")
				from = strings.ToLower(from)
				if ok && (st.Name != "" && from == st.Name || from == strconv.Itoa(st.Index)) {
					out = append(out, hit(in, ""))
				}
			}
		}
		return out
	},
}
