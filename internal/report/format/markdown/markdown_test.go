package markdown_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/formattest"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/markdown"
)

func TestGolden(t *testing.T) {
	tests := []struct {
		name string
		r    *report.Report
		opts markdown.Options
	}{
		{"image.md", formattest.Report(), markdown.Options{}},
		{"image-packages.md", formattest.Report(), markdown.Options{ShowPackages: true}},
		{"fs.md", formattest.Filesystem(), markdown.Options{}},
		{"audit.md", formattest.Audit(), markdown.Options{}},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		if err := markdown.Write(&buf, tt.r, tt.opts); err != nil {
			t.Fatal(err)
		}
		formattest.Golden(t, tt.name, buf.Bytes())
	}
}

// TestTableCellsStayCells checks that every table row has as many unescaped
// pipes as its header, whatever the finding's text holds.
func TestTableCellsStayCells(t *testing.T) {
	r := formattest.Report()
	r.Findings = append(r.Findings, finding.Finding{Kind: finding.Misconfiguration, ID: "X|Y", Severity: finding.Low,
		Title: "a | b\n| c | <script>", Location: finding.Location{Path: "we|ird`path"}})
	var buf bytes.Buffer
	if err := markdown.Write(&buf, r, markdown.Options{}); err != nil {
		t.Fatal(err)
	}
	cols := 0
	for _, l := range strings.Split(buf.String(), "\n") {
		if !strings.HasPrefix(l, "|") {
			cols = 0
			continue
		}
		n := strings.Count(l, "|") - strings.Count(l, `\|`)
		if cols == 0 {
			cols = n
			continue
		}
		if n != cols {
			t.Errorf("row has %d cell separators, header has %d: %q", n, cols, l)
		}
	}
	if strings.Contains(buf.String(), "<script>") {
		t.Error("HTML passed through unescaped")
	}
}
