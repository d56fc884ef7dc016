package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// simpleCommands counts the commands a RUN runs at its top level.
func simpleCommands(in *Instr) int {
	n := 0
	for _, c := range in.Commands {
		if !c.InSubst && !c.Nested {
			n++
		}
	}
	return n
}

var rule074 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-074", Name: "consecutive-run", Severity: finding.Info,
		Title:       "Consecutive RUN instructions that could be one",
		Aliases:     []string{"DL3059"},
		Description: "Each RUN is a layer: files that a later RUN deletes stay in the earlier layer and every layer costs pull time. Two short RUNs in a row with the same flags are one RUN split by accident; RUNs that already chain several commands, or that mount different things, are left alone as deliberate.",
		Fix:         "Join the RUNs with `&&` (or a heredoc) into one instruction.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, st := range f.Stages {
			var prev *Instr
			for _, in := range st.Instrs {
				if in.Cmd != "run" {
					prev = nil
					continue
				}
				if prev != nil && strings.Join(prev.Flags, " ") == strings.Join(in.Flags, " ") &&
					simpleCommands(prev) <= 2 && simpleCommands(in) <= 2 {
					out = append(out, hit(in, ""))
				}
				prev = in
			}
		}
		return out
	},
}
