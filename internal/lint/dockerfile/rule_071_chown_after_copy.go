package dockerfile

import (
	"path"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule071 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-071", Name: "chown-after-copy", Severity: finding.Low,
		Title:       "RUN chown of files just copied; use COPY --chown",
		Aliases:     nil,
		Description: "Changing the owner of copied files in a later RUN stores every file twice, once in each layer; COPY --chown sets the owner in the one copy.",
		Fix:         "Write `COPY --chown=app:app src /dest` and drop the chown.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, st := range f.Stages {
			copied := map[string]bool{}
			workdir := "/"
			for _, in := range st.Instrs {
				switch in.Cmd {
				case "workdir":
					if len(in.Args) > 0 {
						workdir = resolve(workdir, unquote(in.Args[0]))
					}
				case "copy", "add":
					if _, ok := in.Flag("chown"); ok {
						continue
					}
					if _, dest := sourcesDest(in); dest != "" {
						copied[resolve(workdir, unquote(dest))] = true
					}
				case "run":
					for _, c := range in.Commands {
						if c.Name != "chown" {
							continue
						}
						ops := c.Operands("", "--reference")
						if len(ops) < 2 {
							continue
						}
						for _, p := range ops[1:] {
							if copied[resolve(workdir, p)] {
								out = append(out, hit(in, "chown of "+p+", copied earlier in the stage."))
								break
							}
						}
					}
				}
			}
		}
		return out
	},
}

// resolve joins p to the working directory dir.
func resolve(dir, p string) string {
	if strings.HasPrefix(p, "$") {
		return p
	}
	if !strings.HasPrefix(p, "/") {
		p = path.Join(dir, p)
	}
	return path.Clean(p)
}
