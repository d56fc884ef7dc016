package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule011 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-011", Name: "apt-lists-left", Severity: finding.Low,
		Title:       "apt lists not removed after install",
		Aliases:     []string{"DL3009"},
		Description: "The package index in /var/lib/apt/lists stays in the layer of the RUN that installed packages (tens of MB) unless that same RUN removes it. Only stages that end up in the final image are judged.",
		Fix:         "End the RUN with `&& rm -rf /var/lib/apt/lists/*` (or use a cache mount for /var/lib/apt).",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachRun(f, shipped(f), func(in *Instr) (string, bool) {
			if !hasCmd(in, "apt-get", "install") && !hasCmd(in, "apt", "install") {
				return "", false
			}
			if cacheMount(in, "/var/lib/apt") || removes(in, "/var/lib/apt/lists") {
				return "", false
			}
			return "", true
		})
	},
}
