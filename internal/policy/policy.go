// Package policy sits between the scanners' report and the writers: it moves
// the findings a user chose not to see to report.Suppressed, each with the
// reason, and says whether what is left reaches the --fail-on threshold.
//
// Policy has four parts, applied in this order, the first match winning:
// OpenVEX statements (not_affected or fixed), the .bulkheadignore file
// (entries with a reason and an optional expiry date), --ignore-unfixed, and
// the severity threshold.
//
//	ig, err := policy.LoadIgnoreFile(".bulkheadignore")
//	vx, err := policy.LoadVEX("vex.json")
//	policy.Apply(r, policy.Policy{MinSeverity: finding.Medium, Ignore: ig, VEX: vx})
//	if policy.Exceeds(r, finding.High) { os.Exit(3) }
package policy

import (
	"fmt"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/report"
)

// Policy says which findings to leave out of a report.
type Policy struct {
	// MinSeverity drops findings below it. The zero value (UNKNOWN) keeps
	// everything; MEDIUM drops LOW, INFO and UNKNOWN.
	MinSeverity finding.Severity
	// IgnoreUnfixed drops vulnerabilities that have no fixed version.
	IgnoreUnfixed bool
	// Ignore is a loaded .bulkheadignore file, or nil.
	Ignore *IgnoreFile
	// VEX holds loaded OpenVEX documents, or nil.
	VEX *VEXDoc
	// Now decides which ignore entries have expired; zero means time.Now().
	Now time.Time
}

// Apply moves the findings p filters out of r.Findings to r.Suppressed, with
// By and Statement set, and adds warnings for expired ignore entries and
// unusable VEX statements. Applying the same policy twice changes nothing
// more.
func Apply(r *report.Report, p Policy) {
	now := p.Now
	if now.IsZero() {
		now = time.Now()
	}
	if p.Ignore != nil {
		for _, e := range p.Ignore.Entries {
			if e.expired(now) {
				r.Warn(fmt.Sprintf("%s: entry %d (id %q, line %d) expired on %s and no longer suppresses anything; renew or remove it",
					p.Ignore.Name, e.Index, e.ID, e.Line, e.Expires))
			}
		}
	}
	if p.VEX != nil {
		for _, w := range p.VEX.Warnings {
			r.Warn(w)
		}
	}
	kept := r.Findings[:0:0]
	for _, f := range r.Findings {
		if s, ok := p.suppress(r, &f, now); ok {
			r.Suppressed = append(r.Suppressed, s)
			continue
		}
		kept = append(kept, f)
	}
	r.Findings = kept
}

func (p *Policy) suppress(r *report.Report, f *finding.Finding, now time.Time) (report.Suppressed, bool) {
	if p.VEX != nil && f.Kind == finding.Vulnerability {
		if st, ok := p.VEX.match(r, f); ok {
			statement := st.ImpactStatement
			if statement == "" {
				statement = st.ActionStatement
			}
			if statement == "" {
				statement = st.Status
				if st.Justification != "" {
					statement += ": " + st.Justification
				}
			}
			return report.Suppressed{Finding: *f, By: report.ByVEX, Statement: statement, VEX: st}, true
		}
	}
	if p.Ignore != nil {
		if e := p.Ignore.match(f, now); e != nil {
			return report.Suppressed{Finding: *f, By: report.ByIgnoreFile, Statement: e.Reason, Expires: e.Expires}, true
		}
	}
	if p.IgnoreUnfixed && unfixed(f) {
		return report.Suppressed{Finding: *f, By: report.ByUnfixed, Statement: "no fixed version is available"}, true
	}
	if f.Severity < p.MinSeverity {
		return report.Suppressed{Finding: *f, By: report.BySeverity,
			Statement: fmt.Sprintf("severity %s is below the threshold %s", f.Severity, p.MinSeverity)}, true
	}
	return report.Suppressed{}, false
}

// unfixed reports whether f is a vulnerability with no fixed version.
func unfixed(f *finding.Finding) bool {
	if f.Kind != finding.Vulnerability || f.Status == finding.StatusFixed {
		return false
	}
	if f.Status == finding.StatusNoFix {
		return true
	}
	return f.Fix == "" && (f.Package == nil || f.Package.FixedVersion == "")
}

// Exceeds reports whether r still holds a finding at or above failOn.
// Compliance results that passed, were skipped or are informational do not
// count.
func Exceeds(r *report.Report, failOn finding.Severity) bool {
	for i := range r.Findings {
		if r.Findings[i].Severity >= failOn && report.Actionable(&r.Findings[i]) {
			return true
		}
	}
	return false
}

// HasKEV reports whether a vulnerability in CISA's Known Exploited
// Vulnerabilities catalog remains in the report (after policy).
func HasKEV(r *report.Report) bool {
	for i := range r.Findings {
		if r.Findings[i].KEV != nil && report.Actionable(&r.Findings[i]) {
			return true
		}
	}
	return false
}
