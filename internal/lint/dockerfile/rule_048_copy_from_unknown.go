package dockerfile

import (
	"strconv"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule048 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-048", Name: "copy-from-unknown", Severity: finding.Medium,
		Title:       "COPY --from names no earlier stage",
		Aliases:     []string{"DL3022"},
		Description: "A --from value that is neither an earlier stage nor a full image reference is taken as an image name from the registry: a typo pulls someone else's image.",
		Fix:         "Name an earlier stage (`FROM ... AS build`), or give a full image reference with a tag.",
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
				if !ok || from == "" || strings.ContainsAny(from, ":/@$") {
					continue
				}
				if n, err := strconv.Atoi(from); err == nil {
					if n < st.Index {
						continue
					}
					out = append(out, hit(in, "Stage index "+from+" is not an earlier stage."))
					continue
				}
				prev, known := f.byName[from]
				if (!known || prev.Index >= st.Index) && from != st.Name {
					out = append(out, hit(in, "No earlier stage is named "+from+"."))
				}
			}
		}
		return out
	},
}
