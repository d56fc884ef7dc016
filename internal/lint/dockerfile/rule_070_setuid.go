package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// setsSUID reports whether a chmod mode sets the setuid or setgid bit.
func setsSUID(mode string) bool {
	if isNumber(mode) {
		return len(mode) == 4 && (mode[0]-'0')&6 != 0
	}
	for _, clause := range strings.Split(mode, ",") {
		_, perm, ok := strings.Cut(clause, "+")
		if !ok {
			_, perm, ok = strings.Cut(clause, "=")
		}
		if ok && strings.Contains(perm, "s") {
			return true
		}
	}
	return false
}

var rule070 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-070", Name: "chmod-setuid", Severity: finding.Medium,
		Title:       "chmod sets the setuid or setgid bit",
		Aliases:     []string{"CIS-4.8"},
		Description: "A setuid/setgid program runs with its owner's privileges, so a flaw in it lets any user in the container escalate, often to root.",
		Fix:         "Do not set s-bits; grant the narrow capability the program needs (setcap) or run it as the right user.",
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
				return "Mode " + a + ".", setsSUID(a)
			}
			return "", false
		})
	},
}
