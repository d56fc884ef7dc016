package vulndb

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Import builds the database at dbPath from a local source: a folder in the
// osv.dev export layout (<ECO>/all.zip or <ECO>/*.json), a single all.zip
// (its folder names the ecosystem), a file written by Export, or a folder of
// OSV JSON files. The ecosystems found in the source replace the same
// ecosystems of an existing database; the others are kept. Malformed
// records are skipped and named in Stats.Problems. The new database
// replaces the old one only once it is complete.
func Import(ctx context.Context, dbPath, src string) (Stats, error) {
	start := time.Now()
	var stats Stats
	abs, err := filepath.Abs(src)
	if err != nil {
		abs = src
	}
	old, err := Open(dbPath)
	if err != nil && !errors.Is(err, ErrNoDatabase) {
		// An unreadable old file is rebuilt from scratch, not a dead end.
		stats.Warnings = append(stats.Warnings, fmt.Sprintf("the old database is unreadable (%v): building a new one", err))
		old = nil
	}
	if old != nil {
		defer old.Close()
	}
	b, err := newBuilder(dbPath, abs, start, &stats)
	if err != nil {
		return stats, err
	}
	counts, err := readSource(ctx, src, &stats, b.add)
	if err != nil {
		b.abort()
		return stats, fmt.Errorf("import %s: %w", src, err)
	}
	if len(counts) == 0 && stats.Skipped == 0 {
		b.abort()
		return stats, fmt.Errorf("import %s: no OSV records found (want an export folder <ECOSYSTEM>/all.zip, a zip or a folder of JSON files)", src)
	}
	for eco, n := range counts {
		b.setEcosystemInfo(eco, abs, start)
		stats.Ecosystems = setStats(stats.Ecosystems, eco, EcosystemStats{Mode: "full", Fetched: n})
	}
	if old != nil {
		kept := map[string]bool{}
		for eco := range old.meta.Ecosystems {
			if _, replaced := counts[eco]; !replaced {
				kept[eco] = true
				stats.Ecosystems = setStats(stats.Ecosystems, eco, EcosystemStats{Mode: "kept"})
			}
		}
		if err := b.copyFrom(old, kept, nil); err != nil {
			b.abort()
			return stats, fmt.Errorf("import %s: carry over old records: %w", src, err)
		}
	}
	if err := b.commit(); err != nil {
		return stats, err
	}
	stats.Duration = time.Since(start)
	return stats, nil
}

func setStats(m map[string]EcosystemStats, eco string, s EcosystemStats) map[string]EcosystemStats {
	if m == nil {
		m = map[string]EcosystemStats{}
	}
	m[eco] = s
	return m
}

// ExportManifest is the file bulkhead-export.json at the root of an Export.
type ExportManifest struct {
	Format   string   `json:"format"`
	Exported string   `json:"exported"`
	Metadata Metadata `json:"metadata"`
}

// ExportFormat names the layout Export writes.
const ExportFormat = "bulkhead-osv-export/1"

// Export writes the database at dbPath to w as ONE zip file in the osv.dev
// export layout: <ECOSYSTEM>/<ID>.json for every record (':' in ids
// written as '_'), <ECOSYSTEM>/modified_id.csv (newest first), and
// bulkhead-export.json with the metadata. Import reads that file back, and
// so can any tool that reads the osv.dev layout once unzipped.
func Export(dbPath string, w io.Writer) error {
	db, err := Open(dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	zw := zip.NewWriter(w)
	manifest, err := json.MarshalIndent(ExportManifest{Format: ExportFormat, Exported: time.Now().UTC().Format(time.RFC3339), Metadata: db.meta}, "", "  ")
	if err != nil {
		return fmt.Errorf("export %s: %w", dbPath, err)
	}
	mw, err := zw.Create("bulkhead-export.json")
	if err != nil {
		return fmt.Errorf("export %s: %w", dbPath, err)
	}
	if _, err := mw.Write(manifest); err != nil {
		return fmt.Errorf("export %s: %w", dbPath, err)
	}
	type mod struct {
		t  time.Time
		id string
	}
	sources := make([]string, 0, len(db.meta.Ecosystems))
	for s := range db.meta.Ecosystems {
		sources = append(sources, s)
	}
	sort.Strings(sources)
	err = db.View(func(t *Tx) error {
		for _, src := range sources {
			var mods []mod
			err := t.ForEachIn(src, func(id string, raw []byte) error {
				fw, err := zw.Create(src + "/" + FileName(id))
				if err != nil {
					return err
				}
				if _, err := fw.Write(raw); err != nil {
					return err
				}
				var m struct {
					Modified time.Time `json:"modified"`
				}
				if json.Unmarshal(raw, &m) == nil {
					mods = append(mods, mod{m.Modified, id})
				}
				return nil
			})
			if err != nil {
				return err
			}
			sort.Slice(mods, func(i, j int) bool {
				if !mods[i].t.Equal(mods[j].t) {
					return mods[i].t.After(mods[j].t)
				}
				return mods[i].id < mods[j].id
			})
			var csv strings.Builder
			for _, m := range mods {
				csv.WriteString(m.t.UTC().Format(time.RFC3339) + "," + m.id + "\n")
			}
			cw, err := zw.Create(src + "/modified_id.csv")
			if err != nil {
				return err
			}
			if _, err := io.WriteString(cw, csv.String()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("export %s: %w", dbPath, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("export %s: %w", dbPath, err)
	}
	return nil
}
