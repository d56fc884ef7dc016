package main

import (
	"archive/zip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// osvMirror writes the export layout (<eco>/all.zip, modified_id.csv) of
// the OSV records under src.
func osvMirror(t *testing.T, src string) string {
	t.Helper()
	out := t.TempDir()
	ecos, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ecos {
		files, _ := filepath.Glob(filepath.Join(src, e.Name(), "*.json"))
		dir := filepath.Join(out, e.Name())
		os.MkdirAll(dir, 0o755)
		f, err := os.Create(filepath.Join(dir, "all.zip"))
		if err != nil {
			t.Fatal(err)
		}
		zw := zip.NewWriter(f)
		var csv []string
		for _, p := range files {
			raw, _ := os.ReadFile(p)
			var rec struct {
				ID       string    `json:"id"`
				Modified time.Time `json:"modified"`
			}
			if err := json.Unmarshal(raw, &rec); err != nil {
				t.Fatal(err)
			}
			w, _ := zw.Create(rec.ID + ".json")
			w.Write(raw)
			csv = append(csv, rec.Modified.UTC().Format(time.RFC3339)+","+rec.ID)
		}
		zw.Close()
		f.Close()
		os.WriteFile(filepath.Join(dir, "modified_id.csv"), []byte(strings.Join(csv, "\n")+"\n"), 0o644)
	}
	return out
}

// TestFirstRunFetchesDatabase: with no database at the default path, a
// scan fetches one (here from a file:// mirror, as BULKHEAD_DB_MIRROR
// allows) and uses it: no example database, no failure.
func TestFirstRunFetchesDatabase(t *testing.T) {
	repo := testenv.RepoRoot(t)
	mirror := osvMirror(t, filepath.Join(repo, "examples", "osv"))
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("BULKHEAD_OFFLINE", "")
	t.Setenv("BULKHEAD_DB_MIRROR", "file://"+mirror)
	code, out, errs := run(t, "scan", "image", "dir:"+filepath.Join(repo, "examples", "rootfs"), "--scanners", "vuln", "--format", "json", "--cache-dir", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	var vuln *report.ScannerStatus
	for i := range r.Scanners {
		if r.Scanners[i].Name == "vulnerability" {
			vuln = &r.Scanners[i]
		}
	}
	if vuln == nil || vuln.State != report.StateDone || vuln.Database == nil || vuln.Database.Label != "" {
		t.Fatalf("scanners = %+v", r.Scanners)
	}
	if want := filepath.Join(cache, "bulkhead", "db", "osv.db"); vuln.Database.Path != want {
		t.Errorf("database %s, want the fetched %s", vuln.Database.Path, want)
	}
	ids := map[string]bool{}
	for _, f := range r.Findings {
		ids[f.ID] = true
	}
	if !ids["DSA-5343-1"] || !ids["PYSEC-2021-142"] {
		t.Errorf("findings %v", ids)
	}
	if _, err := os.Stat(filepath.Join(cache, "bulkhead", "db", "osv.db")); err != nil {
		t.Errorf("no database left at the default path: %v", err)
	}
}

// TestDBUpdateFromMirrors: with --mirror, `db update` fetches OSV from it
// and the other sources only from the URLs given (an air-gapped host
// reaches nothing else): here KEV and EPSS from files, NVD not at all.
func TestDBUpdateFromMirrors(t *testing.T) {
	repo := testenv.RepoRoot(t)
	mirror := osvMirror(t, filepath.Join(repo, "examples", "osv"))
	dir := t.TempDir()
	kev := filepath.Join(dir, "kev.json")
	os.WriteFile(kev, []byte(`{"catalogVersion":"1","dateReleased":"2025-01-02T00:00:00Z","count":1,"vulnerabilities":[{"cveID":"CVE-2022-1292","dateAdded":"2025-01-02","dueDate":"2025-01-23"}]}`), 0o644)
	epss := filepath.Join(repo, "internal", "vulndb", "testdata", "epss", "epss_scores-2025-08-25.csv.gz")
	db := filepath.Join(dir, "osv.db")
	code, out, errs := run(t, "db", "update", "--db", db, "-q", "--mirror", "file://"+mirror, "--kev-url", "file://"+kev, "--epss-url", "file://"+epss)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"kev ", "epss ", "Debian "} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "nvd ") {
		t.Errorf("NVD fetched although no --nvd-url was given:\n%s", out)
	}
	code, out, _ = run(t, "scan", "image", "dir:"+filepath.Join(repo, "examples", "rootfs"), "--db", db, "--scanners", "vuln", "--cache-dir", t.TempDir())
	kevRow := false
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, " KEV ") && strings.Contains(l, "CVE-2022-1292") {
			kevRow = true
		}
	}
	if code != 0 || !kevRow {
		t.Errorf("exit %d; no KEV row for CVE-2022-1292:\n%s", code, out)
	}
}
