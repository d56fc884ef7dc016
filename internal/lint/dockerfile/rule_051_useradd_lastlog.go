package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule051 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-051", Name: "useradd-high-uid", Severity: finding.Low,
		Title:       "useradd with a large UID and without -l",
		Aliases:     []string{"DL3046"},
		Description: "useradd writes a sparse record at the UID's offset in /var/log/lastlog and faillog; with a large UID those files become huge in the layer.",
		Fix:         "Add `-l` (`--no-log-init`) to useradd, or use a UID of five digits or fewer.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			if c.Name != "useradd" || c.Has("-l", "--no-log-init") {
				return "", false
			}
			for i, a := range c.Args {
				uid := ""
				if (a == "-u" || a == "--uid") && i+1 < len(c.Args) {
					uid = c.Args[i+1]
				} else if v, ok := strings.CutPrefix(a, "--uid="); ok {
					uid = v
				} else if v, ok := strings.CutPrefix(a, "-u"); ok && isNumber(v) {
					uid = v
				}
				if isNumber(uid) && len(uid) > 5 {
					return "UID " + uid + ".", true
				}
			}
			return "", false
		})
	},
}
