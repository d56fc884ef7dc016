package ruledoc

import (
	"errors"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/rule"
)

func TestRender(t *testing.T) {
	rs := []rule.Rule{
		{ID: "X-1", Name: "one", Title: "A | B", Severity: finding.High, Aliases: []string{"P1"}, Description: "Why.", Fix: "Do."},
		{ID: "X-2", Name: "two", Title: "C", Severity: finding.Low, Description: "Why 2.", Fix: "Do 2."},
	}
	files, err := Set{Index: "# X\n\n", IndexAlias: func(a string) string { return "peer " + a }}.Render(rs)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Fatalf("%d files, want an index and 2 pages", len(files))
	}
	if want := "| [X-1](X-1.md) | HIGH | A \\| B | peer P1 |\n"; !strings.Contains(files["README.md"], want) || !strings.HasPrefix(files["README.md"], "# X\n\n| ID |") {
		t.Errorf("index:\n%s", files["README.md"])
	}
	want := "# X-2: C\n\n| | |\n|---|---|\n| Name | `two` |\n| Severity | LOW |\n| Also known as | none |\n\n## What it flags\n\nC.\n\n## Why it matters\n\nWhy 2.\n\n## How to fix\n\nDo 2.\n"
	if files["X-2.md"] != want {
		t.Errorf("page:\n%q\nwant\n%q", files["X-2.md"], want)
	}
	boom := errors.New("boom")
	if _, err := (Set{Sections: func(rule.Rule) (string, error) { return "", boom }}).Render(rs); !errors.Is(err, boom) || !strings.Contains(err.Error(), "X-1") {
		t.Errorf("a section error: %v, want it wrapped with the rule id", err)
	}
}
