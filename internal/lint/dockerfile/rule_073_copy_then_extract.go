package dockerfile

import (
	"path"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// extracts reports whether c unpacks the archive at p.
func extracts(c *Command, p string) bool {
	switch c.Name {
	case "tar":
		x := false
		for _, a := range c.Args {
			if a == "--extract" || a == "--get" || (strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a, "x")) ||
				(!strings.HasPrefix(a, "-") && isLetters(a) && strings.Contains(a, "x") && len(a) <= 6) {
				x = true
			}
		}
		if !x {
			return false
		}
	case "unzip", "gunzip", "bsdtar":
	default:
		return false
	}
	for _, a := range c.Args {
		if a == p || strings.HasPrefix(a, "-f") && strings.TrimPrefix(a, "-f") == p || strings.TrimPrefix(a, "--file=") == p {
			return true
		}
	}
	return false
}

var rule073 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-073", Name: "copy-then-extract", Severity: finding.Info,
		Title:       "Archive copied and then extracted in a RUN",
		Aliases:     []string{"DL3010"},
		Description: "COPY of an archive followed by tar or unzip keeps the archive in one layer and its contents in another; ADD unpacks a local tar archive in one step.",
		Fix:         "Use `ADD archive.tar.gz /dest/` for local tar archives (or extract in a build stage and COPY the result).",
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
				case "copy":
					if _, ok := in.Flag("from"); ok {
						continue
					}
					src, dest := sourcesDest(in)
					dest = unquote(dest)
					for _, s := range src {
						if !isArchive(s) && !strings.HasSuffix(strings.ToLower(s), ".zip") {
							continue
						}
						target := resolve(workdir, dest)
						if strings.HasSuffix(dest, "/") || len(src) > 1 {
							target = resolve(target, path.Base(s))
						}
						copied[target] = true
					}
				case "run":
					for _, c := range in.Commands {
						hitOne := false
						for _, a := range c.Args {
							a = strings.TrimPrefix(strings.TrimPrefix(a, "--file="), "-f")
							if p := resolve(workdir, a); copied[p] && extracts(c, a) {
								out = append(out, hit(in, "Extracts "+p+", copied earlier in the stage."))
								hitOne = true
								break
							}
						}
						if hitOne {
							break
						}
					}
				}
			}
		}
		return out
	},
}
