package junit_test

import (
	"bytes"
	"encoding/xml"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/formattest"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/junit"
)

func TestGolden(t *testing.T) {
	for name, r := range map[string]*report.Report{"image.xml": formattest.Report(), "fs.xml": formattest.Filesystem()} {
		var buf bytes.Buffer
		if err := junit.Write(&buf, r, junit.Options{}); err != nil {
			t.Fatal(err)
		}
		formattest.Golden(t, name, buf.Bytes())
	}
}

type suites struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Errors   int    `xml:"errors,attr"`
	} `xml:"testsuite"`
}

func TestCounts(t *testing.T) {
	r := formattest.Report()
	r.Findings = append(r.Findings, finding.Finding{Kind: finding.Secret, ID: "bad\x00\x1bxml", Title: "\uFFFE"})
	var buf bytes.Buffer
	if err := junit.Write(&buf, r, junit.Options{}); err != nil {
		t.Fatal(err)
	}
	var got suites
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("output is not well-formed XML: %v", err)
	}
	type row struct {
		Name                             string
		Tests, Failures, Skipped, Errors int
	}
	var rows []row
	for _, s := range got.Suites {
		rows = append(rows, row{s.Name, s.Tests, s.Failures, s.Skipped, s.Errors})
	}
	want := []row{
		{"bulkhead.vulnerability", 3, 3, 0, 0},
		{"bulkhead.secret", 2, 2, 0, 0},
		{"bulkhead.misconfiguration", 2, 2, 0, 0},
		{"bulkhead.compliance", 4, 2, 1, 0},
		{"bulkhead.runtime", 1, 1, 0, 0},
		{"bulkhead.scanners", 5, 0, 1, 1},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("suites (-want +got):\n%s", diff)
	}
	if got.Tests != 17 || got.Failures != 10 {
		t.Errorf("totals tests=%d failures=%d, want 17 and 10", got.Tests, got.Failures)
	}
}
