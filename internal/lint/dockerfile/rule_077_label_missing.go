package dockerfile

import (
	"sort"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// copiedFrom returns the stages some COPY --from names, by name or index.
func copiedFrom(f *File) map[*Stage]bool {
	out := map[*Stage]bool{}
	for _, in := range f.Instrs {
		if in.Cmd != "copy" {
			continue
		}
		v, ok := in.Flag("from")
		if !ok {
			continue
		}
		if st := f.stageRef(v); st != nil {
			out[st] = true
		}
	}
	return out
}

var rule077 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-077", Name: "label-missing", Severity: finding.Info,
		Title:       "A label the label schema requires is missing",
		Aliases:     []string{"DL3049"},
		Description: "Only runs with a label schema (`label-schema` in .hadolint.yaml). Every stage must set each schema label, itself or through the stage it is built FROM; stages only copied from are exempt, as their labels never reach an image.",
		Fix:         "Add `LABEL <name>=<value>` for each missing schema label.",
	},
	Check: func(f *File, env *Env) []Hit {
		if len(env.LabelSchema) == 0 {
			return nil
		}
		names := make([]string, 0, len(env.LabelSchema))
		for k := range env.LabelSchema {
			names = append(names, k)
		}
		sort.Strings(names)
		copied := copiedFrom(f)
		var out []Hit
		for _, st := range f.Stages {
			if st.From == nil || copied[st] {
				continue
			}
			have := stageLabels(st)
			var missing []string
			for _, n := range names {
				if have[n] == nil {
					missing = append(missing, n)
				}
			}
			if len(missing) > 0 {
				out = append(out, hit(st.From, "Missing: "+strings.Join(missing, ", ")+"."))
			}
		}
		return out
	},
}
