// Package match finds the known vulnerabilities of packages: it maps each
// package to its OSV ecosystem (distro packages by source package and
// release, language packages by normalised name), looks it up in the
// vulnerability database, and evaluates the records' version ranges with
// the ecosystem's version comparator.
package match

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/version"
	"github.com/bulkhead-sec/bulkhead/internal/vulndb"
)

// Stats says what a match run did.
type Stats struct {
	// Packages is the number of packages given.
	Packages int `json:"packages"`
	// Lookups is the number of index lookups made (packages sharing a
	// source package share a lookup).
	Lookups int `json:"lookups"`
	// Unsupported counts packages with no vulnerability data to match
	// against: an unknown type, or a distro package on an unknown OS or
	// release.
	Unsupported int `json:"unsupported"`
	// Entries counts advisory entries evaluated.
	Entries int `json:"entries"`
	// Findings is the number of findings returned.
	Findings int `json:"findings"`
	// NotEvaluated counts advisory entries that only give GIT ranges,
	// which cannot be evaluated against a package version; NotEvaluatedIDs
	// names them ("id for name@version", up to 100).
	NotEvaluated    int      `json:"not_evaluated"`
	NotEvaluatedIDs []string `json:"not_evaluated_ids,omitempty"`
	// InvalidVersions counts versions (installed or in a record) that the
	// ecosystem's comparator could not read; the entry is skipped.
	InvalidVersions int `json:"invalid_versions"`
}

// target is where a package's advisories live.
type target struct {
	ecosystem string // base ecosystem: "Debian", "PyPI"
	name      string // name to look up
	version   string // version to compare
	release   func(entryEcosystem string) bool
	cmp       version.Comparator
}

// Packages matches packages against the database in one read transaction.
// osInfo may be nil when the target has no OS (a source tree); distro
// packages are then counted as unsupported. Findings are sorted by package
// name, version and id.
func Packages(ctx context.Context, db *vulndb.DB, osInfo *inventory.OS, pkgs []inventory.Package) ([]finding.Finding, Stats, error) {
	m := matcher{os: osInfo, stats: Stats{Packages: len(pkgs)}, lookups: map[string][]vulndb.Entry{}, records: map[string]*vulndb.Record{}, cves: map[string]*cveInfo{}}
	if e, ok := db.Metadata().Sources[vulndb.SourceEPSS]; ok {
		m.epssDate = e.Newest.Format("2006-01-02")
	}
	var out []finding.Finding
	err := db.View(func(tx *vulndb.Tx) error {
		m.tx = tx
		for i := range pkgs {
			if i%512 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			fs, err := m.match(&pkgs[i])
			if err != nil {
				return err
			}
			out = append(out, fs...)
		}
		return nil
	})
	if err != nil {
		return nil, m.stats, fmt.Errorf("match packages: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Package, out[j].Package
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		if out[i].Location.Path != out[j].Location.Path {
			return out[i].Location.Path < out[j].Location.Path
		}
		return out[i].ID < out[j].ID
	})
	m.stats.Findings = len(out)
	return out, m.stats, nil
}

// skipRating turns severity rating off; only the benchmark that measures
// what rating costs sets it.
var skipRating = false

type matcher struct {
	tx      *vulndb.Tx
	os      *inventory.OS
	stats   Stats
	lookups map[string][]vulndb.Entry
	records map[string]*vulndb.Record
	cves    map[string]*cveInfo
	// epssDate is the score date of the database's EPSS data.
	epssDate string
	// prefixes caches hasIDPrefix.
	prefixes map[string]bool
}

func (m *matcher) lookup(eco, name string) ([]vulndb.Entry, error) {
	k := eco + "\x00" + vulndb.NormalizeName(eco, name)
	if es, ok := m.lookups[k]; ok {
		return es, nil
	}
	m.stats.Lookups++
	es, err := m.tx.Lookup(eco, name)
	if err != nil {
		return nil, err
	}
	m.lookups[k] = es
	return es, nil
}

func (m *matcher) record(id string) (*vulndb.Record, error) {
	if r, ok := m.records[id]; ok {
		return r, nil
	}
	r, err := m.tx.Advisory(id)
	if err != nil {
		return nil, err
	}
	m.records[id] = r
	return r, nil
}

// verdict is what one advisory says about one package.
type verdict struct {
	entries []vulndb.Entry
	fixed   string
}

func (m *matcher) match(p *inventory.Package) ([]finding.Finding, error) {
	t, ok := targetOf(m.os, p)
	if !ok {
		m.stats.Unsupported++
		return nil, nil
	}
	entries, err := m.lookup(t.ecosystem, t.name)
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, nil
	}
	if !t.cmp.Valid(t.version) {
		m.stats.InvalidVersions++
		return nil, nil
	}
	byID := map[string]*verdict{}
	var order []string
	for _, e := range entries {
		if t.release != nil && !t.release(e.Ecosystem) {
			continue
		}
		m.stats.Entries++
		res := evaluate(t, e)
		switch {
		case res.invalid:
			m.stats.InvalidVersions++
			continue
		case res.gitOnly:
			m.stats.NotEvaluated++
			if len(m.stats.NotEvaluatedIDs) < 100 {
				m.stats.NotEvaluatedIDs = append(m.stats.NotEvaluatedIDs, fmt.Sprintf("%s for %s@%s", e.ID, p.Name, p.Version))
			}
			continue
		case !res.affected:
			continue
		}
		v := byID[e.ID]
		if v == nil {
			v = &verdict{}
			byID[e.ID] = v
			order = append(order, e.ID)
		}
		v.entries = append(v.entries, e)
		if res.fixed != "" && (v.fixed == "" || less(t.cmp, res.fixed, v.fixed)) {
			v.fixed = res.fixed
		}
	}
	var out []finding.Finding
	for _, id := range order {
		rec, err := m.record(id)
		if err != nil {
			return nil, err
		}
		if rec == nil || rec.Withdrawn != nil {
			continue
		}
		f := newFinding(p, t, rec, byID[id])
		if !skipRating {
			if err := m.rate(&f, rec, byID[id].entries); err != nil {
				return nil, err
			}
		}
		out = append(out, f)
	}
	return out, nil
}

func less(c version.Comparator, a, b string) bool {
	r, err := c.Compare(a, b)
	return err == nil && r < 0
}

// newFinding builds the finding of one advisory for one package.
func newFinding(p *inventory.Package, t target, rec *vulndb.Record, v *verdict) finding.Finding {
	f := finding.Finding{
		Kind:        finding.Vulnerability,
		ID:          rec.ID,
		Aliases:     aliases(rec),
		Title:       title(rec),
		Description: rec.Details,
		Status:      finding.StatusNoFix,
		Location:    finding.Location{Path: p.Path, Layer: p.Layer},
		Source:      "osv:" + t.ecosystem,
		Package: &finding.PackageRef{
			Name: p.Name, Version: p.Version, Type: p.Type, PURL: p.PURL,
			SourceName: p.SourceName, InstalledVersion: t.version, FixedVersion: v.fixed,
		},
	}
	if v.fixed != "" {
		f.Status = finding.StatusFixed
		f.Fix = "upgrade to " + v.fixed
	}
	for _, r := range rec.References {
		if r.URL != "" {
			f.References = append(f.References, r.URL)
		}
	}
	return f
}

// aliases lists CVE ids first, then the other aliases and upstream ids.
func aliases(rec *vulndb.Record) []string {
	seen := map[string]bool{rec.ID: true}
	var cves, other []string
	for _, list := range [][]string{rec.Aliases, rec.Upstream} {
		for _, a := range list {
			if seen[a] {
				continue
			}
			seen[a] = true
			if strings.HasPrefix(a, "CVE-") {
				cves = append(cves, a)
			} else {
				other = append(other, a)
			}
		}
	}
	return append(cves, other...)
}

func title(rec *vulndb.Record) string {
	if s := strings.TrimSpace(rec.Summary); s != "" {
		return s
	}
	if d := strings.TrimSpace(rec.Details); d != "" {
		line, _, _ := strings.Cut(d, "\n")
		if len(line) > 120 {
			line = line[:117] + "..."
		}
		return line
	}
	return rec.ID
}
