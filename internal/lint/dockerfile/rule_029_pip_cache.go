package dockerfile

import (
	"regexp"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// pipCacheOff reports whether a PIP_NO_CACHE_DIR value turns the cache off.
func pipCacheOff(v string) bool {
	return v != "" && v != "0" && !strings.EqualFold(v, "false") && !strings.EqualFold(v, "off") && !strings.EqualFold(v, "no")
}

// pipEnvOff matches PIP_NO_CACHE_DIR set to a true value inside a RUN
// (`PIP_NO_CACHE_DIR=1 pip install`, `export PIP_NO_CACHE_DIR=on`).
var pipEnvOff = regexp.MustCompile(`(?i)\bPIP_NO_CACHE_DIR=["']?(1|true|on|yes)\b`)

var rule029 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-029", Name: "pip-cache", Severity: finding.Low,
		Title:       "pip install without --no-cache-dir",
		Aliases:     []string{"DL3042"},
		Description: "pip keeps every downloaded wheel in ~/.cache/pip, inside the layer. PIP_NO_CACHE_DIR set to a true value (by ENV, inherited from the stage built FROM, or in the RUN itself) or a cache mount counts as --no-cache-dir; pipx and pipenv are not pip.",
		Fix:         "Use `pip install --no-cache-dir ...` (or set `ENV PIP_NO_CACHE_DIR=1`).",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, st := range f.Stages {
			off := false
			for _, in := range chain(st) {
				switch in.Cmd {
				case "env", "arg":
					if v, ok := pairs(in)["PIP_NO_CACHE_DIR"]; ok {
						off = pipCacheOff(v)
					}
				case "run", "onbuild":
					if !in.OnBuildRun && in.Cmd != "run" {
						continue
					}
					if in.Stage != st || off || cacheMount(in, "/root/.cache") || pipEnvOff.MatchString(in.Script) {
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
