package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule066 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-066", Name: "copy-from-root", Severity: finding.Medium,
		Title:       "COPY --from copies / to /",
		Aliases:     []string{"DL3067"},
		Description: "Copying a whole stage's filesystem over the root carries its package database, caches, shells and any secrets used while building it.",
		Fix:         "Copy only the files the final image needs.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, st := range f.Stages {
			for _, in := range st.Instrs {
				if in.Cmd != "copy" {
					continue
				}
				if _, ok := in.Flag("from"); !ok {
					continue
				}
				src, dest := sourcesDest(in)
				if len(src) == 1 && unquote(src[0]) == "/" && unquote(dest) == "/" {
					out = append(out, hit(in, ""))
				}
			}
		}
		return out
	},
}
