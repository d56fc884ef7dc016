package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule072 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-072", Name: "platform-redundant", Severity: finding.Info,
		Title:       "FROM --platform=$TARGETPLATFORM is redundant",
		Aliases:     []string{"DL3065"},
		Description: "The target platform is already the default for FROM; writing it adds noise and hides the stages where --platform matters.",
		Fix:         "Remove `--platform=$TARGETPLATFORM`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, st := range f.Stages {
			p := strings.Trim(st.Platform, "{}$")
			if p == "TARGETPLATFORM" || st.Platform == "${TARGETPLATFORM}" {
				out = append(out, hit(st.From, ""))
			}
		}
		return out
	},
}
