package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

func aptNoRecommends(c *Command) bool {
	if c.Has("--no-install-recommends") {
		return true
	}
	for _, a := range c.Args {
		if strings.Contains(a, "Install-Recommends=false") || strings.Contains(a, "Install-Recommends=0") {
			return true
		}
	}
	return false
}

var rule009 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-009", Name: "apt-get-recommends", Severity: finding.Low,
		Title:       "apt-get install without --no-install-recommends",
		Aliases:     []string{"DL3015", "DS-0029"},
		Description: "Without --no-install-recommends apt installs every recommended package too: a bigger image with more code that can be vulnerable.",
		Fix:         "Add `--no-install-recommends` to `apt-get install`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			return "", isApt(c) && c.Sub() == "install" && !aptNoRecommends(c)
		})
	},
}
