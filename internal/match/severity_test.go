package match

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
	"github.com/bulkhead-sec/bulkhead/internal/vulndb"
)

// imagePackages are the vulnerable packages of TestImageVulnerabilities.
var imagePackages = []inventory.Package{
	{Name: "libssl1.1", Version: "1.1.1n-0+deb11u1", Type: "deb", SourceName: "openssl"},
	{Name: "golang.org/x/text", Version: "v0.3.7", Type: "golang"},
	{Name: "lodash", Version: "4.17.15", Type: "npm"},
	{Name: "PyYAML", Version: "5.3.1", Type: "pypi"},
}

// TestSeverityFromSources matches the image's packages against the real
// OSV, NVD and KEV data and the EPSS fixture: every finding gets a
// severity, from the record itself where it has one (the GHSA), else from
// NVD's Primary CVSS of its CVEs, each CVE of a distro advisory rated on
// its own.
func TestSeverityFromSources(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 18k records; skipped with -short")
	}
	osv := testenv.SharedDir(t, "vulndata/osv")
	nvd := testenv.SharedDir(t, "vulndata/nvd")
	kev := testenv.SharedDir(t, "vulndata/kev")
	dbPath := filepath.Join(t.TempDir(), "osv.db")
	if _, err := vulndb.Import(context.Background(), dbPath, osv, nvd, kev, "../vulndb/testdata/epss/epss_scores-2025-08-25.csv.gz"); err != nil {
		t.Fatal(err)
	}
	db, err := vulndb.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, _, err := Packages(context.Background(), db, &inventory.OS{ID: "debian", VersionID: "11"}, imagePackages)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		sev    finding.Severity
		score  float64
		source string
	}{
		"DSA-5139-1":          {finding.High, 7.3, "nvd:CVE-2022-1292 CVSS 3.1 Primary (nvd@nist.gov)"},
		"DSA-5343-1":          {finding.High, 7.5, "nvd:CVE-2022-4450 CVSS 3.1 Primary (nvd@nist.gov)"},
		"GO-2022-1059":        {finding.High, 7.5, "nvd:CVE-2022-32149 CVSS 3.1 Primary (nvd@nist.gov)"},
		"GHSA-35jh-r3h4-6jhm": {finding.High, 7.2, "osv:GHSA-35jh-r3h4-6jhm CVSS_V3"},
		"PYSEC-2021-142":      {finding.Critical, 9.8, "nvd:CVE-2020-14343 CVSS 3.1 Primary (nvd@nist.gov)"},
	}
	seen := map[string]*finding.Finding{}
	for i := range got {
		f := &got[i]
		seen[f.ID] = f
		if f.Severity == finding.Unknown && f.SeveritySource != "" {
			t.Errorf("%s: UNKNOWN but a source %q", f.ID, f.SeveritySource)
		}
		w, ok := want[f.ID]
		if !ok {
			continue
		}
		if f.Severity != w.sev || f.Score != w.score || f.SeveritySource != w.source {
			t.Errorf("%s: %s %.1f from %q, want %s %.1f from %q", f.ID, f.Severity, f.Score, f.SeveritySource, w.sev, w.score, w.source)
		}
		if len(f.CVSS) == 0 || f.CVSS[0].Score != w.score {
			t.Errorf("%s: CVSS %+v", f.ID, f.CVSS)
		}
	}
	// GO-2026-5970 names only CVE-2026-56852, which no source rates: it
	// stays UNKNOWN, with no source claimed.
	if f := seen["GO-2026-5970"]; f == nil || f.Severity != finding.Unknown {
		t.Errorf("GO-2026-5970: %+v", f)
	}
	for id := range want {
		if seen[id] == nil {
			t.Errorf("no finding %s", id)
		}
	}
	// DSA-5343-1 names five CVEs, each rated on its own from NVD.
	if f := seen["DSA-5343-1"]; f != nil {
		per := map[string]string{}
		for _, c := range f.CVEs {
			per[c.ID] = c.Severity.String()
		}
		wantPer := map[string]string{"CVE-2022-2097": "MEDIUM", "CVE-2022-4304": "MEDIUM", "CVE-2022-4450": "HIGH", "CVE-2023-0215": "HIGH", "CVE-2023-0286": "HIGH"}
		for k, v := range wantPer {
			if per[k] != v {
				t.Errorf("DSA-5343-1 %s: %q, want %s (all %v)", k, per[k], v, per)
			}
		}
	}
	// CVE-2022-1292: NVD's Primary (7.3) wins over CISA ADP's Secondary
	// (9.8), which stays visible.
	if f := seen["DSA-5139-1"]; f != nil {
		found := false
		for _, c := range f.CVSS[1:] {
			if c.Score == 9.8 && c.Type == "Secondary" {
				found = true
			}
		}
		if !found {
			t.Errorf("DSA-5139-1: the Secondary 9.8 is not kept: %+v", f.CVSS)
		}
		if f.EPSS == nil || f.EPSS.Score != 0.2151 || f.EPSS.Date != "2025-08-25" {
			t.Errorf("DSA-5139-1 EPSS = %+v", f.EPSS)
		}
		if f.KEV != nil {
			t.Errorf("DSA-5139-1 is not in KEV: %+v", f.KEV)
		}
	}
}

// BenchmarkSeverityOverhead measures what rating adds to a match run (the
// record's own severity, alias records, NVD, KEV and EPSS lookups) over
// the real OSV, NVD and KEV data: every Debian 11, Go and PyPI package with
// an advisory (the worst case: every package has findings to rate). Compare
// cpu-s/op of rated and unrated.
func BenchmarkSeverityOverhead(b *testing.B) {
	osv := testenv.SharedDir(b, "vulndata/osv")
	nvd := testenv.SharedDir(b, "vulndata/nvd")
	kev := testenv.SharedDir(b, "vulndata/kev")
	dbPath := filepath.Join(b.TempDir(), "osv.db")
	if _, err := vulndb.Import(context.Background(), dbPath, osv, nvd, kev, "../vulndb/testdata/epss/epss_scores-2025-08-25.csv.gz"); err != nil {
		b.Fatal(err)
	}
	db, err := vulndb.Open(dbPath)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	worst := benchPackages(b, db)
	// A typical image: 400 packages, one in twenty with advisories.
	var typical []inventory.Package
	for i := 0; len(typical) < 400 && i < len(worst); i++ {
		p := worst[i]
		if i%20 != 0 {
			p.Name = "plain-" + p.Name
		}
		typical = append(typical, p)
	}
	osInfo := &inventory.OS{ID: "debian", VersionID: "11"}
	for _, mode := range []string{"worst/unrated", "worst/rated", "typical/unrated", "typical/rated"} {
		pkgs := worst
		if strings.HasPrefix(mode, "typical") {
			pkgs = typical
		}
		b.Run(mode, func(b *testing.B) {
			skipRating = strings.HasSuffix(mode, "unrated")
			defer func() { skipRating = false }()
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				if _, _, err := Packages(context.Background(), db, osInfo, pkgs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

// TestSeverityFromAliasRecords: without a rating of its own, a record is
// rated by another record of the database about the same CVE: its GHSA
// alias (CVSS), else the DEBIAN-CVE record (urgency); an NVD rating comes
// only after those. KEV comes from the catalog.
func TestSeverityFromAliasRecords(t *testing.T) {
	src := t.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(src, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("osv/Go/GO-2099-0001.json", `{"id":"GO-2099-0001","modified":"2099-01-01T00:00:00Z","aliases":["CVE-2099-1111","GHSA-2099-aaaa-bbbb"],
 "affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.0"}]}]}]}`)
	write("osv/Go/GHSA-2099-aaaa-bbbb.json", `{"id":"GHSA-2099-aaaa-bbbb","modified":"2099-01-01T00:00:00Z","aliases":["CVE-2099-1111"],
 "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
 "affected":[{"package":{"ecosystem":"Go","name":"example.com/other"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"9.9.9"}]}]}]}`)
	write("osv/Debian/DSA-9999-1.json", `{"id":"DSA-9999-1","modified":"2099-01-01T00:00:00Z","upstream":["CVE-2099-2222","CVE-2099-3333"],
 "affected":[{"package":{"ecosystem":"Debian:11","name":"libfoo"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0-2"}]}]}]}`)
	write("osv/Debian/DEBIAN-CVE-2099-2222.json", `{"id":"DEBIAN-CVE-2099-2222","modified":"2099-01-01T00:00:00Z","upstream":["CVE-2099-2222"],
 "affected":[{"package":{"ecosystem":"Debian:11","name":"libfoo"},"ecosystem_specific":{"urgency":"high"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0-2"}]}]}]}`)
	write("osv/Debian/DEBIAN-CVE-2099-3333.json", `{"id":"DEBIAN-CVE-2099-3333","modified":"2099-01-01T00:00:00Z","upstream":["CVE-2099-3333"],
 "affected":[{"package":{"ecosystem":"Debian:11","name":"libfoo"},"ecosystem_specific":{"urgency":"unimportant"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0-2"}]}]}]}`)
	write("kev.json", `{"catalogVersion":"1","dateReleased":"2099-01-02T00:00:00Z","count":1,"vulnerabilities":[{"cveID":"CVE-2099-3333","dateAdded":"2099-01-02","dueDate":"2099-01-23","knownRansomwareCampaignUse":"Unknown"}]}`)
	dbPath := filepath.Join(t.TempDir(), "osv.db")
	if _, err := vulndb.Import(context.Background(), dbPath, filepath.Join(src, "osv"), filepath.Join(src, "kev.json")); err != nil {
		t.Fatal(err)
	}
	db, err := vulndb.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, _, err := Packages(context.Background(), db, &inventory.OS{ID: "debian", VersionID: "11"}, []inventory.Package{
		{Name: "example.com/m", Version: "v1.0.0", Type: "golang"},
		{Name: "libfoo", Version: "1.0-1", Type: "deb"},
	})
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]*finding.Finding{}
	for i := range got {
		by[got[i].ID] = &got[i]
	}
	if f := by["GO-2099-0001"]; f == nil || f.Severity != finding.Critical || f.SeveritySource != "osv:GHSA-2099-aaaa-bbbb CVSS_V3" {
		t.Errorf("GO-2099-0001 = %+v", f)
	}
	f := by["DSA-9999-1"]
	if f == nil || f.Severity != finding.High || f.SeveritySource != "osv:DEBIAN-CVE-2099-2222 urgency" {
		t.Fatalf("DSA-9999-1 = %+v", f)
	}
	if len(f.CVEs) != 2 || f.CVEs[1].Severity != finding.Low || f.CVEs[1].KEV == nil {
		t.Errorf("DSA-9999-1 CVEs = %+v", f.CVEs)
	}
	if f.KEV == nil || f.KEV.CVE != "CVE-2099-3333" || f.KEV.DueDate != "2099-01-23" {
		t.Errorf("DSA-9999-1 KEV = %+v", f.KEV)
	}
}
