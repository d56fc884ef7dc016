package compose

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// RuleMeta describes a rule.
type RuleMeta struct {
	// ID is the stable bulkhead id, "BH-CP-NNN".
	ID string `json:"id"`
	// Name is a short kebab-case name, such as "privileged".
	Name     string           `json:"name"`
	Severity finding.Severity `json:"severity"`
	Title    string           `json:"title"`
	// Aliases are the KICS query ids of the same check.
	Aliases []string `json:"aliases,omitempty"`
	// Description says what the rule flags and why it matters.
	Description string `json:"description"`
	// Fix is the remediation in one line.
	Fix string `json:"fix"`
	// Doc is the documentation page, relative to the repository root.
	Doc string `json:"doc"`
}

// Rule is a check over one service.
type Rule struct {
	Meta  RuleMeta
	Check func(*Service) []Hit
}

// Hit is one place a rule fired in a service.
type Hit struct {
	// Line is the line of the offending key; 0 means the service's line.
	Line int
	// Detail says what exactly, in a sentence; Evidence quotes the value
	// (secrets redacted).
	Detail   string
	Evidence string
}

// docPath is where a rule's page lives.
func docPath(id string) string { return "docs/rules/compose/" + id + ".md" }

// Rules returns the metadata of every rule, in id order.
func Rules() []RuleMeta {
	out := make([]RuleMeta, len(allRules))
	for i, r := range allRules {
		m := r.Meta
		m.Doc = docPath(m.ID)
		m.Aliases = append([]string(nil), m.Aliases...)
		out[i] = m
	}
	return out
}

func (r *Rule) matches(set map[string]bool) bool {
	if len(set) == 0 {
		return false
	}
	if set[r.Meta.ID] || set["ALL"] {
		return true
	}
	for _, a := range r.Meta.Aliases {
		if set[strings.ToUpper(a)] {
			return true
		}
	}
	return false
}

// UnknownRules returns the ids in ids that name no rule (by id or alias,
// in any case), so that a command can reject a mistyped rule name.
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
