package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule013 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-013", Name: "apt-interactive-cli", Severity: finding.Low,
		Title:       "apt used instead of apt-get",
		Aliases:     []string{"DL3027"},
		Description: "`apt` is the interactive front end; its output and behaviour are not stable for scripts. apt-get and apt-cache are.",
		Fix:         "Use `apt-get` (or `apt-cache`) in RUN.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			return "", c.Name == "apt" && c.Sub() != ""
		})
	},
}
