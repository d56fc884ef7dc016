package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule087 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-087", Name: "copy-chown-non-root", Severity: finding.Info,
		Title:       "COPY or ADD --chown gives files to a non-root user",
		Aliases:     []string{"aa93e17f-b6db-4162-9334-c70334e7ac28"},
		Description: "Files owned by the user the container runs as can be rewritten by it: a compromised process can then replace its own code or configuration and persist. Programs only need to be readable and executable, not owned. `--chown` to root (or in a stage that is only copied from) is not flagged.",
		Fix:         "Drop `--chown` for code and configuration; give the runtime user only the directories it must write (`RUN install -d -o app /data`).",
	},
	Check: func(f *File, _ *Env) []Hit {
		copied := copiedFrom(f)
		var out []Hit
		for _, in := range f.Instrs {
			if in.Cmd != "copy" && in.Cmd != "add" {
				continue
			}
			v, ok := in.Flag("chown")
			if !ok || (in.Stage != nil && copied[in.Stage] && in.Stage != f.Final()) {
				continue
			}
			u, _, _ := strings.Cut(v, ":")
			if u != "" && !isRootUser(u) {
				out = append(out, hit(in, "Owner "+v+"."))
			}
		}
		return out
	},
}
