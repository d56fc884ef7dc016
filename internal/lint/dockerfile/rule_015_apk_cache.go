package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule015 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-015", Name: "apk-cache", Severity: finding.Low,
		Title:       "apk add without --no-cache",
		Aliases:     []string{"DL3019", "DS-0025"},
		Description: "Without --no-cache apk keeps its index (and with --update the cache) in the layer. Only stages that end up in the final image are judged.",
		Fix:         "Use `apk add --no-cache ...`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, shipped(f), func(in *Instr, c *Command) (string, bool) {
			if c.Name != "apk" || c.Sub() != "add" || c.Has("--no-cache") {
				return "", false
			}
			return "", !cacheMount(in, "/var/cache/apk", "/etc/apk/cache") && !removes(in, "/var/cache/apk")
		})
	},
}
