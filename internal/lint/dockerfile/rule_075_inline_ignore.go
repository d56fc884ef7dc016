package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule075 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-075", Name: "inline-ignore-pragma", Severity: finding.Info, Off: true,
		Title:       "Inline ignore pragma",
		Aliases:     []string{"DL1001"},
		Description: "Teams that want every exception in one reviewed place (the configuration file or --ignore) forbid `# hadolint ignore=` and `# bulkhead ignore=` comments in Dockerfiles. Off by default; enable it by name.",
		Fix:         "Remove the comment and list the rule under `ignored:` in .hadolint.yaml (or pass `--ignore`).",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, p := range findPragmas(f) {
			in := &Instr{Cmd: "comment", Line: p.line, EndLine: p.line, Original: f.lines[p.line-1]}
			out = append(out, hit(in, ""))
		}
		return out
	},
}
