package vulndb

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// TestImportShared imports the whole shared OSV data set.
func TestImportShared(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 18k records; skipped with -short")
	}
	src := testenv.SharedDir(t, "vulndata/osv")
	dbPath := filepath.Join(t.TempDir(), "osv.db")
	stats, err := Import(context.Background(), dbPath, src)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("records=%d skipped=%d withdrawn=%d in %s; problems %v", stats.Records, stats.Skipped, stats.Withdrawn, stats.Duration, stats.Problems)
	if stats.Records < 18000 {
		t.Errorf("imported %d records, want the ~18.6k of the shared data", stats.Records)
	}
	db, err := Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := map[string]int{"Debian": 8836, "Go": 4291, "PyPI": 2661, "Alpine": 2442, "Maven": 359}
	got := db.Status()
	for _, e := range got.Ecosystems {
		if w, ok := want[e.Name]; ok && w != e.Records {
			t.Errorf("%s: %d records, want %d", e.Name, e.Records, w)
		}
	}
}
