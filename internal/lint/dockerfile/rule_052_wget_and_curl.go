package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule052 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-052", Name: "wget-and-curl", Severity: finding.Info,
		Title:       "Both wget and curl used in a stage",
		Aliases:     []string{"DL4001", "DS-0014"},
		Description: "Two download tools do the same job; each one kept is more code in the image.",
		Fix:         "Use one of them throughout the stage.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, st := range f.Stages {
			var curl, wget *Instr
			for _, in := range st.Instrs {
				if in.Cmd != "run" {
					continue
				}
				for _, c := range in.Commands {
					if c.Name == "curl" && curl == nil {
						curl = in
					}
					if c.Name == "wget" && wget == nil {
						wget = in
					}
				}
				if curl != nil && wget != nil {
					out = append(out, hit(in, ""))
					break
				}
			}
		}
		return out
	},
}
