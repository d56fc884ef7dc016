package compose

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/rule"
)

// RuleMeta describes a rule: the catalogue's one rule type, so that every
// rule literal here is a catalogue entry.
type RuleMeta = rule.Rule

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
		m.Scanner = rule.ScannerCompose
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
