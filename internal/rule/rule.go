// Package rule is bulkhead's one rule catalogue model: the metadata of a
// rule of any scanner (Dockerfile, compose, image check, secret, audit,
// runtime), and the selection of rules by id, alias or tag that every
// command's --disable and --enable flags share. It is a leaf: it imports
// only internal/finding.
package rule

import (
	"fmt"
	"sort"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// The scanners a rule belongs to.
const (
	ScannerDockerfile = "dockerfile"
	ScannerCompose    = "compose"
	ScannerImage      = "image"
	ScannerSecret     = "secret"
	ScannerAudit      = "audit"
	ScannerRuntime    = "runtime"
)

// Scanners lists the scanners in catalogue order.
func Scanners() []string {
	return []string{ScannerDockerfile, ScannerCompose, ScannerImage, ScannerSecret, ScannerAudit, ScannerRuntime}
}

// Rule describes one rule. Its fields are a superset of what each scanner
// kept before; a scanner fills what it knows.
type Rule struct {
	// ID is the stable bulkhead id ("BH-DF-001", "BH-CP-004", "BH-IMG-010",
	// "BH-SEC-AWS-ACCESS-KEY-ID", "CIS-DOCKER-5.4") or, for runtime rules,
	// the Falco rule name. Findings carry it as their id.
	ID string `json:"id"`
	// Name is a short kebab-case name, such as "final-user-root".
	Name     string           `json:"name,omitempty"`
	Severity finding.Severity `json:"severity"`
	Title    string           `json:"title"`
	// Aliases are the ids of peer tools for the same check (hadolint DLxxxx,
	// Trivy DS-xxxx, KICS query ids, Dockle ids, CIS numbers).
	Aliases []string `json:"aliases,omitempty"`
	// Description says what the rule flags and why it matters.
	Description string `json:"description"`
	// Fix is the remediation in one line.
	Fix string `json:"fix"`
	// Doc is the documentation page, relative to the repository root.
	Doc string `json:"doc"`
	// Fixable is true when an automatic fix repairs what the rule flags.
	Fixable bool `json:"fixable,omitempty"`
	// References are URLs about the rule.
	References []string `json:"references,omitempty"`
	// Tags group rules ("cloud", "level1", "mitre_execution"); --disable
	// and --enable accept them.
	Tags []string `json:"tags,omitempty"`
	// Scanner is the scanner the rule belongs to (the Scanner* constants).
	Scanner string `json:"scanner,omitempty"`
	// Off is true when the rule does not run unless enabled (a runtime rule
	// with enabled: false, an opt-in check). State says why, when known.
	Off   bool   `json:"off,omitempty"`
	State string `json:"state,omitempty"`
}

// Catalogue is a list of rules with lookup by id, alias and tag.
type Catalogue struct {
	rules []Rule
	// by maps an upper-cased id or alias to the rules it names; tags maps
	// an upper-cased tag to its rules.
	by   map[string][]int
	tags map[string][]int
	// tagNames keeps a tag's first spelling, for suggestions.
	tagNames map[string]string
}

// NewCatalogue indexes rules; it keeps their order.
func NewCatalogue(rules []Rule) *Catalogue {
	c := &Catalogue{rules: rules, by: map[string][]int{}, tags: map[string][]int{}, tagNames: map[string]string{}}
	for i, r := range rules {
		c.by[key(r.ID)] = append(c.by[key(r.ID)], i)
		for _, a := range r.Aliases {
			if key(a) != key(r.ID) {
				c.by[key(a)] = append(c.by[key(a)], i)
			}
		}
		for _, t := range r.Tags {
			if _, ok := c.tagNames[key(t)]; !ok {
				c.tagNames[key(t)] = t
			}
			c.tags[key(t)] = append(c.tags[key(t)], i)
		}
	}
	return c
}

func key(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// Rules returns the rules of scanner (all when scanner is empty).
func (c *Catalogue) Rules(scanner string) []Rule {
	var out []Rule
	for _, r := range c.rules {
		if scanner == "" || r.Scanner == scanner {
			out = append(out, r)
		}
	}
	return out
}

// Lookup returns the rules a selector names: an id, an alias or a tag, in
// any case. A selector naming nothing gives nil.
func (c *Catalogue) Lookup(sel string) []Rule {
	k := key(sel)
	idx := c.by[k]
	if len(idx) == 0 {
		idx = c.tags[k]
	}
	out := make([]Rule, 0, len(idx))
	for _, i := range idx {
		out = append(out, c.rules[i])
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// UnknownError is a selector that names no rule; Closest is the nearest
// id, alias or tag, if one is near enough to be a likely typo.
type UnknownError struct {
	Selector, Closest string
}

func (e *UnknownError) Error() string {
	if e.Closest != "" {
		return fmt.Sprintf("no rule, alias or tag %q (did you mean %s?; see 'bulkhead rules list')", e.Selector, e.Closest)
	}
	return fmt.Sprintf("no rule, alias or tag %q (see 'bulkhead rules list')", e.Selector)
}

// Closest returns the id, alias or tag nearest to sel by edit distance, or
// "" when none is within a third of its length (at least 2 edits).
func (c *Catalogue) Closest(sel string) string {
	k := key(sel)
	best, bestD := "", -1
	try := func(name string) {
		d := distance(k, key(name))
		if bestD < 0 || d < bestD || (d == bestD && name < best) {
			best, bestD = name, d
		}
	}
	for _, r := range c.rules {
		try(r.ID)
		for _, a := range r.Aliases {
			try(a)
		}
	}
	for _, t := range c.tagNames {
		try(t)
	}
	limit := max(2, len(k)/3)
	if bestD < 0 || bestD > limit {
		return ""
	}
	return best
}

// distance is the Levenshtein distance between a and b (bytes).
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Selection is the outcome of --disable and --enable: the rule ids turned
// off and on. Enable wins over disable for the same rule, so that
// "--disable ALL-of-a-tag --enable one" keeps that one.
type Selection struct {
	Disabled map[string]bool
	Enabled  map[string]bool
}

// Select resolves the selectors against c. The first selector that names
// nothing is an *UnknownError naming the closest rule.
func (c *Catalogue) Select(disable, enable []string) (Selection, error) {
	s := Selection{Disabled: map[string]bool{}, Enabled: map[string]bool{}}
	for _, set := range []struct {
		sels []string
		into map[string]bool
	}{{disable, s.Disabled}, {enable, s.Enabled}} {
		for _, sel := range set.sels {
			rs := c.Lookup(sel)
			if rs == nil {
				return s, &UnknownError{Selector: sel, Closest: c.Closest(sel)}
			}
			for _, r := range rs {
				set.into[r.ID] = true
			}
		}
	}
	return s, nil
}

// Empty is true when nothing was selected.
func (s Selection) Empty() bool { return len(s.Disabled) == 0 && len(s.Enabled) == 0 }

// Off tells whether the rule with id is turned off by the selection.
func (s Selection) Off(id string) bool { return s.Disabled[id] && !s.Enabled[id] }

// DisabledIDs returns the ids turned off, sorted, for scanners that take
// a list of rules not to run.
func (s Selection) DisabledIDs() []string {
	var out []string
	for id := range s.Disabled {
		if s.Off(id) {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// EnabledIDs returns the ids explicitly turned on, sorted, for scanners
// with rules that are off by default.
func (s Selection) EnabledIDs() []string {
	out := make([]string, 0, len(s.Enabled))
	for id := range s.Enabled {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}
