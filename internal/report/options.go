package report

import "github.com/bulkhead-sec/bulkhead/internal/finding"

// WriteOptions are the options every output format accepts
// (report/format/...). Formats ignore the options that do not apply to them.
type WriteOptions struct {
	// Color turns on ANSI colours (severity) in human formats.
	Color bool
	// Width is the terminal width the table format fits its columns to;
	// zero means 120.
	Width int
	// ShowPackages lists every package in human formats (for
	// `bulkhead sbom --format table`); otherwise only counts are shown.
	ShowPackages bool
	// ShowSuppressed lists the findings policy suppressed in human formats;
	// otherwise only their count is shown.
	ShowSuppressed bool
}

// VEXStatement is the part of a VEX statement that suppressed a finding.
type VEXStatement struct {
	// Document is the VEX document's @id, or the file it was read from.
	Document string `json:"document,omitempty"`
	// Status is the OpenVEX status: "not_affected" or "fixed".
	Status string `json:"status"`
	// Justification is the OpenVEX justification for not_affected.
	Justification   string `json:"justification,omitempty"`
	ImpactStatement string `json:"impact_statement,omitempty"`
	ActionStatement string `json:"action_statement,omitempty"`
	// Products are the product ids the statement names.
	Products []string `json:"products,omitempty"`
}

// Suppression causes, the values of Suppressed.By.
const (
	ByIgnoreFile = "ignore-file"
	ByVEX        = "vex"
	ByUnfixed    = "unfixed"
	BySeverity   = "severity"
)

// Actionable reports whether f asks something of the user: every finding
// except compliance results that passed, were skipped, are informational or
// were not evaluated.
func Actionable(f *finding.Finding) bool {
	if f.Kind != finding.Compliance {
		return true
	}
	switch f.Status {
	case finding.StatusPass, finding.StatusSkip, finding.StatusInfo, finding.StatusNotRun:
		return false
	}
	return true
}

// ActionableCounts tallies the actionable findings per severity, and returns
// their total.
func (r *Report) ActionableCounts() (map[finding.Severity]int, int) {
	m := map[finding.Severity]int{}
	n := 0
	for i := range r.Findings {
		if Actionable(&r.Findings[i]) {
			m[r.Findings[i].Severity]++
			n++
		}
	}
	return m, n
}
