package vulndb

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Record is an OSV record (schema 1.x), holding what matching and reports
// need.
type Record struct {
	SchemaVersion    string          `json:"schema_version,omitempty"`
	ID               string          `json:"id"`
	Modified         time.Time       `json:"modified"`
	Published        *time.Time      `json:"published,omitempty"`
	Withdrawn        *time.Time      `json:"withdrawn,omitempty"`
	Aliases          []string        `json:"aliases,omitempty"`
	Upstream         []string        `json:"upstream,omitempty"`
	Related          []string        `json:"related,omitempty"`
	Summary          string          `json:"summary,omitempty"`
	Details          string          `json:"details,omitempty"`
	Severity         []Severity      `json:"severity,omitempty"`
	Affected         []Affected      `json:"affected,omitempty"`
	References       []Reference     `json:"references,omitempty"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// Severity is one severity score of a record or of an affected package.
type Severity struct {
	// Type is CVSS_V2, CVSS_V3, CVSS_V4 or Ubuntu.
	Type  string `json:"type"`
	Score string `json:"score"`
}

// Affected names one affected package and the versions it is affected in.
type Affected struct {
	Package           Package         `json:"package"`
	Severity          []Severity      `json:"severity,omitempty"`
	Ranges            []Range         `json:"ranges,omitempty"`
	Versions          []string        `json:"versions,omitempty"`
	EcosystemSpecific json.RawMessage `json:"ecosystem_specific,omitempty"`
	DatabaseSpecific  json.RawMessage `json:"database_specific,omitempty"`
}

// Package identifies a package in an ecosystem.
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	PURL      string `json:"purl,omitempty"`
}

// Range is a version range: ECOSYSTEM, SEMVER or GIT.
type Range struct {
	Type   string  `json:"type"`
	Repo   string  `json:"repo,omitempty"`
	Events []Event `json:"events"`
}

// The range types.
const (
	RangeEcosystem = "ECOSYSTEM"
	RangeSemver    = "SEMVER"
	RangeGit       = "GIT"
)

// Event is one event of a range; exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// Reference is a link about the vulnerability.
type Reference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// MaxRecordBytes bounds the size of one OSV record.
const MaxRecordBytes = 16 << 20

// ErrMalformed is wrapped by every error about an unreadable record.
var ErrMalformed = errors.New("malformed OSV record")

// ParseRecord reads and checks one OSV JSON record: it must have an id and
// its affected packages an ecosystem and a name. (A zero modified time is
// accepted: the Go vulnerability database writes 0001-01-01.)
func ParseRecord(data []byte) (*Record, error) {
	if len(data) > MaxRecordBytes {
		return nil, fmt.Errorf("%w: %d bytes, over the %d limit", ErrMalformed, len(data), MaxRecordBytes)
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if strings.TrimSpace(r.ID) == "" {
		return nil, fmt.Errorf("%w: no id", ErrMalformed)
	}
	if len(r.ID) > 256 || strings.ContainsAny(r.ID, "/\\\x00") {
		return nil, fmt.Errorf("%w: id %q is not a valid identifier", ErrMalformed, r.ID)
	}
	for i, a := range r.Affected {
		if a.Package.Ecosystem == "" && a.Package.Name == "" && a.Package.PURL == "" {
			continue // an affected entry with only ranges on a repo (GIT) is allowed
		}
		if a.Package.Ecosystem == "" || a.Package.Name == "" {
			return nil, fmt.Errorf("%w: %s: affected[%d] has no package ecosystem or name", ErrMalformed, r.ID, i)
		}
		for j, rg := range a.Ranges {
			switch rg.Type {
			case RangeEcosystem, RangeSemver, RangeGit:
			default:
				return nil, fmt.Errorf("%w: %s: affected[%d].ranges[%d] has unknown type %q", ErrMalformed, r.ID, i, j, rg.Type)
			}
		}
	}
	return &r, nil
}

// CVEs returns the record's CVE ids: its own id if it is one, then its
// aliases and upstream ids that are.
func (r *Record) CVEs() []string {
	var out []string
	seen := map[string]bool{}
	for _, list := range [][]string{{r.ID}, r.Aliases, r.Upstream} {
		for _, id := range list {
			if strings.HasPrefix(id, "CVE-") && !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out
}

// DatabaseSeverity returns database_specific.severity of the record or of
// an affected entry ("HIGH", "moderate"...), or "".
func DatabaseSeverity(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var ds struct {
		Severity any `json:"severity"`
	}
	if json.Unmarshal(raw, &ds) != nil {
		return ""
	}
	if s, ok := ds.Severity.(string); ok {
		return s
	}
	return ""
}

// DatabaseField returns a string field of a database_specific object, or
// "".
func DatabaseField(raw json.RawMessage, key string) string {
	if len(raw) == 0 {
		return ""
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	var s string
	if json.Unmarshal(m[key], &s) != nil {
		return ""
	}
	return s
}

// FileName is the export's file name of a record id: osv.dev replaces ':'
// with '_' ("RHSA-2024:4546" is "RHSA-2024_4546.json").
func FileName(id string) string { return strings.ReplaceAll(id, ":", "_") + ".json" }
