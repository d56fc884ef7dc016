package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule091 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-091", Name: "final-stage-no-user", Severity: finding.High,
		Title:       "Final stage sets no USER",
		Aliases:     []string{"DS-0002", "CIS-4.1"},
		Description: "Without a USER the image runs its process as root, unless the base image sets another user. Bases whose tag says they run as non-root (distroless :nonroot) are accepted.",
		Fix:         "Create an unprivileged user and end the final stage with `USER <name or uid>`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		final := f.Final()
		if final == nil || final.From == nil || lastUser(final) != nil {
			return nil
		}
		for st := final; st != nil; st = st.Parent {
			if st.Image != nil && strings.Contains(st.Image.Tag, "nonroot") {
				return nil
			}
			if st.Base == "scratch" || strings.EqualFold(st.Base, "scratch") {
				// scratch has no /etc/passwd; its process runs as uid 0.
				break
			}
		}
		return []Hit{hit(final.From, "The final stage sets no USER, so the container runs as root.")}
	},
}
