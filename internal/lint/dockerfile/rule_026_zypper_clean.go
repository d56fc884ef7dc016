package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule026 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-026", Name: "zypper-cache", Severity: finding.Low,
		Title:       "zypper install without zypper clean",
		Aliases:     []string{"DL3036", "DS-0020"},
		Description: "zypper keeps repository metadata and packages in the layer unless the same RUN cleans them. Only stages that end up in the final image are judged.",
		Fix:         "End the RUN with `&& zypper clean --all`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachRun(f, shipped(f), func(in *Instr) (string, bool) {
			if !hasCmd(in, "zypper", "install", "in") {
				return "", false
			}
			return "", !hasCmd(in, "zypper", "clean", "cc") && !removes(in, "/var/cache/zypp") && !cacheMount(in, "/var/cache/zypp")
		})
	},
}
