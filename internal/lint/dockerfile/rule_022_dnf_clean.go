package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule022 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-022", Name: "dnf-cache", Severity: finding.Low,
		Title:       "dnf or microdnf install without clean all",
		Aliases:     []string{"DL3040", "DS-0019", "DS-0027"},
		Description: "dnf keeps packages and metadata under /var/cache/dnf in the layer unless the same RUN cleans them. Only stages that end up in the final image are judged.",
		Fix:         "End the RUN with `&& dnf clean all` (or `microdnf clean all`).",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachRun(f, shipped(f), func(in *Instr) (string, bool) {
			for _, m := range []string{"dnf", "microdnf", "tdnf"} {
				if hasCmd(in, m, "install", "groupinstall") && !cleansAll(in, "dnf", "microdnf", "tdnf") &&
					!removes(in, "/var/cache/dnf", "/var/cache/yum") && !cacheMount(in, "/var/cache/dnf", "/var/cache/yum") {
					return m + " install without " + m + " clean all.", true
				}
			}
			return "", false
		})
	},
}
