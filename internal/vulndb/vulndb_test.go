package vulndb

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func importFixtures(t *testing.T) (string, Stats) {
	t.Helper()
	dbPath := filepath.Join(t.TempDir(), "db", "osv.db")
	stats, err := Import(context.Background(), dbPath, "testdata/osv")
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	return dbPath, stats
}

func TestImportFixtures(t *testing.T) {
	dbPath, stats := importFixtures(t)
	if stats.Records != 4 || stats.Withdrawn != 1 || stats.Skipped != 1 {
		t.Errorf("stats: records=%d withdrawn=%d skipped=%d, want 4, 1, 1", stats.Records, stats.Withdrawn, stats.Skipped)
	}
	// The malformed record is named with its file and reason.
	if len(stats.Problems) != 1 || !strings.Contains(stats.Problems[0], "PYSEC-9001-2.json") || !strings.Contains(stats.Problems[0], "malformed") {
		t.Errorf("problems = %q, want one naming PYSEC-9001-2.json", stats.Problems)
	}
	db, err := Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tests := []struct {
		eco, name string
		want      []string
	}{
		{"Debian:11", "openssl", []string{"DSA-9001-1/Debian:11", "DSA-9001-1/Debian:12"}},
		{"Debian", "zlib", nil}, // withdrawn: stored, not indexed
		{"npm", "lodash", []string{"GHSA-9001-lodash/npm"}},
		{"npm", "Lodash", nil},
		{"PyPI", "pyyaml", []string{"PYSEC-9001-1/PyPI"}},
		{"PyPI", "PyYaml", []string{"PYSEC-9001-1/PyPI"}},
		{"Go", "golang.org/x/text", nil},
	}
	err = db.View(func(tx *Tx) error {
		for _, tt := range tests {
			entries, err := tx.Lookup(tt.eco, tt.name)
			if err != nil {
				return err
			}
			var got []string
			for _, e := range entries {
				got = append(got, e.ID+"/"+e.Ecosystem)
			}
			sort.Strings(got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Lookup(%q, %q) (-want +got):\n%s", tt.eco, tt.name, diff)
			}
		}
		r, err := tx.Record("DLA-9002-1")
		if err != nil {
			return err
		}
		if r == nil || r.Withdrawn == nil {
			t.Errorf("Record(DLA-9002-1) = %+v, want the withdrawn record", r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	st := db.Status()
	var names []string
	for _, e := range st.Ecosystems {
		names = append(names, e.Name)
	}
	if diff := cmp.Diff([]string{"Debian", "PyPI", "npm"}, names); diff != "" {
		t.Errorf("status ecosystems (-want +got):\n%s", diff)
	}
	if st.Records != 4 || !st.Newest.Equal(time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("status records=%d newest=%s", st.Records, st.Newest)
	}
}

func TestOpenMissing(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "none.db"))
	if !errors.Is(err, ErrNoDatabase) || !strings.Contains(err.Error(), "bulkhead db update") {
		t.Errorf("Open(missing) = %v, want ErrNoDatabase with a hint", err)
	}
	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, []byte("not a database at all, but long enough to look like something"), 0o644)
	if _, err := Open(junk); err == nil {
		t.Errorf("Open(junk) succeeded")
	}
}

func TestCheckStale(t *testing.T) {
	dbPath, _ := importFixtures(t)
	db, err := Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The age is the data's, not the file's: the fixtures' newest record
	// is what counts, however recently they were imported.
	var newest time.Time
	for _, e := range db.Metadata().Ecosystems {
		if e.Newest.After(newest) {
			newest = e.Newest
		}
	}
	if err := db.CheckStale(7*24*time.Hour, newest.Add(24*time.Hour)); err != nil {
		t.Errorf("1 day old: %v", err)
	}
	if err := db.CheckStale(7*24*time.Hour, newest.Add(8*24*time.Hour)); !errors.Is(err, ErrStale) {
		t.Errorf("8 days old: %v, want ErrStale", err)
	}
	// Just imported, but the data is years old: stale.
	if err := db.CheckStale(7*24*time.Hour, time.Now()); !errors.Is(err, ErrStale) || !strings.Contains(err.Error(), "osv data newest") {
		t.Errorf("old data imported today: %v, want ErrStale naming the OSV data", err)
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	dbPath, _ := importFixtures(t)
	var buf bytes.Buffer
	if err := Export(dbPath, &buf); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	want := []string{"bulkhead-export.json", "Debian/DLA-9002-1.json", "Debian/DSA-9001-1.json", "Debian/modified_id.csv",
		"PyPI/PYSEC-9001-1.json", "PyPI/modified_id.csv", "npm/GHSA-9001-lodash.json", "npm/modified_id.csv"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("export entries (-want +got):\n%s", diff)
	}
	exported := filepath.Join(t.TempDir(), "bulkhead-db.zip")
	if err := os.WriteFile(exported, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "osv.db")
	stats, err := Import(context.Background(), other, exported)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Records != 4 || stats.Withdrawn != 1 {
		t.Errorf("re-import: records=%d withdrawn=%d, want 4 and 1", stats.Records, stats.Withdrawn)
	}
	a, b := dump(t, dbPath), dump(t, other)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("round trip changed records (-before +after):\n%s", diff)
	}
}

// dump returns source/id -> raw record of a database.
func dump(t *testing.T, path string) map[string]string {
	t.Helper()
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string]string{}
	if err := db.View(func(tx *Tx) error {
		return tx.ForEach(func(src, id string, raw []byte) error {
			out[src+"/"+id] = string(raw)
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestImportKeepsOtherEcosystems(t *testing.T) {
	dbPath, _ := importFixtures(t)
	// Re-import only npm: Debian and PyPI stay.
	stats, err := Import(context.Background(), dbPath, "testdata/osv/npm/GHSA-9001-lodash.json")
	if err != nil {
		t.Fatal(err)
	}
	if stats.Ecosystems["Debian"].Mode != "kept" || stats.Records != 4 {
		t.Errorf("stats = %+v, want Debian kept and 4 records", stats)
	}
}

func TestImportNothing(t *testing.T) {
	empty := t.TempDir()
	if _, err := Import(context.Background(), filepath.Join(t.TempDir(), "osv.db"), empty); err == nil {
		t.Errorf("Import(empty folder) succeeded")
	}
}

func TestNormalizeName(t *testing.T) {
	tests := []struct{ eco, in, want string }{
		{"PyPI", "PyYAML", "pyyaml"},
		{"PyPI", "zope.interface", "zope-interface"},
		{"PyPI", "Foo__Bar-.baz", "foo-bar-baz"},
		{"NuGet", "Newtonsoft.Json", "newtonsoft.json"},
		{"npm", "@Scope/Pkg", "@Scope/Pkg"},
		{"Maven", "org.apache:Log4j", "org.apache:Log4j"},
		{"Debian:12", "openssl", "openssl"},
	}
	for _, tt := range tests {
		if got := NormalizeName(tt.eco, tt.in); got != tt.want {
			t.Errorf("NormalizeName(%q, %q) = %q, want %q", tt.eco, tt.in, got, tt.want)
		}
	}
}

// FuzzParseRecord checks that no input panics the record parser and that
// an accepted record has an id.
func FuzzParseRecord(f *testing.F) {
	files, _ := filepath.Glob("testdata/osv/*/*.json")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"id":"A","affected":[{"package":{"ecosystem":"npm"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRecord(data)
		if err == nil && strings.TrimSpace(r.ID) == "" {
			t.Fatalf("accepted a record without an id: %q", data)
		}
	})
}

func TestEntryCodec(t *testing.T) {
	es := []Entry{
		{ID: "A-1", Ecosystem: "Debian:12", Name: "openssl", PURL: "pkg:deb/debian/openssl", Modified: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
			Ranges: []Range{{Type: RangeEcosystem, Events: []Event{{Introduced: "0"}, {Fixed: "1.0"}, {LastAffected: "0.9"}, {Limit: "2"}}},
				{Type: RangeGit, Repo: "https://example.invalid/r", Events: []Event{{Introduced: "abc"}}}},
			Versions: []string{"0.1", "0.2"}},
		{ID: "B-2", Ecosystem: "npm", Name: "x", Modified: time.Unix(0, 0).UTC()},
	}
	got, err := decodeEntries(encodeEntries(es))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(es, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	enc := encodeEntries(es)
	for i := 0; i < len(enc); i++ {
		decodeEntries(enc[:i]) // must not panic on truncation
	}
}

// FuzzDecodeEntries checks that a corrupt index value never panics.
func FuzzDecodeEntries(f *testing.F) {
	f.Add(encodeEntries([]Entry{{ID: "A", Ranges: []Range{{Type: "SEMVER", Events: []Event{{Introduced: "0"}}}}}}))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		decodeEntries(b)
	})
}

func TestAdvisory(t *testing.T) {
	dbPath, _ := importFixtures(t)
	db, err := Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *Tx) error {
		full, err := tx.Record("GHSA-9001-lodash")
		if err != nil {
			return err
		}
		lite, err := tx.Advisory("GHSA-9001-lodash")
		if err != nil {
			return err
		}
		for i := range full.Affected {
			full.Affected[i].Ranges, full.Affected[i].Versions, full.Affected[i].EcosystemSpecific = nil, nil, nil
		}
		full.SchemaVersion = ""
		if diff := cmp.Diff(full, lite); diff != "" {
			t.Errorf("Advisory (-Record without ranges +Advisory):\n%s", diff)
		}
		none, err := tx.Advisory("NOPE-1")
		if none != nil || err != nil {
			t.Errorf("Advisory(NOPE-1) = %v, %v", none, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
