// Package finding holds the shared leaf types of every bulkhead report: the
// severity scale, the kinds of finding, where a finding was seen and the
// finding itself. It imports nothing of bulkhead's, so every scanner, policy
// and writer can depend on it.
package finding

import (
	"fmt"
	"strings"
)

// Severity is bulkhead's one severity scale. The zero value is Unknown.
type Severity int

// The severities, lowest first, so that they compare with < and >.
const (
	Unknown Severity = iota
	Info
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"UNKNOWN", "INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"}

// String returns the upper-case name of s, such as "HIGH".
func (s Severity) String() string {
	if s < Unknown || s > Critical {
		return "UNKNOWN"
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name in any case. Common synonyms of other
// tools are accepted: "moderate" is MEDIUM, "important" is HIGH, "negligible"
// and "none" are INFO.
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "CRITICAL":
		return Critical, nil
	case "HIGH", "IMPORTANT", "ERROR":
		return High, nil
	case "MEDIUM", "MODERATE", "WARNING", "WARN":
		return Medium, nil
	case "LOW":
		return Low, nil
	case "INFO", "NEGLIGIBLE", "NONE", "INFORMATIONAL", "NOTE", "STYLE":
		return Info, nil
	case "UNKNOWN", "":
		return Unknown, nil
	}
	return Unknown, fmt.Errorf("unknown severity %q (want one of CRITICAL, HIGH, MEDIUM, LOW, INFO, UNKNOWN)", s)
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity's name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Kind says which job produced a finding.
type Kind string

// The kinds of finding.
const (
	Vulnerability    Kind = "vulnerability"
	Secret           Kind = "secret"
	Misconfiguration Kind = "misconfiguration"
	Compliance       Kind = "compliance"
	Runtime          Kind = "runtime"
)

// Status says how a finding stands. Vulnerabilities use Fixed and NoFix;
// compliance checks use Pass, Fail, Warn, Info and Skip. Empty means the
// finding is simply present (a secret, a lint rule that fired).
type Status string

// The statuses.
const (
	StatusFixed  Status = "fixed"
	StatusNoFix  Status = "affected"
	StatusPass   Status = "PASS"
	StatusFail   Status = "FAIL"
	StatusWarn   Status = "WARN"
	StatusInfo   Status = "INFO"
	StatusSkip   Status = "SKIP"
	StatusNotRun Status = "NOT_EVALUATED"
)

// Location says where a finding was seen. Only the fields that apply are set.
type Location struct {
	// Layer is the digest of the image layer that added the file.
	Layer string `json:"layer,omitempty"`
	// RemovedIn is the digest of a later layer that deleted the file, when it
	// is no longer in the final filesystem.
	RemovedIn string `json:"removed_in,omitempty"`
	// Path is a file path (slash separated, relative to the scanned root) or
	// a config field such as "config.Env" or "history[3]".
	Path string `json:"path,omitempty"`
	// Line and Column are 1-based; zero means unknown.
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
	// EndLine closes a range of lines.
	EndLine int `json:"end_line,omitempty"`
	// ContainerID and ContainerName name a running container.
	ContainerID   string `json:"container_id,omitempty"`
	ContainerName string `json:"container_name,omitempty"`
	// Object names a host object: a daemon flag, a file, a network.
	Object string `json:"object,omitempty"`
}

// String renders the location in one short line.
func (l Location) String() string {
	var parts []string
	if l.ContainerName != "" || l.ContainerID != "" {
		n := l.ContainerName
		if n == "" {
			n = short(l.ContainerID)
		}
		parts = append(parts, "container "+n)
	}
	if l.Path != "" {
		p := l.Path
		if l.Line > 0 {
			p = fmt.Sprintf("%s:%d", p, l.Line)
		}
		parts = append(parts, p)
	}
	if l.Object != "" {
		parts = append(parts, l.Object)
	}
	if l.Layer != "" {
		parts = append(parts, "layer "+short(l.Layer))
	}
	if l.RemovedIn != "" {
		parts = append(parts, "removed in "+short(l.RemovedIn))
	}
	return strings.Join(parts, ", ")
}

func short(d string) string {
	if i := strings.IndexByte(d, ':'); i >= 0 {
		d = d[i+1:]
	}
	if len(d) > 12 {
		d = d[:12]
	}
	return d
}

// PackageRef names the package a vulnerability finding is about.
type PackageRef struct {
	Name             string `json:"name"`
	Version          string `json:"version"`
	Type             string `json:"type,omitempty"`
	PURL             string `json:"purl,omitempty"`
	SourceName       string `json:"source_name,omitempty"`
	FixedVersion     string `json:"fixed_version,omitempty"`
	InstalledVersion string `json:"installed_version,omitempty"`
}

// Finding is one result of any scanner: a vulnerability, a secret, a
// misconfiguration, a compliance check or a runtime alert.
type Finding struct {
	Kind Kind `json:"kind"`
	// ID is a stable rule or advisory id: "BH-DF-001", "CVE-2023-1234", "5.4".
	ID string `json:"id"`
	// Aliases are other ids for the same thing (CVE ids, a peer's rule id).
	Aliases  []string `json:"aliases,omitempty"`
	Severity Severity `json:"severity"`
	// Score is a CVSS base score, when one is known.
	Score       float64  `json:"score,omitempty"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Status      Status   `json:"status,omitempty"`
	Location    Location `json:"location"`
	// Evidence shows what matched. For secrets it is always redacted.
	Evidence string `json:"evidence,omitempty"`
	// Fix is the fixed version or a one-line remediation.
	Fix        string      `json:"fix,omitempty"`
	References []string    `json:"references,omitempty"`
	Package    *PackageRef `json:"package,omitempty"`
	// Source names the data source or rule set ("osv:Debian", "cis-docker-1.6.0").
	Source string `json:"source,omitempty"`
	// Tags carry extra classification (CIS level, MITRE technique, rule category).
	Tags []string `json:"tags,omitempty"`
	// Extra holds kind-specific fields that have no place above, such as a
	// runtime alert's output fields. Values must be JSON-serialisable.
	Extra map[string]any `json:"extra,omitempty"`

	// The fields below are set on vulnerability findings only.

	// SeveritySource names where Severity came from: "GHSA-xxxx (CVSS_V3)",
	// "nvd (CVE-2020-14343, Primary)", "DEBIAN-CVE-2023-1 (urgency)".
	SeveritySource string `json:"severity_source,omitempty"`
	// CVSS lists the CVSS entries known for the finding, the one the
	// severity came from first.
	CVSS []CVSS `json:"cvss,omitempty"`
	// CVEs are the CVEs the advisory covers, each rated on its own (a
	// distro advisory names several).
	CVEs []CVE `json:"cves,omitempty"`
	// KEV is set when a CVE of the finding is in CISA's Known Exploited
	// Vulnerabilities catalog.
	KEV *KEV `json:"kev,omitempty"`
	// EPSS is FIRST's exploit prediction score (the highest of the
	// finding's CVEs).
	EPSS *EPSS `json:"epss,omitempty"`
}

// CVSS is one CVSS rating.
type CVSS struct {
	// Version is "2.0", "3.0", "3.1" or "4.0".
	Version string  `json:"version"`
	Vector  string  `json:"vector"`
	Score   float64 `json:"score"`
	// Source is who rated (nvd@nist.gov, a CNA, an advisory id).
	Source string `json:"source,omitempty"`
	// Type is NVD's "Primary" or "Secondary", when from NVD.
	Type string `json:"type,omitempty"`
}

// CVE is one CVE of a vulnerability finding with its own rating.
type CVE struct {
	ID             string   `json:"id"`
	Severity       Severity `json:"severity"`
	Score          float64  `json:"score,omitempty"`
	SeveritySource string   `json:"severity_source,omitempty"`
	Vector         string   `json:"vector,omitempty"`
	KEV            *KEV     `json:"kev,omitempty"`
	EPSS           *EPSS    `json:"epss,omitempty"`
}

// KEV is a CISA Known Exploited Vulnerabilities entry.
type KEV struct {
	CVE       string `json:"cve"`
	DateAdded string `json:"date_added"`
	DueDate   string `json:"due_date,omitempty"`
	// Ransomware is knownRansomwareCampaignUse ("Known", "Unknown").
	Ransomware string `json:"ransomware,omitempty"`
}

// EPSS is a FIRST EPSS score.
type EPSS struct {
	CVE        string  `json:"cve"`
	Score      float64 `json:"score"`
	Percentile float64 `json:"percentile"`
	Date       string  `json:"date,omitempty"`
}

// Key identifies a finding for de-duplication and ignore matching: the same
// id at the same place is the same finding.
func (f *Finding) Key() string {
	var pkg string
	if f.Package != nil {
		pkg = f.Package.Name + "@" + f.Package.Version
	}
	return strings.Join([]string{string(f.Kind), f.ID, pkg, f.Location.Path, f.Location.Layer,
		fmt.Sprint(f.Location.Line), f.Location.ContainerID, f.Location.Object}, "|")
}
