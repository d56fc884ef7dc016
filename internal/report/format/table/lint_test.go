package table_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/table"
)

// TestLintRows: lint findings are listed by file and line (not by
// severity), with the rule's hadolint alias and the fix hint.
func TestLintRows(t *testing.T) {
	r := report.New(report.Target{Kind: report.KindDockerfile, Name: "Dockerfile"}, "dev", time.Unix(0, 0))
	mk := func(path string, line int, id string, sev finding.Severity, aliases ...string) finding.Finding {
		return finding.Finding{Kind: finding.Misconfiguration, ID: id, Aliases: aliases, Severity: sev, Title: "title of " + id,
			Fix: "fix for " + id, Location: finding.Location{Path: path, Line: line}, Source: "bulkhead-dockerfile"}
	}
	r.Findings = []finding.Finding{
		mk("b/Dockerfile", 2, "BH-DF-008", finding.Medium, "DL3014", "DS-0021"),
		mk("a/Dockerfile", 9, "BH-DF-001", finding.High, "DS-0002", "DL3002"),
		mk("a/Dockerfile", 3, "BH-DF-074", finding.Info, "DL3059"),
		mk("a/Dockerfile", 3, "BH-DF-004", finding.Low, "CIS-4.2"),
	}
	var buf bytes.Buffer
	if err := table.Write(&buf, r, table.Options{Width: 200}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !regexp.MustCompile(`LOCATION +SEVERITY +RULE +TITLE / FIX`).MatchString(out) {
		t.Fatalf("no lint header:\n%s", out)
	}
	var order []string
	for _, l := range strings.Split(out, "\n") {
		if m := regexp.MustCompile(`^(\S+:\d+) +\S+ +(BH-DF-\d+ \(\S+\))`).FindStringSubmatch(l); m != nil {
			order = append(order, m[1]+" "+m[2])
		}
	}
	want := []string{
		"a/Dockerfile:3 BH-DF-004 (CIS-4.2)",
		"a/Dockerfile:3 BH-DF-074 (DL3059)",
		"a/Dockerfile:9 BH-DF-001 (DL3002)",
		"b/Dockerfile:2 BH-DF-008 (DL3014)",
	}
	if strings.Join(order, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(order, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(out, "title of BH-DF-001 — fix: fix for BH-DF-001") {
		t.Errorf("fix hint missing:\n%s", out)
	}
}
