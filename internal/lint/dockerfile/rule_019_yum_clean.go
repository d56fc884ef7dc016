package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

// cleansAll reports whether the RUN runs `<name> clean all`.
func cleansAll(in *Instr, names ...string) bool {
	for _, c := range in.Commands {
		for _, n := range names {
			if c.Name == n && c.Sub() == "clean" {
				for _, o := range c.Operands("clean") {
					if o == "all" {
						return true
					}
				}
			}
		}
	}
	return false
}

var rule019 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-019", Name: "yum-cache", Severity: finding.Low,
		Title:       "yum install without yum clean all",
		Aliases:     []string{"DL3032", "DS-0015"},
		Description: "yum keeps downloaded packages and metadata under /var/cache/yum in the layer unless the same RUN cleans them. Only stages that end up in the final image are judged.",
		Fix:         "End the RUN with `&& yum clean all && rm -rf /var/cache/yum`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachRun(f, shipped(f), func(in *Instr) (string, bool) {
			if !hasCmd(in, "yum", "install", "groupinstall", "localinstall") {
				return "", false
			}
			return "", !cleansAll(in, "yum") && !removes(in, "/var/cache/yum") && !cacheMount(in, "/var/cache/yum")
		})
	},
}
