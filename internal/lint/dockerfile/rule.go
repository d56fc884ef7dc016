package dockerfile

import (
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/rule"
)

// RuleMeta describes a rule: the catalogue's one rule type, so that every
// rule literal here is a catalogue entry.
type RuleMeta = rule.Rule

// Rule is a check over a parsed Dockerfile.
type Rule struct {
	Meta  RuleMeta
	Check func(*File, *Env) []Hit
}

// Env is what a check may know besides the file.
type Env struct {
	// Now is the time used for end-of-life decisions.
	Now time.Time
	// TrustedRegistries, LabelSchema and StrictLabels are Options' values.
	TrustedRegistries []string
	LabelSchema       map[string]string
	StrictLabels      bool
}

// Hit is one place a rule fired.
type Hit struct {
	// Instr is where; Detail, when set, says what exactly.
	Instr  *Instr
	Detail string
}

func hit(in *Instr, detail string) Hit { return Hit{Instr: in, Detail: detail} }

// docPath is where a rule's page lives.
func docPath(id string) string { return "docs/rules/dockerfile/" + id + ".md" }

// Rules returns the metadata of every rule, in id order.
func Rules() []RuleMeta {
	out := make([]RuleMeta, len(allRules))
	for i, r := range allRules {
		out[i] = r.meta()
	}
	return out
}

func (r *Rule) meta() RuleMeta {
	m := r.Meta
	m.Doc = docPath(m.ID)
	m.Scanner = rule.ScannerDockerfile
	m.Fixable = fixedRules[m.ID]
	m.Aliases = append([]string(nil), m.Aliases...)
	return m
}
