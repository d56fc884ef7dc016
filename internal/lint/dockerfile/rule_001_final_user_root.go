package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

// lastUser returns the last USER of a stage and of the stages it is built
// FROM, or nil.
func lastUser(st *Stage) *Instr {
	for _, s := range chainStages(st) {
		for i := len(s.Instrs) - 1; i >= 0; i-- {
			if s.Instrs[i].Cmd == "user" {
				return s.Instrs[i]
			}
		}
	}
	return nil
}

var rule001 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-001", Name: "last-user-root", Severity: finding.High,
		Title:       "A stage ends as root",
		Aliases:     []string{"DL3002", "DS-0002"},
		Description: "The last USER of a stage (or of the stage it is built FROM) is root (0): the image built from it runs its process as root, and a compromise of the process is a compromise of root in the container, one step from the host. A stage without any USER is judged by BH-DF-091.",
		Fix:         "Create an unprivileged user and end the stage with `USER <name or uid>`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		seen := map[*Instr]bool{}
		for _, st := range f.Stages {
			last := lastUser(st)
			if last == nil || seen[last] || len(last.Args) == 0 || !isRootUser(last.Args[0]) {
				continue
			}
			seen[last] = true
			out = append(out, hit(last, "The last USER of the stage is root."))
		}
		return out
	},
}
