// Package format names bulkhead's output formats and writes a report in any
// of them: format.Write(w, "sarif", r, opts). Each format lives in its own
// package below this one, with a Write function of the same shape; the list
// here is explicit.
package format

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/cyclonedx"
	jsonfmt "github.com/bulkhead-sec/bulkhead/internal/report/format/json"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/junit"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/markdown"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/sarif"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/spdx"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/table"
)

// Options are the options every format accepts.
type Options = report.WriteOptions

// WriterFunc writes a report in one format.
type WriterFunc func(w io.Writer, r *report.Report, opts Options) error

// Format is one output format.
type Format struct {
	Name string
	// Aliases are other names accepted on the command line.
	Aliases []string
	// Description is one line for --help.
	Description string
	// Extension is the usual file extension, with the dot.
	Extension string
	Write     WriterFunc
}

// All lists the formats, table first (the default on a terminal).
var All = []Format{
	{Name: "table", Description: "human-readable tables (default on a terminal)", Extension: ".txt", Write: table.Write},
	{Name: "json", Description: "bulkhead's versioned JSON report (docs/json-schema.md)", Extension: ".json", Write: jsonfmt.Write},
	{Name: "sarif", Description: "SARIF 2.1.0 for GitHub code scanning and CI", Extension: ".sarif", Write: sarif.Write},
	{Name: "cyclonedx", Aliases: []string{"cdx", "cyclonedx-json"}, Description: "CycloneDX 1.6 JSON SBOM with vulnerabilities (VEX)", Extension: ".cdx.json", Write: cyclonedx.Write},
	{Name: "spdx", Aliases: []string{"spdx-json"}, Description: "SPDX 2.3 JSON SBOM", Extension: ".spdx.json", Write: spdx.Write},
	{Name: "junit", Description: "JUnit XML: findings as failed test cases", Extension: ".xml", Write: junit.Write},
	{Name: "markdown", Aliases: []string{"md"}, Description: "Markdown for pull-request comments", Extension: ".md", Write: markdown.Write},
}

// ErrUnknown is returned for a format name that is not in All.
var ErrUnknown = errors.New("unknown output format")

// Names returns the canonical format names, in the order of All.
func Names() []string {
	names := make([]string, len(All))
	for i, f := range All {
		names[i] = f.Name
	}
	return names
}

// Lookup finds a format by name or alias, in any case.
func Lookup(name string) (Format, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, f := range All {
		if f.Name == n {
			return f, nil
		}
		for _, a := range f.Aliases {
			if a == n {
				return f, nil
			}
		}
	}
	return Format{}, fmt.Errorf("%w %q (want one of %s)", ErrUnknown, name, strings.Join(Names(), ", "))
}

// Write writes r to w in the named format.
func Write(w io.Writer, name string, r *report.Report, opts Options) error {
	f, err := Lookup(name)
	if err != nil {
		return err
	}
	if r == nil {
		return fmt.Errorf("write %s: no report", f.Name)
	}
	return f.Write(w, r, opts)
}
