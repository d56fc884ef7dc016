package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule060 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-060", Name: "wget-progress", Severity: finding.Info,
		Title:       "wget without a quiet or progress option",
		Aliases:     []string{"DL3047"},
		Description: "wget's default progress bar writes thousands of lines into the build log.",
		Fix:         "Add `-q`, `-nv` or `--progress=dot:giga`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			return "", c.Name == "wget" && !c.Has("-q", "--quiet", "-nv", "--no-verbose", "--progress", "-o", "--output-file", "-a", "--append-output")
		})
	},
}
