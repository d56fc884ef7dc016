// Package report defines the one Report that every bulkhead command produces
// and that every output format writes: the target, the packages found (the
// SBOM), the findings, and what each scanner did. Writers live in
// report/format/...; policy (thresholds, ignores, VEX) is applied before them.
package report

import (
	"sort"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
)

// SchemaVersion is the version of the JSON report schema (docs/json-schema.md).
const SchemaVersion = 1

// Target kinds.
const (
	KindImage      = "image"
	KindFilesystem = "filesystem"
	KindSBOM       = "sbom"
	KindDockerfile = "dockerfile"
	KindConfig     = "config" // Dockerfiles and compose files linted together
	KindHost       = "host"
	KindRuntime    = "runtime"
)

// Layer is one image layer.
type Layer struct {
	// Digest is the compressed blob digest; DiffID the uncompressed one.
	Digest    string `json:"digest"`
	DiffID    string `json:"diff_id,omitempty"`
	Size      int64  `json:"size,omitempty"`
	CreatedBy string `json:"created_by,omitempty"`
}

// Target is what was scanned.
type Target struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Digest is the image's manifest digest, or empty.
	Digest string `json:"digest,omitempty"`
	// ImageID is the config digest.
	ImageID      string            `json:"image_id,omitempty"`
	RepoTags     []string          `json:"repo_tags,omitempty"`
	RepoDigests  []string          `json:"repo_digests,omitempty"`
	Architecture string            `json:"architecture,omitempty"`
	OS           *inventory.OS     `json:"os,omitempty"`
	Layers       []Layer           `json:"layers,omitempty"`
	Labels       map[string]string `json:"labels,omitempty"`
	Created      *time.Time        `json:"created,omitempty"`
	// Size is the total uncompressed size in bytes, when known.
	Size int64 `json:"size,omitempty"`
}

// ScannerStatus says what one scanner did: it ran, it was skipped and why.
type ScannerStatus struct {
	Name string `json:"name"`
	// State is "done", "skipped" or "failed".
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
	// Counts holds scanner-specific tallies (files skipped as binary, ...).
	Counts map[string]int `json:"counts,omitempty"`
	// Database names the vulnerability database a scanner used.
	Database *DatabaseInfo `json:"database,omitempty"`
}

// DatabaseInfo names the database a vulnerability scan used and how old
// each of its sources is.
type DatabaseInfo struct {
	Path string `json:"path"`
	// Label is set for a database that is not the user's, such as the
	// example database built into bulkhead.
	Label   string           `json:"label,omitempty"`
	Built   time.Time        `json:"built"`
	Sources []DatabaseSource `json:"sources,omitempty"`
}

// DatabaseSource is one source of a DatabaseInfo.
type DatabaseSource struct {
	Name    string    `json:"name"`
	Records int       `json:"records"`
	Fetched time.Time `json:"fetched"`
	Newest  time.Time `json:"newest_modified"`
}

// Scanner states.
const (
	StateDone    = "done"
	StateSkipped = "skipped"
	StateFailed  = "failed"
)

// Suppressed is a finding that policy left out, with the reason.
type Suppressed struct {
	Finding finding.Finding `json:"finding"`
	// By is "ignore-file", "vex", "unfixed" or "severity".
	By string `json:"by"`
	// Statement is the reason given by the ignore entry or VEX statement.
	Statement string `json:"statement,omitempty"`
	// VEX is the VEX statement that suppressed the finding, when By is "vex".
	VEX *VEXStatement `json:"vex,omitempty"`
	// Expires is the date an ignore-file entry stops suppressing, when set.
	Expires string `json:"expires,omitempty"`
}

// Report is the result of one bulkhead command.
type Report struct {
	SchemaVersion int                 `json:"schema_version"`
	Tool          string              `json:"tool"`
	ToolVersion   string              `json:"tool_version"`
	CreatedAt     time.Time           `json:"created_at"`
	Target        Target              `json:"target"`
	Packages      []inventory.Package `json:"packages,omitempty"`
	Findings      []finding.Finding   `json:"findings,omitempty"`
	Suppressed    []Suppressed        `json:"suppressed,omitempty"`
	Scanners      []ScannerStatus     `json:"scanners,omitempty"`
	// Warnings are bounded outcomes the user should know of: skipped
	// hostile entries, limits reached, stale data.
	Warnings []string `json:"warnings,omitempty"`
}

// New returns an empty report for target, stamped with the tool's version.
func New(target Target, toolVersion string, now time.Time) *Report {
	return &Report{
		SchemaVersion: SchemaVersion,
		Tool:          "bulkhead",
		ToolVersion:   toolVersion,
		CreatedAt:     now.UTC(),
		Target:        target,
	}
}

// Warn adds a warning once.
func (r *Report) Warn(msg string) {
	for _, w := range r.Warnings {
		if w == msg {
			return
		}
	}
	r.Warnings = append(r.Warnings, msg)
}

// SetScanner records a scanner's status, replacing an earlier one of the same name.
func (r *Report) SetScanner(s ScannerStatus) {
	for i := range r.Scanners {
		if r.Scanners[i].Name == s.Name {
			r.Scanners[i] = s
			return
		}
	}
	r.Scanners = append(r.Scanners, s)
}

func epss(f *finding.Finding) float64 {
	if f.EPSS == nil {
		return 0
	}
	return f.EPSS.Score
}

// Sort puts packages and findings in a stable order: packages by type, name,
// version and path; findings known to be exploited (KEV) first, then by
// severity (highest first), EPSS score (highest first), kind, id and location.
func (r *Report) Sort() {
	sort.SliceStable(r.Packages, func(i, j int) bool {
		a, b := r.Packages[i], r.Packages[j]
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		return a.Path < b.Path
	})
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := &r.Findings[i], &r.Findings[j]
		// Known exploited first, then severity, then the likelihood of
		// exploitation.
		if (a.KEV != nil) != (b.KEV != nil) {
			return a.KEV != nil
		}
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if ea, eb := epss(a), epss(b); ea != eb {
			return ea > eb
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		return a.Key() < b.Key()
	})
}
