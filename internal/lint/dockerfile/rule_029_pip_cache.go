package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// pipCacheOff reports whether a PIP_NO_CACHE_DIR value turns the cache off.
func pipCacheOff(v string) bool {
	return v != "" && v != "0" && !strings.EqualFold(v, "false") && !strings.EqualFold(v, "off") && !strings.EqualFold(v, "no")
}

var rule029 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-029", Name: "pip-cache", Severity: finding.Low,
		Title:       "pip install without --no-cache-dir",
		Aliases:     []string{"DL3042"},
		Description: "pip keeps every downloaded wheel in ~/.cache/pip, inside the layer. Only stages that end up in the final image are judged.",
		Fix:         "Use `pip install --no-cache-dir ...` (or set `ENV PIP_NO_CACHE_DIR=1`).",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for st := range shipped(f) {
			off := false
			for _, in := range chain(st) {
				switch in.Cmd {
				case "env", "arg":
					if v, ok := pairs(in)["PIP_NO_CACHE_DIR"]; ok {
						off = pipCacheOff(v)
					}
				case "run":
					if in.Stage != st || off || cacheMount(in, "/root/.cache") {
						continue
					}
					for _, c := range in.Commands {
						if p := pipInstall(c); p != nil && !p.Has("--no-cache-dir") {
							out = append(out, hit(in, ""))
							break
						}
					}
				}
			}
		}
		return out
	},
}
