package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// aptAssumesYes reports whether an apt-get command will not prompt.
func aptAssumesYes(c *Command) bool {
	if c.Has("-y", "--yes", "--assume-yes", "-qq", "-q=2", "--quiet=2", "--force-yes") {
		return true
	}
	for i, a := range c.Args {
		v := ""
		switch {
		case (a == "-o" || a == "--option") && i+1 < len(c.Args):
			v = c.Args[i+1]
		case strings.HasPrefix(a, "-o"), strings.HasPrefix(a, "--option="):
			v = strings.TrimPrefix(strings.TrimPrefix(a, "--option="), "-o")
		}
		if l := strings.ToLower(v); strings.HasPrefix(l, "apt::get::assume-yes=") && (strings.HasSuffix(l, "=true") || strings.HasSuffix(l, "=1") || strings.HasSuffix(l, "=yes")) {
			return true
		}
	}
	return false
}

var rule008 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-008", Name: "apt-get-no-yes", Severity: finding.Medium,
		Title:       "apt-get install without -y",
		Aliases:     []string{"DL3014", "DS-0021"},
		Description: "A build has no terminal: apt-get install without -y stops at its confirmation prompt and the build fails or hangs.",
		Fix:         "Add `-y` to `apt-get install`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			return "", isApt(c) && c.Sub() == "install" && !aptAssumesYes(c)
		})
	},
}
