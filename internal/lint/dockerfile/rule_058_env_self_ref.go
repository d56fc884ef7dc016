package dockerfile

import (
	"regexp"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var varRef = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

var rule058 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-058", Name: "env-self-reference", Severity: finding.Medium,
		Title:       "ENV uses a variable set in the same instruction",
		Aliases:     []string{"DL3044"},
		Description: "Within one ENV, `$NAME` is the value from before the instruction, not the one set earlier on the same line, so the result is not what it looks like.",
		Fix:         "Split it into two ENV instructions.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, st := range f.Stages {
			defined := map[string]bool{}
			for k := range f.MetaArgs {
				defined[k] = true
			}
			for _, in := range chain(st) {
				if in.Cmd != "env" && in.Cmd != "arg" {
					continue
				}
				here := map[string]bool{}
				for _, kv := range pairList(in) {
					if in.Cmd == "env" && in.Stage == st {
						for _, m := range varRef.FindAllStringSubmatch(kv[1], -1) {
							if here[m[1]] && !defined[m[1]] {
								out = append(out, hit(in, kv[0]+" refers to "+m[1]+"."))
							}
						}
					}
					here[kv[0]] = true
				}
				for k := range here {
					defined[k] = true
				}
			}
		}
		return out
	},
}
