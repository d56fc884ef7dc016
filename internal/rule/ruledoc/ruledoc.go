// Package ruledoc is the one generator of the rule pages in docs/rules: a
// page per rule and an index, rendered from the catalogue's rule.Rule
// metadata. A rule set (Dockerfile, compose, image checks) supplies only
// what differs: its index text, how its aliases read, extra table rows and
// the sections after the fix (examples, suppression).
package ruledoc

import (
	"fmt"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/rule"
)

// Set describes how one rule set's pages read.
type Set struct {
	// Index is the index page up to its table: heading and introduction.
	Index string
	// AKA renders a rule's aliases for its page ("DL3008 (hadolint)");
	// "" reads "none". Nil joins the aliases with ", ".
	AKA func(aliases []string) (string, error)
	// IndexAlias renders one alias in the index; nil keeps it as it is.
	IndexAlias func(alias string) string
	// Marks are appended to a rule's title in the index (" *(fix)*").
	Marks func(r rule.Rule) string
	// Rows are extra rows of a page's table, each "| Key | value |\n".
	Rows func(r rule.Rule) string
	// Flags adds to "What it flags" after the title ("It inspects ...").
	Flags func(r rule.Rule) (string, error)
	// Sections follow "How to fix": examples, suppression.
	Sections func(r rule.Rule) (string, error)
}

// Render returns the pages of rules by file name: README.md (the index)
// and ID.md for each rule.
func (s Set) Render(rules []rule.Rule) (map[string]string, error) {
	files := map[string]string{"README.md": s.index(rules)}
	for _, r := range rules {
		p, err := s.page(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.ID, err)
		}
		files[r.ID+".md"] = p
	}
	return files, nil
}

func (s Set) page(r rule.Rule) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: %s\n\n", r.ID, r.Title)
	fmt.Fprintf(&b, "| | |\n|---|---|\n| Name | `%s` |\n| Severity | %s |\n", r.Name, r.Severity)
	aka := strings.Join(r.Aliases, ", ")
	if s.AKA != nil {
		var err error
		if aka, err = s.AKA(r.Aliases); err != nil {
			return "", err
		}
	}
	if aka == "" {
		aka = "none"
	}
	fmt.Fprintf(&b, "| Also known as | %s |\n", aka)
	if s.Rows != nil {
		b.WriteString(s.Rows(r))
	}
	fmt.Fprintf(&b, "\n## What it flags\n\n%s.\n\n", r.Title)
	if s.Flags != nil {
		more, err := s.Flags(r)
		if err != nil {
			return "", err
		}
		b.WriteString(more)
	}
	fmt.Fprintf(&b, "## Why it matters\n\n%s\n\n", r.Description)
	fmt.Fprintf(&b, "## How to fix\n\n%s\n", r.Fix)
	if s.Sections != nil {
		more, err := s.Sections(r)
		if err != nil {
			return "", err
		}
		if more != "" {
			b.WriteString("\n" + more)
		}
	}
	return b.String(), nil
}

func (s Set) index(rules []rule.Rule) string {
	var b strings.Builder
	b.WriteString(s.Index)
	b.WriteString("| ID | Severity | Title | Also known as |\n|---|---|---|---|\n")
	for _, r := range rules {
		title := r.Title
		if s.Marks != nil {
			title += s.Marks(r)
		}
		aka := make([]string, len(r.Aliases))
		for i, a := range r.Aliases {
			aka[i] = a
			if s.IndexAlias != nil {
				aka[i] = s.IndexAlias(a)
			}
		}
		fmt.Fprintf(&b, "| [%s](%s.md) | %s | %s | %s |\n", r.ID, r.ID, r.Severity, strings.ReplaceAll(title, "|", "\\|"), strings.Join(aka, ", "))
	}
	return b.String()
}
