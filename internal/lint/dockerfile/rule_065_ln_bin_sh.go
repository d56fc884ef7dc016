package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule065 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-065", Name: "replace-bin-sh", Severity: finding.Low,
		Title:       "/bin/sh replaced with ln",
		Aliases:     []string{"DL4005"},
		Description: "Relinking /bin/sh changes the shell of every script in the image, including the base image's own; the SHELL instruction changes it for RUN only.",
		Fix:         "Use `SHELL [\"/bin/bash\", \"-c\"]`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			ops := c.Operands("")
			return "", c.Name == "ln" && len(ops) >= 2 && ops[len(ops)-1] == "/bin/sh"
		})
	},
}
