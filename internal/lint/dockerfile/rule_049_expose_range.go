package dockerfile

import (
	"strconv"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// portRange reads an EXPOSE item ("80", "80/tcp", "8000-8010/udp").
// ok is false for variables and text that is not a port.
func portRange(s string) (lo, hi int, ok bool) {
	s, _, _ = strings.Cut(s, "/")
	if strings.Contains(s, "$") {
		return 0, 0, false
	}
	a, b, isRange := strings.Cut(s, "-")
	lo, err := strconv.Atoi(a)
	if err != nil {
		return 0, 0, false
	}
	hi = lo
	if isRange {
		if hi, err = strconv.Atoi(b); err != nil {
			return 0, 0, false
		}
	}
	return lo, hi, true
}

var rule049 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-049", Name: "expose-out-of-range", Severity: finding.Medium,
		Title:       "EXPOSE port outside 0-65535",
		Aliases:     []string{"DL3011", "DS-0008"},
		Description: "A port number above 65535 cannot exist; the build fails or the port is not what was meant.",
		Fix:         "Expose a valid port number.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, st := range f.Stages {
			for _, in := range st.Instrs {
				if in.Cmd != "expose" {
					continue
				}
				for _, a := range in.Args {
					before, _, _ := strings.Cut(a, "/")
					lo, hi, ok := portRange(a)
					bad := ok && (lo < 0 || hi > 65535 || lo > hi)
					if !ok && !strings.Contains(a, "$") && before != "" {
						bad = true
					}
					if bad {
						out = append(out, hit(in, "Port "+a+" is not valid."))
						break
					}
				}
			}
		}
		return out
	},
}
