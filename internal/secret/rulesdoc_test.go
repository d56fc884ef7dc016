package secret

import (
	"fmt"
	"strings"
)

// RulesMarkdown renders rules as the reference page docs/rules/secrets.md:
// a summary table, then one entry per rule with what it matches.
func RulesMarkdown(rules []Rule) string {
	var b strings.Builder
	b.WriteString("# Secret rules\n\n")
	b.WriteString("<!-- Generated from internal/secret by `go test ./internal/secret -run TestRulesDoc -update`; do not edit. -->\n\n")
	fmt.Fprintf(&b, "bulkhead's secret scanner has %d built-in rules. Every finding is of kind `secret`, carries the rule's\n", len(rules))
	b.WriteString("category as a tag, shows its evidence redacted (first 4 characters and `****`), and has the fix\n")
	fmt.Fprintf(&b, "\"%s\". How the scanner works, its allow lists, limits and custom rules: [../secrets.md](../secrets.md).\n\n", Fix)
	b.WriteString("| ID | Title | Severity | Category |\n|---|---|---|---|\n")
	for _, r := range rules {
		fmt.Fprintf(&b, "| [%s](#%s) | %s | %s | %s |\n", r.ID, strings.ToLower(r.ID), r.Title, r.Severity, r.Category)
	}
	for _, r := range rules {
		fmt.Fprintf(&b, "\n## %s\n\n", r.ID)
		fmt.Fprintf(&b, "**%s** — severity %s, category `%s`.\n\n", r.Title, r.Severity, r.Category)
		if r.Description != "" {
			b.WriteString(r.Description + "\n\n")
		}
		pat := r.Regex.String()
		if r.leftBoundary {
			pat = `\b` + pat // checked in code, so that the literal prefix speeds the search
		}
		b.WriteString("- Pattern (RE2):\n\n  ```\n  " + pat + "\n  ```\n\n")
		if r.anchored {
			b.WriteString("- Tried at each keyword hit (`\\A` is the keyword's position), up to the end of its line.\n")
		}
		if len(r.Keywords) > 0 {
			b.WriteString("- Keywords (case-insensitive prefilter): ")
			for i, k := range r.Keywords {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("`" + k + "`")
			}
			b.WriteString("\n")
		}
		if len(r.Paths) > 0 {
			b.WriteString("- Only in files whose path matches: ")
			for i, p := range r.Paths {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("`" + p.String() + "`")
			}
			b.WriteString(" (never on image ENV or history text)\n")
		}
		var gates []string
		if r.MinLen > 0 {
			gates = append(gates, fmt.Sprintf("at least %d bytes", r.MinLen))
		}
		if r.MinEntropy > 0 {
			gates = append(gates, fmt.Sprintf("at least %s bits of Shannon entropy per byte", ftoa(r.MinEntropy)))
		}
		if r.Validate != nil {
			gates = append(gates, "a structural check (see the description)")
		}
		if !r.NoPlaceholderCheck {
			gates = append(gates, "not a known example or placeholder")
		}
		if len(gates) > 0 {
			b.WriteString("- The secret must be: " + strings.Join(gates, "; ") + ".\n")
		}
		if r.Multiline {
			fmt.Fprintf(&b, "- May span lines (up to %d bytes after the keyword).\n", r.After)
		}
		switch r.Priority {
		case PrioritySpecific:
			b.WriteString("- Wins over token and generic rules that match the same bytes.\n")
		case PriorityGeneric:
			b.WriteString("- Yields to any specific rule that matches the same bytes.\n")
		}
	}
	return b.String()
}
