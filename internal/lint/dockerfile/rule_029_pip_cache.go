package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule029 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-029", Name: "pip-cache", Severity: finding.Low,
		Title:       "pip install without --no-cache-dir",
		Aliases:     []string{"DL3042"},
		Description: "pip keeps every downloaded wheel in ~/.cache/pip, inside the layer. Only stages that end up in the final image are judged.",
		Fix:         "Use `pip install --no-cache-dir ...` (or set `ENV PIP_NO_CACHE_DIR=1`).",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, shipped(f), func(in *Instr, c *Command) (string, bool) {
			p := pipInstall(c)
			if p == nil || p.Has("--no-cache-dir") || cacheMount(in, "/root/.cache", "/root/.cache/pip") {
				return "", false
			}
			for _, prev := range chain(in.Stage) {
				if prev == in {
					break
				}
				if prev.Cmd == "env" || prev.Cmd == "arg" {
					if v, ok := pairs(prev)["PIP_NO_CACHE_DIR"]; ok && v != "" && !strings.EqualFold(v, "0") && !strings.EqualFold(v, "false") {
						return "", false
					}
				}
			}
			return "", true
		})
	},
}
