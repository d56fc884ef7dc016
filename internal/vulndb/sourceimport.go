package vulndb

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// kindSchema marks a JSON schema file, which is never data.
const kindSchema = "schema"

// sniffFile reads the first bytes of a file and tells its kind.
func sniffFile(p string) (string, error) {
	f, err := openSource(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if strings.Contains(string(head), `"$schema"`) {
		return kindSchema, nil
	}
	return sniffKind(head), nil
}

// DetectSource tells which source a path holds: an NVD response or a
// folder of them, a KEV catalog (or its folder), an EPSS file (or its
// folder), else OSV. It looks at the content, not the names.
func DetectSource(src string) (string, error) {
	st, err := os.Stat(src)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", src, err)
	}
	if !st.IsDir() {
		if strings.HasSuffix(strings.ToLower(src), ".zip") {
			return SourceOSV, nil
		}
		k, err := sniffFile(src)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", src, err)
		}
		if k == kindSchema {
			return "", fmt.Errorf("read %s: a JSON schema, not data", src)
		}
		return k, nil
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", src, err)
	}
	kinds := map[string]int{}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		n := strings.ToLower(e.Name())
		if !strings.HasSuffix(n, ".json") && !strings.HasSuffix(n, ".csv") && !strings.HasSuffix(n, ".gz") {
			continue
		}
		k, err := sniffFile(filepath.Join(src, e.Name()))
		if err != nil || k == kindSchema {
			continue
		}
		kinds[k]++
	}
	for _, k := range []string{SourceNVD, SourceKEV, SourceEPSS} {
		if kinds[k] > 0 {
			return k, nil
		}
	}
	return SourceOSV, nil
}

// nvdLoader collects NVD records into a builder, keeping the newest
// version of a CVE seen twice.
type nvdLoader struct {
	b      *builder
	mods   map[string]time.Time
	newest time.Time
}

func (l *nvdLoader) add(rec NVDRecord) error {
	if m, ok := l.mods[rec.ID]; ok && !rec.Modified.After(m) {
		return nil
	}
	l.mods[rec.ID] = rec.Modified
	if rec.Modified.After(l.newest) {
		l.newest = rec.Modified
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return l.b.putAux(SourceNVD, rec.ID, raw)
}

// readNVDFiles reads NVD responses from a file or a folder (recursively,
// at most 4 levels). Pages of one folder form one paged answer: they must
// agree on totalResults and cover [0, totalResults) without a gap.
func readNVDFiles(ctx context.Context, src string, l *nvdLoader) (int, error) {
	groups := map[string][]string{}
	st, err := os.Stat(src)
	if err != nil {
		return 0, err
	}
	if !st.IsDir() {
		groups[filepath.Dir(src)] = []string{src}
	} else {
		base := strings.Count(filepath.Clean(src), string(filepath.Separator))
		err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if strings.Count(filepath.Clean(p), string(filepath.Separator))-base > 4 {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() || !strings.HasSuffix(strings.ToLower(d.Name()), ".json") {
				return nil
			}
			k, err := sniffFile(p)
			if err != nil || k != SourceNVD {
				return nil
			}
			groups[filepath.Dir(p)] = append(groups[filepath.Dir(p)], p)
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	dirs := make([]string, 0, len(groups))
	for d := range groups {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	n := 0
	var buf []byte // one buffer for every page: records copy what they keep
	for _, d := range dirs {
		type span struct{ start, count, total int }
		var spans []span
		files := groups[d]
		sort.Strings(files)
		for _, p := range files {
			if err := ctx.Err(); err != nil {
				return n, err
			}
			data, err := readInto(p, MaxNVDPageBytes, &buf)
			if err != nil {
				return n, fmt.Errorf("nvd: %w", err)
			}
			page, err := ParseNVDPage(data)
			if err != nil {
				return n, fmt.Errorf("nvd: %s: %w", p, err)
			}
			for _, rec := range page.Records {
				if err := l.add(rec); err != nil {
					return n, err
				}
				n++
			}
			spans = append(spans, span{page.StartIndex, len(page.Records), page.TotalResults})
		}
		if err := checkCoverage(d, len(spans), func(i int) (int, int, int) { return spans[i].start, spans[i].count, spans[i].total }); err != nil {
			return n, err
		}
	}
	if n == 0 {
		return 0, fmt.Errorf("nvd: %s: no NVD CVE API responses", src)
	}
	return n, nil
}

// checkCoverage checks that the pages of one folder agree on
// totalResults and cover [0, totalResults) without gap or overlap.
func checkCoverage(dir string, n int, page func(int) (start, count, total int)) error {
	if n == 0 {
		return nil
	}
	type sp struct{ s, c int }
	var list []sp
	_, _, total := page(0)
	for i := 0; i < n; i++ {
		s, c, t := page(i)
		if t != total {
			return fmt.Errorf("nvd: %s: %w: pages disagree on totalResults (%d and %d)", dir, ErrSourceFormat, total, t)
		}
		list = append(list, sp{s, c})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].s < list[j].s })
	at := 0
	for _, p := range list {
		if p.s != at {
			return fmt.Errorf("nvd: %s: %w: records %d to %d of totalResults %d are missing (next page starts at %d)", dir, ErrSourceFormat, at, p.s-1, total, p.s)
		}
		at += p.c
	}
	if at != total {
		return fmt.Errorf("nvd: %s: %w: the pages hold %d records, totalResults says %d", dir, ErrSourceFormat, at, total)
	}
	return nil
}

// readKEVFile reads a KEV catalog from a file, or the catalog in a folder
// (the newest one that parses).
func readKEVFile(src string) (*KEVCatalog, string, error) {
	st, err := os.Stat(src)
	if err != nil {
		return nil, "", err
	}
	files := []string{src}
	if st.IsDir() {
		files = nil
		entries, _ := os.ReadDir(src)
		for _, e := range entries {
			p := filepath.Join(src, e.Name())
			if e.Type().IsRegular() && strings.HasSuffix(strings.ToLower(e.Name()), ".json") {
				if k, err := sniffFile(p); err == nil && k == SourceKEV {
					files = append(files, p)
				}
			}
		}
	}
	var best *KEVCatalog
	var bestFile string
	for _, p := range files {
		data, err := readSource1(p, MaxKEVBytes)
		if err != nil {
			return nil, "", fmt.Errorf("kev: %w", err)
		}
		c, err := ParseKEV(data)
		if err != nil {
			return nil, "", fmt.Errorf("kev: %s: %w", p, err)
		}
		if best == nil || c.Released.After(best.Released) {
			best, bestFile = c, p
		}
	}
	if best == nil {
		return nil, "", fmt.Errorf("kev: %s: no KEV catalog", src)
	}
	return best, bestFile, nil
}

// loadKEV stores a catalog.
func loadKEV(b *builder, c *KEVCatalog, from string, now time.Time) error {
	for _, e := range c.Entries {
		raw, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if err := b.putAux(SourceKEV, e.CVE, raw); err != nil {
			return err
		}
	}
	b.setSource(SourceKEV, SourceMeta{Records: len(c.Entries), Newest: c.Released, Fetched: now, From: from, Version: c.Version})
	return nil
}

// loadEPSS streams an EPSS file into b.
func loadEPSS(b *builder, r io.Reader, from string, now time.Time) (int, error) {
	n := 0
	h, err := ParseEPSS(r, func(cve string, s EPSSScore) error {
		raw, err := json.Marshal(s)
		if err != nil {
			return err
		}
		n++
		return b.putAux(SourceEPSS, cve, raw)
	})
	if err != nil {
		return n, fmt.Errorf("epss: %s: %w", from, err)
	}
	b.setSource(SourceEPSS, SourceMeta{Records: n, Newest: h.ScoreDate, Fetched: now, From: from, Version: h.ModelVersion})
	return n, nil
}

// epssFile finds the EPSS file of a path (a file, or the one in a folder).
func epssFile(src string) (string, error) {
	st, err := os.Stat(src)
	if err != nil {
		return "", err
	}
	if !st.IsDir() {
		return src, nil
	}
	entries, _ := os.ReadDir(src)
	for _, e := range entries {
		p := filepath.Join(src, e.Name())
		if e.Type().IsRegular() {
			if k, err := sniffFile(p); err == nil && k == SourceEPSS {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("epss: %s: no EPSS file", src)
}

// importSource reads one non-OSV source into b and returns its count.
func importSource(ctx context.Context, b *builder, kind, src, abs string, now time.Time) (int, error) {
	switch kind {
	case SourceNVD:
		l := &nvdLoader{b: b, mods: map[string]time.Time{}}
		if _, err := readNVDFiles(ctx, src, l); err != nil {
			return 0, err
		}
		b.setSource(SourceNVD, SourceMeta{Records: len(l.mods), Newest: l.newest, Fetched: now, From: abs})
		return len(l.mods), nil
	case SourceKEV:
		c, file, err := readKEVFile(src)
		if err != nil {
			return 0, err
		}
		if err := loadKEV(b, c, file, now); err != nil {
			return 0, err
		}
		return len(c.Entries), nil
	case SourceEPSS:
		file, err := epssFile(src)
		if err != nil {
			return 0, err
		}
		f, err := openSource(file)
		if err != nil {
			return 0, fmt.Errorf("epss: %w", err)
		}
		defer f.Close()
		return loadEPSS(b, f, file, now)
	}
	return 0, fmt.Errorf("unknown source kind %q", kind)
}
