package dockerfile

import (
	"fmt"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/eol"
	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule005 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-005", Name: "base-eol", Severity: finding.High,
		Title:       "Base image release is past its end of life",
		Aliases:     []string{"CIS-4.4"},
		Description: "The OS release of the shipped base image no longer gets security updates, so known vulnerabilities in it stay unfixed. Only stages that end up in the final image are judged.",
		Fix:         "Move the base image to a supported release of the same distribution.",
	},
	Check: func(f *File, env *Env) []Hit {
		var out []Hit
		ship := shipped(f)
		for _, st := range f.Stages {
			if !ship[st] || st.Image == nil {
				continue
			}
			r, ok := eol.FromImage(st.Image.Name, st.Image.Tag)
			if !ok || !r.IsEOL(env.Now) {
				continue
			}
			d := fmt.Sprintf("%s reached its end of life on %s (%s support, %s).", r, r.EOL.Format(time.DateOnly), r.Basis, r.Source)
			out = append(out, hit(st.From, d))
		}
		return out
	},
}
