package vulndb

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// MaxZipEntries bounds how many entries one zip may hold.
const MaxZipEntries = 4 << 20

// recordSink receives each readable record of a source.
type recordSink func(source string, rec *Record, raw []byte) error

// sourceOf picks the source ecosystem of a record read without a folder
// name: the base ecosystem of its first affected package.
func sourceOf(rec *Record) string {
	for _, a := range rec.Affected {
		if a.Package.Ecosystem != "" {
			return BaseEcosystem(a.Package.Ecosystem)
		}
	}
	return "unknown"
}

// readZip reads every *.json entry of a zip. A record's source is the
// entry's folder when it has one (the Export layout "<ECO>/<ID>.json"),
// else fixed when given (an ecosystem's all.zip), else from the record.
// label names the zip in problems.
func readZip(ctx context.Context, ra io.ReaderAt, size int64, label, fixed string, stats *Stats, sink recordSink) (int, error) {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return 0, fmt.Errorf("read zip %s: %w", label, err)
	}
	if len(zr.File) > MaxZipEntries {
		return 0, fmt.Errorf("read zip %s: %d entries, over the %d limit", label, len(zr.File), MaxZipEntries)
	}
	n := 0
	for i, f := range zr.File {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return n, err
			}
		}
		name := f.Name
		if f.FileInfo().IsDir() || !strings.HasSuffix(name, ".json") {
			continue
		}
		if f.UncompressedSize64 > MaxRecordBytes {
			stats.problem("%s: %s: %d bytes, over the %d limit", label, name, f.UncompressedSize64, MaxRecordBytes)
			continue
		}
		rc, err := f.Open()
		if err != nil {
			stats.problem("%s: %s: %v", label, name, err)
			continue
		}
		raw, err := io.ReadAll(io.LimitReader(rc, MaxRecordBytes+1))
		rc.Close()
		if err != nil {
			stats.problem("%s: %s: %v", label, name, err)
			continue
		}
		rec, err := ParseRecord(raw)
		if err != nil {
			stats.problem("%s: %s: %v", label, name, err)
			continue
		}
		src := fixed
		if dir := path.Dir(strings.ReplaceAll(name, "\\", "/")); dir != "." && dir != "/" && !strings.Contains(dir, "/") {
			src = dir
		}
		if src == "" {
			src = sourceOf(rec)
		}
		if err := sink(src, rec, raw); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// readZipFile opens a zip file and reads it with readZip.
func readZipFile(ctx context.Context, file, fixed string, stats *Stats, sink recordSink) (int, error) {
	f, err := openSource(file)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", file, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("stat %s: %w", file, err)
	}
	return readZip(ctx, f, st.Size(), file, fixed, stats, sink)
}

// readJSONFile reads one record file.
func readJSONFile(file, fixed string, stats *Stats, sink recordSink) (bool, error) {
	st, err := os.Stat(file)
	if err != nil {
		stats.problem("%s: %v", file, err)
		return false, nil
	}
	if st.Size() > MaxRecordBytes {
		stats.problem("%s: %d bytes, over the %d limit", file, st.Size(), MaxRecordBytes)
		return false, nil
	}
	raw, err := readSource1(file, MaxRecordBytes)
	if err != nil {
		stats.problem("%s: %v", file, err)
		return false, nil
	}
	rec, err := ParseRecord(raw)
	if err != nil {
		stats.problem("%s: %v", file, err)
		return false, nil
	}
	src := fixed
	if src == "" {
		src = sourceOf(rec)
	}
	return true, sink(src, rec, raw)
}

// readSource reads a local source: a zip (an ecosystem's all.zip or an
// Export file), a folder in the export layout (<ECO>/all.zip or
// <ECO>/*.json), or a folder of JSON records. It returns the sources it
// found, each fully read.
func readSource(ctx context.Context, src string, stats *Stats, sink recordSink) (map[string]int, error) {
	counts := map[string]int{}
	count := func(source string, rec *Record, raw []byte) error {
		counts[source]++
		return sink(source, rec, raw)
	}
	st, err := os.Stat(src)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", src, err)
	}
	if !st.IsDir() {
		switch {
		case strings.HasSuffix(src, ".json"):
			_, err := readJSONFile(src, "", stats, count)
			return counts, err
		default:
			// An ecosystem's all.zip names its ecosystem by its folder.
			fixed := ""
			if filepath.Base(src) == "all.zip" {
				fixed = filepath.Base(filepath.Dir(src))
			}
			_, err := readZipFile(ctx, src, fixed, stats, count)
			return counts, err
		}
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", src, err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return counts, err
		}
		p := filepath.Join(src, e.Name())
		switch {
		case e.IsDir():
			if err := readEcosystemDir(ctx, p, e.Name(), stats, count); err != nil {
				return counts, err
			}
		case e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".json"):
			if _, err := readJSONFile(p, "", stats, count); err != nil {
				return counts, err
			}
		case e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".zip"):
			if _, err := readZipFile(ctx, p, "", stats, count); err != nil {
				return counts, err
			}
		}
	}
	return counts, nil
}

// readEcosystemDir reads <ECO>/all.zip when present, else <ECO>/*.json.
func readEcosystemDir(ctx context.Context, dir, eco string, stats *Stats, sink recordSink) error {
	zipPath := filepath.Join(dir, "all.zip")
	if _, err := os.Stat(zipPath); err == nil {
		_, err := readZipFile(ctx, zipPath, eco, stats, sink)
		return err
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read %s: %w", zipPath, err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return fmt.Errorf("read %s: %w", dir, err)
	}
	sort.Strings(files)
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := readJSONFile(f, eco, stats, sink); err != nil {
			return err
		}
	}
	return nil
}
