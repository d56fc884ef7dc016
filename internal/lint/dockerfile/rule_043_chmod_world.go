package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// worldWritable reports whether a chmod mode grants write to others
// without the sticky bit.
func worldWritable(mode string) bool {
	if isNumber(mode) {
		if len(mode) == 4 && (mode[0]-'0')&1 == 1 {
			return false // sticky, like /tmp's 1777
		}
		last := mode[len(mode)-1] - '0'
		return last&2 != 0
	}
	for _, clause := range strings.Split(mode, ",") {
		who, perm, ok := strings.Cut(clause, "+")
		if !ok {
			who, perm, ok = strings.Cut(clause, "=")
		}
		if !ok || !strings.Contains(perm, "w") || strings.Contains(perm, "t") {
			continue
		}
		if who == "" || strings.ContainsAny(who, "oa") {
			return true
		}
	}
	return false
}

var rule043 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-043", Name: "chmod-world-writable", Severity: finding.Medium,
		Title:       "chmod makes files world-writable",
		Aliases:     nil,
		Description: "Modes like 777 or o+w let any user in the container, including a compromised unprivileged process, replace the files, such as the program or its configuration.",
		Fix:         "Give ownership to the user that needs it (`COPY --chown` / `chown`) and use modes like 755 or 644.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			if c.Name != "chmod" {
				return "", false
			}
			for _, a := range c.Args {
				if strings.HasPrefix(a, "-") && !strings.ContainsAny(a, "+=") {
					continue
				}
				return "Mode " + a + ".", worldWritable(a)
			}
			return "", false
		})
	},
}
