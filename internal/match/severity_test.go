package match

import (
	"context"
	"path/filepath"
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
