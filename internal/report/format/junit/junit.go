// Package junit writes a report as JUnit XML so that CI dashboards show
// findings as test results: one testsuite per kind of finding, one testcase
// per rule or advisory at a location, a failure for every finding; passed
// compliance checks are passing testcases and skipped ones are skipped.
package junit

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/report"
)

// Options are the options all formats share; junit uses none of them.
type Options = report.WriteOptions

type testsuites struct {
	XMLName  xml.Name    `xml:"testsuites"`
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Suites   []testsuite `xml:"testsuite"`
}

type testsuite struct {
	Name       string     `xml:"name,attr"`
	Tests      int        `xml:"tests,attr"`
	Failures   int        `xml:"failures,attr"`
	Errors     int        `xml:"errors,attr"`
	Skipped    int        `xml:"skipped,attr"`
	Timestamp  string     `xml:"timestamp,attr,omitempty"`
	Properties []property `xml:"properties>property,omitempty"`
	Cases      []testcase `xml:"testcase"`
}

type property struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type testcase struct {
	Name      string   `xml:"name,attr"`
	Classname string   `xml:"classname,attr"`
	Failure   *failure `xml:"failure,omitempty"`
	Error     *failure `xml:"error,omitempty"`
	Skipped   *skipped `xml:"skipped,omitempty"`
}

type failure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type skipped struct {
	Message string `xml:"message,attr,omitempty"`
}

var kinds = []finding.Kind{finding.Vulnerability, finding.Secret, finding.Misconfiguration, finding.Compliance, finding.Runtime}

// Write writes r as a JUnit XML document. Scanners that were skipped or
// failed appear in a "scanners" suite as skipped or erroring testcases.
func Write(w io.Writer, r *report.Report, _ Options) error {
	doc := testsuites{Name: "bulkhead " + xmlSafe(r.Target.Name)}
	byKind := map[finding.Kind][]*finding.Finding{}
	order := append([]finding.Kind(nil), kinds...)
	for i := range r.Findings {
		f := &r.Findings[i]
		if _, ok := byKind[f.Kind]; !ok && !known(f.Kind) {
			order = append(order, f.Kind)
		}
		byKind[f.Kind] = append(byKind[f.Kind], f)
	}
	ts := ""
	if !r.CreatedAt.IsZero() {
		ts = r.CreatedAt.UTC().Format("2006-01-02T15:04:05")
	}
	for _, k := range order {
		fs := byKind[k]
		if len(fs) == 0 {
			continue
		}
		s := testsuite{Name: "bulkhead." + xmlSafe(string(k)), Timestamp: ts,
			Properties: []property{{Name: "target", Value: xmlSafe(r.Target.Name)}}}
		for _, f := range fs {
			c := testcase{Name: caseName(f), Classname: xmlSafe(className(r, f))}
			switch {
			case f.Kind == finding.Compliance && f.Status == finding.StatusPass:
			case f.Kind == finding.Compliance && (f.Status == finding.StatusSkip || f.Status == finding.StatusNotRun || f.Status == finding.StatusInfo):
				c.Skipped = &skipped{Message: xmlSafe(strings.TrimSpace(string(f.Status) + " " + f.Description))}
				s.Skipped++
			default:
				c.Failure = &failure{Message: xmlSafe(fmt.Sprintf("[%s] %s", f.Severity, f.Title)), Type: f.Severity.String(), Text: xmlSafe(detail(f))}
				s.Failures++
			}
			s.Cases = append(s.Cases, c)
		}
		s.Tests = len(s.Cases)
		doc.Suites = append(doc.Suites, s)
	}
	if len(r.Scanners) > 0 {
		s := testsuite{Name: "bulkhead.scanners", Timestamp: ts}
		for _, sc := range r.Scanners {
			c := testcase{Name: xmlSafe(sc.Name), Classname: "scanners"}
			switch sc.State {
			case report.StateSkipped:
				c.Skipped = &skipped{Message: xmlSafe("not scanned: " + sc.Reason)}
				s.Skipped++
			case report.StateFailed:
				c.Error = &failure{Message: xmlSafe("failed: " + sc.Reason), Type: "scanner"}
				s.Errors++
			}
			s.Cases = append(s.Cases, c)
		}
		s.Tests = len(s.Cases)
		doc.Suites = append(doc.Suites, s)
	}
	for _, s := range doc.Suites {
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	return nil
}

func known(k finding.Kind) bool {
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

func caseName(f *finding.Finding) string {
	name := f.ID
	if f.Package != nil {
		name += " " + f.Package.Name + "@" + f.Package.Version
	}
	if loc := f.Location.String(); loc != "" {
		name += " [" + loc + "]"
	}
	return xmlSafe(name)
}

func className(r *report.Report, f *finding.Finding) string {
	switch {
	case f.Location.Path != "":
		return f.Location.Path
	case f.Location.ContainerName != "":
		return f.Location.ContainerName
	case f.Location.Object != "":
		return f.Location.Object
	}
	return r.Target.Name
}

func detail(f *finding.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s (%s)\n", f.Kind, f.ID, f.Severity)
	if len(f.Aliases) > 0 {
		fmt.Fprintf(&b, "Aliases: %s\n", strings.Join(f.Aliases, ", "))
	}
	if f.Package != nil {
		fmt.Fprintf(&b, "Package: %s %s\n", f.Package.Name, f.Package.Version)
	}
	if loc := f.Location.String(); loc != "" {
		fmt.Fprintf(&b, "Location: %s\n", loc)
	}
	if f.Evidence != "" {
		fmt.Fprintf(&b, "Evidence: %s\n", f.Evidence)
	}
	if f.Description != "" {
		fmt.Fprintf(&b, "%s\n", f.Description)
	}
	if f.Fix != "" {
		fmt.Fprintf(&b, "Fix: %s\n", f.Fix)
	}
	for _, ref := range f.References {
		fmt.Fprintf(&b, "%s\n", ref)
	}
	return b.String()
}

// xmlSafe drops characters XML 1.0 cannot carry (encoding/xml would
// otherwise write U+FFFD for some and fail on none, but readers reject them).
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r == utf8.RuneError, r >= 0xFFFE && r <= 0xFFFF, r >= 0xD800 && r <= 0xDFFF:
			return -1
		}
		return r
	}, s)
}
