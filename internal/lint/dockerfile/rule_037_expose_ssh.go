package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule037 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-037", Name: "expose-ssh", Severity: finding.Medium,
		Title:       "Port 22 (SSH) exposed",
		Aliases:     []string{"DS-0004"},
		Description: "Exposing port 22 advertises an SSH service in the container, which should not have one. Only the final stage is judged.",
		Fix:         "Remove 22 from EXPOSE and the SSH server from the image.",
	},
	Check: func(f *File, _ *Env) []Hit {
		final := f.Final()
		if final == nil {
			return nil
		}
		var out []Hit
		for _, in := range final.Instrs {
			if in.Cmd != "expose" {
				continue
			}
			for _, a := range in.Args {
				lo, hi, ok := portRange(a)
				if ok && lo <= 22 && 22 <= hi {
					out = append(out, hit(in, ""))
					break
				}
			}
		}
		return out
	},
}
