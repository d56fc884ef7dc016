package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule032 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-032", Name: "yarn-cache", Severity: finding.Low,
		Title:       "yarn install without yarn cache clean",
		Aliases:     []string{"DL3060"},
		Description: "yarn keeps its package cache in the layer unless the same RUN cleans it. Only stages that end up in the final image are judged.",
		Fix:         "End the RUN with `&& yarn cache clean` (or use a cache mount).",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachRun(f, shipped(f), func(in *Instr) (string, bool) {
			installs := false
			for _, c := range in.Commands {
				if c.Name == "yarn" && (c.Sub() == "" || c.Sub() == "install") {
					installs = true
				}
			}
			if !installs || hasCmd(in, "yarn", "cache") || cacheMount(in, "/usr/local/share/.cache/yarn", "/root/.cache/yarn", "/root/.yarn") {
				return "", false
			}
			return "", true
		})
	},
}
