package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule088 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-088", Name: "consecutive-copy-same-dest", Severity: finding.Info,
		Title:       "Consecutive COPY or ADD to the same destination",
		Aliases:     []string{"0008c003-79aa-42d8-95b8-1c2fe37dbfe6"},
		Description: "COPY and ADD take several sources: copying to one directory in a row of instructions makes a layer per file for nothing. Only instructions with the same kind, flags and destination are compared.",
		Fix:         "List the sources in one instruction: `COPY a b c /dest/`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, st := range f.Stages {
			var prev *Instr
			for _, in := range st.Instrs {
				if in.Cmd != "copy" && in.Cmd != "add" {
					prev = nil
					continue
				}
				if prev != nil && prev.Cmd == in.Cmd && len(prev.Args) >= 2 && len(in.Args) >= 2 &&
					prev.Args[len(prev.Args)-1] == in.Args[len(in.Args)-1] && equalFlags(prev, in) {
					out = append(out, hit(in, ""))
				}
				prev = in
			}
		}
		return out
	},
}

func equalFlags(a, b *Instr) bool {
	if len(a.Flags) != len(b.Flags) {
		return false
	}
	for i := range a.Flags {
		if a.Flags[i] != b.Flags[i] {
			return false
		}
	}
	return true
}
