package dockerfile

import (
	"strings"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// RuleMeta describes a rule.
type RuleMeta struct {
	// ID is the stable bulkhead id, "BH-DF-NNN".
	ID string `json:"id"`
	// Name is a short kebab-case name, such as "final-user-root".
	Name     string           `json:"name"`
	Severity finding.Severity `json:"severity"`
	Title    string           `json:"title"`
	// Aliases are the ids of peer tools for the same check (hadolint DLxxxx,
	// Trivy DS-xxxx, CIS Docker Benchmark section 4 as "CIS-4.n").
	Aliases []string `json:"aliases,omitempty"`
	// Description says what the rule flags and why it matters.
	Description string `json:"description"`
	// Fix is the remediation in one line.
	Fix string `json:"fix"`
	// Doc is the documentation page, relative to the repository root.
	Doc string `json:"doc"`
	// Fixable is true when Fix repairs what the rule flags.
	Fixable bool `json:"fixable,omitempty"`
	// Off is true for a rule that runs only when enabled by name
	// (Options.Enabled), as hadolint's off-by-default rules do.
	Off bool `json:"off_by_default,omitempty"`
}

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
	m.Fixable = fixedRules[m.ID]
	m.Aliases = append([]string(nil), m.Aliases...)
	return m
}

// UnknownRules returns the ids in ids that name no rule (by id or alias,
// in any case), so that a command can reject a mistyped --disable value.
func UnknownRules(ids []string) []string {
	known := map[string]bool{"ALL": true}
	for _, r := range allRules {
		known[r.Meta.ID] = true
		for _, a := range r.Meta.Aliases {
			known[strings.ToUpper(a)] = true
		}
	}
	var out []string
	for _, id := range ids {
		if !known[strings.ToUpper(strings.TrimSpace(id))] {
			out = append(out, id)
		}
	}
	return out
}
