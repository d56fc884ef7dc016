package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule078 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-078", Name: "label-not-in-schema", Severity: finding.Info,
		Title:       "Label outside the label schema",
		Aliases:     []string{"DL3050"},
		Description: "Only runs with a label schema and `strict-labels: true`. A label the schema does not define is usually a typo of one it does, or metadata nobody agreed on.",
		Fix:         "Use a label name from the schema, or add the label to the schema.",
	},
	Check: func(f *File, env *Env) []Hit {
		if !env.StrictLabels || len(env.LabelSchema) == 0 {
			return nil
		}
		var out []Hit
		for _, in := range f.Instrs {
			if in.Cmd != "label" {
				continue
			}
			for _, kv := range pairList(in) {
				if _, ok := env.LabelSchema[kv[0]]; !ok {
					out = append(out, hit(in, "Label "+kv[0]+" is not in the schema."))
					break
				}
			}
		}
		return out
	},
}
