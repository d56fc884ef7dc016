package match

import (
	"fmt"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/cvss"
	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/vulndb"
)

// rating is a severity with where it came from.
type rating struct {
	sev    finding.Severity
	score  float64
	source string
	cvss   []finding.CVSS
}

func (r *rating) known() bool { return r != nil && r.sev != finding.Unknown }

// cveInfo is what the database says of one CVE, looked up once per scan.
type cveInfo struct {
	rating *rating
	kev    *finding.KEV
	epss   *finding.EPSS
}

// cvssVersion names the CVSS version of an OSV severity type or vector.
func cvssVersion(typ, vector string) string {
	switch {
	case strings.HasPrefix(vector, "CVSS:4.0/"):
		return "4.0"
	case strings.HasPrefix(vector, "CVSS:3.1/"):
		return "3.1"
	case strings.HasPrefix(vector, "CVSS:3.0/"):
		return "3.0"
	case typ == "CVSS_V2":
		return "2.0"
	}
	return strings.TrimPrefix(typ, "CVSS_V")
}

// ownRating rates an advisory from what it says itself: the base score of
// its CVSS vectors (the affected package's own, else the record's; v4
// before v3 before v2), else an Ubuntu priority, else
// database_specific.severity (GHSA, Red Hat) or urgency (Debian).
// entries narrows the affected packages to those matched; nil means all.
func ownRating(rec *vulndb.Record, entries []vulndb.Entry) *rating {
	var lists [][]vulndb.Severity
	for _, a := range rec.Affected {
		if len(a.Severity) == 0 {
			continue
		}
		if entries == nil {
			lists = append(lists, a.Severity)
			continue
		}
		for _, e := range entries {
			if a.Package.Ecosystem == e.Ecosystem && a.Package.Name == e.Name {
				lists = append(lists, a.Severity)
				break
			}
		}
	}
	lists = append(lists, rec.Severity)
	for _, list := range lists {
		for _, typ := range []string{"CVSS_V4", "CVSS_V3", "CVSS_V2"} {
			for _, s := range list {
				if s.Type != typ {
					continue
				}
				if sc, err := cvss.BaseScore(s.Score); err == nil {
					return &rating{sev: sc.Severity, score: sc.Base, source: "osv:" + rec.ID + " " + typ,
						cvss: []finding.CVSS{{Version: cvssVersion(typ, s.Score), Vector: s.Score, Score: sc.Base, Source: rec.ID}}}
				}
			}
		}
	}
	for _, list := range lists {
		for _, s := range list {
			if s.Type == "Ubuntu" {
				if sev, err := finding.ParseSeverity(s.Score); err == nil && sev != finding.Unknown {
					return &rating{sev: sev, source: "osv:" + rec.ID + " Ubuntu priority"}
				}
			}
		}
	}
	for _, a := range rec.Affected {
		if sev := databaseSeverity(a.DatabaseSpecific); sev != finding.Unknown {
			return &rating{sev: sev, source: "osv:" + rec.ID + " severity"}
		}
	}
	if sev := databaseSeverity(rec.DatabaseSpecific); sev != finding.Unknown {
		return &rating{sev: sev, source: "osv:" + rec.ID + " severity"}
	}
	if sev := debianUrgency(rec); sev != finding.Unknown {
		return &rating{sev: sev, source: "osv:" + rec.ID + " urgency"}
	}
	return nil
}

func databaseSeverity(raw []byte) finding.Severity {
	sev, err := finding.ParseSeverity(vulndb.DatabaseSeverity(raw))
	if err != nil {
		return finding.Unknown
	}
	return sev
}

// debianUrgency reads the Debian security tracker's urgency, which
// DEBIAN-CVE records carry in database_specific or an affected entry's
// ecosystem_specific ("low", "medium", "high", "unimportant"; a trailing
// "*" marks a guess; "not yet assigned" rates nothing).
func debianUrgency(rec *vulndb.Record) finding.Severity {
	for _, raw := range append([][]byte{rec.DatabaseSpecific}, affectedDB(rec)...) {
		u := vulndb.DatabaseField(raw, "urgency")
		switch strings.TrimSuffix(strings.ToLower(strings.TrimSpace(u)), "*") {
		case "unimportant":
			return finding.Low
		case "low":
			return finding.Low
		case "medium":
			return finding.Medium
		case "high":
			return finding.High
		}
	}
	return finding.Unknown
}

func affectedDB(rec *vulndb.Record) [][]byte {
	var out [][]byte
	for _, a := range rec.Affected {
		out = append(out, a.DatabaseSpecific, a.EcosystemSpecific)
	}
	return out
}

// cveRating rates one CVE from the database: the advisories that are
// aliases or upstream of the finding's record and name this CVE (GHSA
// and others), the distro's per-CVE records (DEBIAN-CVE-..., UBUNTU-CVE-...)
// and an OSV record of the CVE itself, in that order; else NVD's own
// CVSS (Primary), the other NVD entries kept visible.
func (m *matcher) cveInfo(cve string, rec *vulndb.Record) (*cveInfo, error) {
	if ci, ok := m.cves[cve]; ok {
		return ci, nil
	}
	ci := &cveInfo{}
	var candidates []string
	for _, list := range [][]string{rec.Aliases, rec.Upstream} {
		for _, id := range list {
			if !strings.HasPrefix(id, "CVE-") && id != rec.ID {
				candidates = append(candidates, id)
			}
		}
	}
	for _, prefix := range []string{"DEBIAN-", "UBUNTU-", ""} {
		if m.hasIDPrefix(prefix + "CVE-") {
			candidates = append(candidates, prefix+cve)
		}
	}
	for _, id := range candidates {
		other, err := m.record(id)
		if err != nil {
			return nil, err
		}
		if other == nil || other.Withdrawn != nil || !names(other, cve) {
			continue
		}
		if r := ownRating(other, nil); r.known() {
			ci.rating = r
			break
		}
	}
	nvd, err := m.tx.NVD(cve)
	if err != nil {
		return nil, err
	}
	if nvd != nil {
		var all []finding.CVSS
		for _, e := range nvd.CVSS {
			all = append(all, finding.CVSS{Version: e.Version, Vector: e.Vector, Score: e.Score, Source: e.Source, Type: e.Type})
		}
		if ci.rating == nil {
			if p, ok := nvd.Preferred(); ok {
				sev := nvdSeverity(p)
				r := &rating{sev: sev, score: p.Score, source: fmt.Sprintf("nvd:%s CVSS %s %s (%s)", cve, p.Version, orPrimary(p.Type), p.Source)}
				r.cvss = append(r.cvss, finding.CVSS{Version: p.Version, Vector: p.Vector, Score: p.Score, Source: p.Source, Type: p.Type})
				for _, c := range all {
					if c != r.cvss[0] {
						r.cvss = append(r.cvss, c)
					}
				}
				ci.rating = r
			}
		} else {
			ci.rating.cvss = append(append([]finding.CVSS(nil), ci.rating.cvss...), all...)
		}
	}
	if k, err := m.tx.KEV(cve); err != nil {
		return nil, err
	} else if k != nil {
		ci.kev = &finding.KEV{CVE: cve, DateAdded: k.DateAdded, DueDate: k.DueDate, Ransomware: k.Ransomware}
	}
	if e, err := m.tx.EPSS(cve); err != nil {
		return nil, err
	} else if e != nil {
		ci.epss = &finding.EPSS{CVE: cve, Score: e.Score, Percentile: e.Percentile, Date: m.epssDate}
	}
	m.cves[cve] = ci
	return ci, nil
}

// hasIDPrefix reports, once per scan, whether the database holds records
// whose ids start with prefix (so that a scan of a database without
// DEBIAN-CVE records does not look each CVE up there).
func (m *matcher) hasIDPrefix(prefix string) bool {
	if v, ok := m.prefixes[prefix]; ok {
		return v
	}
	if m.prefixes == nil {
		m.prefixes = map[string]bool{}
	}
	v := m.tx.HasIDPrefix(prefix)
	m.prefixes[prefix] = v
	return v
}

func orPrimary(t string) string {
	if t == "" {
		return "Primary"
	}
	return t
}

// nvdSeverity is the severity of an NVD rating: computed from the vector
// when it reads, else NVD's own word.
func nvdSeverity(e vulndb.CVSSEntry) finding.Severity {
	if e.Vector != "" {
		v := e.Vector
		if e.Version == "2.0" && !strings.HasPrefix(v, "CVSS:") {
			v = "CVSS:2.0/" + v
		}
		if sc, err := cvss.BaseScore(v); err == nil && sc.Severity != finding.Unknown {
			return sc.Severity
		}
	}
	if sev, err := finding.ParseSeverity(e.Severity); err == nil && sev != finding.Unknown {
		return sev
	}
	switch {
	case e.Score >= 9:
		return finding.Critical
	case e.Score >= 7:
		return finding.High
	case e.Score >= 4:
		return finding.Medium
	case e.Score > 0:
		return finding.Low
	}
	return finding.Unknown
}

// names reports whether a record is about a CVE (its id, an alias or an
// upstream id).
func names(rec *vulndb.Record, cve string) bool {
	for _, c := range rec.CVEs() {
		if c == cve {
			return true
		}
	}
	return strings.HasSuffix(rec.ID, cve)
}

// rate sets a finding's severity, its source, CVSS, CVEs, KEV and EPSS:
// the record's own rating wins; else each CVE is rated on its own (see
// cveInfo) and the finding takes the highest.
func (m *matcher) rate(f *finding.Finding, rec *vulndb.Record, entries []vulndb.Entry) error {
	own := ownRating(rec, entries)
	var best *rating
	if own.known() {
		best = own
	}
	cves := rec.CVEs()
	for _, cve := range cves {
		ci, err := m.cveInfo(cve, rec)
		if err != nil {
			return err
		}
		c := finding.CVE{ID: cve, KEV: ci.kev, EPSS: ci.epss}
		r := ci.rating
		if own.known() {
			r = own
		}
		if r.known() {
			c.Severity, c.Score, c.SeveritySource = r.sev, r.score, r.source
			if len(r.cvss) > 0 {
				c.Vector = r.cvss[0].Vector
			}
			if best == nil || r.sev > best.sev || (r.sev == best.sev && r.score > best.score) {
				best = r
			}
		}
		f.CVEs = append(f.CVEs, c)
		if ci.kev != nil && (f.KEV == nil || ci.kev.DateAdded < f.KEV.DateAdded) {
			f.KEV = ci.kev
		}
		if ci.epss != nil && (f.EPSS == nil || ci.epss.Score > f.EPSS.Score) {
			f.EPSS = ci.epss
		}
	}
	if best != nil {
		f.Severity, f.Score, f.SeveritySource = best.sev, best.score, best.source
		f.CVSS = best.cvss
	}
	return nil
}
