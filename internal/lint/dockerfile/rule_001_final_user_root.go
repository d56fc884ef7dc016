package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule001 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-001", Name: "final-user-root", Severity: finding.High,
		Title:       "Final stage runs as root",
		Aliases:     []string{"DL3002", "DS-0002", "CIS-4.1"},
		Description: "The image's process runs as root because the final stage sets no USER or its last USER is root (0). A compromise of the process is then a compromise of root in the container, one step from the host.",
		Fix:         "Create an unprivileged user and end the final stage with `USER <name or uid>`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		final := f.Final()
		if final == nil {
			return nil
		}
		var last *Instr
		for _, in := range chain(final) {
			if in.Cmd == "user" {
				last = in
			}
		}
		if last == nil {
			// Distroless-style bases that default to a non-root user.
			for st := final; st != nil; st = st.Parent {
				if st.Image != nil && strings.Contains(st.Image.Tag, "nonroot") {
					return nil
				}
			}
			return []Hit{hit(final.From, "The final stage sets no USER, so the container runs as root.")}
		}
		if len(last.Args) > 0 && isRootUser(last.Args[0]) {
			return []Hit{hit(last, "The last USER of the final stage is root.")}
		}
		return nil
	},
}
