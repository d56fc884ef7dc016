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

// Import builds the database at dbPath from local sources, each
// recognised by its content: OSV data (a folder in the osv.dev export
// layout <ECO>/all.zip or <ECO>/*.json, a single all.zip whose folder
// names the ecosystem, a file written by Export, or a folder of OSV JSON
// files), NVD CVE API 2.0 responses (a file or a folder of pages), CISA's
// KEV catalog, or FIRST's EPSS scores (CSV, gzip or not). What a source
// holds replaces the same part of an existing database (the same OSV
// ecosystems, or the whole NVD, KEV or EPSS data); everything else is
// kept. Malformed OSV records are skipped and named in Stats.Problems; a
// malformed NVD page, KEV catalog or EPSS file fails the import. The new
// database replaces the old one only once it is complete.
func Import(ctx context.Context, dbPath string, srcs ...string) (Stats, error) {
	start := time.Now()
	var stats Stats
	if len(srcs) == 0 {
		return stats, fmt.Errorf("import: no source given")
	}
	kinds := make([]string, len(srcs))
	for i, src := range srcs {
		k, err := DetectSource(src)
		if err != nil {
			return stats, fmt.Errorf("import: %w", err)
		}
		kinds[i] = k
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
	var osvAbs []string
	for i, src := range srcs {
		if kinds[i] == SourceOSV {
			osvAbs = append(osvAbs, absPath(src))
		}
	}
	b, err := newBuilder(dbPath, strings.Join(osvAbs, ","), start, &stats)
	if err != nil {
		return stats, err
	}
	if len(osvAbs) == 0 && old != nil {
		b.meta.Source = old.meta.Source
	}
	ok := false
	defer func() {
		if !ok {
			b.abort()
		}
	}()
	counts := map[string]int{}
	done := map[string]bool{}
	for i, src := range srcs {
		if err := ctx.Err(); err != nil {
			return stats, err
		}
		abs := absPath(src)
		if kinds[i] != SourceOSV {
			if done[kinds[i]] {
				return stats, fmt.Errorf("import %s: a second %s source in one import", src, kinds[i])
			}
			done[kinds[i]] = true
			n, err := importSource(ctx, b, kinds[i], src, abs, start)
			if err != nil {
				return stats, fmt.Errorf("import %s: %w", src, err)
			}
			if stats.Sources == nil {
				stats.Sources = map[string]SourceStats{}
			}
			stats.Sources[kinds[i]] = SourceStats{Mode: "full", Fetched: n}
			continue
		}
		skipped := stats.Skipped
		c, err := readSource(ctx, src, &stats, b.add)
		if err != nil {
			return stats, fmt.Errorf("import %s: %w", src, err)
		}
		if len(c) == 0 && stats.Skipped == skipped {
			return stats, fmt.Errorf("import %s: no OSV, NVD, KEV or EPSS data found (want an export folder <ECOSYSTEM>/all.zip, a zip, a folder of OSV JSON files, NVD API responses, the KEV catalog or an EPSS CSV)", src)
		}
		for eco, n := range c {
			counts[eco] += n
			b.setEcosystemInfo(eco, abs, start)
		}
	}
	for eco, n := range counts {
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
			return stats, fmt.Errorf("import: carry over old records: %w", err)
		}
		for _, src := range []string{SourceNVD, SourceKEV, SourceEPSS} {
			if !done[src] {
				if err := b.copyAux(old, src, nil); err != nil {
					return stats, fmt.Errorf("import: %w", err)
				}
			}
		}
	}
	if err := b.commit(); err != nil {
		ok = true // commit cleaned up
		return stats, err
	}
	ok = true
	stats.Duration = time.Since(start)
	return stats, nil
}

func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
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
