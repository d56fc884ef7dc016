package scan

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
)

// cacheFormat changes whenever layerResult or its encoding changes, or the
// set of files scan keeps for OS detection does.
const cacheFormat = "bulkhead-layer-cache v1\n"

// maxCacheFile bounds what a cache read loads.
const maxCacheFile = 1 << 30

// cacheKey names the cached result of one layer for one set of consumers
// and limits.
func cacheKey(diffID string, opts *Options) string {
	var parts []string
	for _, ex := range opts.Extractors {
		parts = append(parts, fmt.Sprintf("x:%s@%d", ex.Name(), ex.Version()))
	}
	for _, an := range opts.FileAnalyzers {
		parts = append(parts, fmt.Sprintf("a:%s@%d", an.Name(), an.Version()))
	}
	sort.Strings(parts)
	l := opts.Limits.WithDefaults()
	h := sha256.New()
	fmt.Fprintf(h, "%s%s\n%s\n%d %d %d %d\n", cacheFormat, diffID, strings.Join(parts, ","),
		l.MaxLayerBytes, l.MaxFileBytes, l.MaxEntries, l.MaxWarnings)
	return hex.EncodeToString(h.Sum(nil))
}

// cacheFile is the gob form of a layerResult.
type cacheFile struct {
	Entries   []byte
	Packages  []inventory.Package
	PkgFiles  []string
	Findings  []byte
	OSFiles   map[string][]byte
	Bytes     int64
	Warnings  []string
	Truncated bool
	Counts    map[string]int
}

var errCacheMiss = errors.New("cache miss")

// layerCache stores layer results under dir, one file per key.
type layerCache struct{ dir string }

func (c *layerCache) path(key string) string { return filepath.Join(c.dir, key[:2], key) }

// get loads a result. A missing entry is errCacheMiss; a corrupt one is
// some other error (the caller then rescans and rewrites it).
func (c *layerCache) get(key string) (*layerResult, error) {
	p := c.path(key)
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errCacheMiss
	}
	if err != nil {
		return nil, err
	}
	if fi.Size() > maxCacheFile || fi.Size() < int64(len(cacheFormat)+sha256.Size) {
		return nil, fmt.Errorf("cache entry %s: bad size %d", key, fi.Size())
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(b, []byte(cacheFormat)) {
		return nil, fmt.Errorf("cache entry %s: bad header", key)
	}
	payload := b[len(cacheFormat) : len(b)-sha256.Size]
	sum := sha256.Sum256(payload)
	if !bytes.Equal(sum[:], b[len(b)-sha256.Size:]) {
		return nil, fmt.Errorf("cache entry %s: checksum mismatch", key)
	}
	var cf cacheFile
	if err := gob.NewDecoder(bytes.NewReader(payload)).Decode(&cf); err != nil {
		return nil, fmt.Errorf("cache entry %s: %w", key, err)
	}
	es, err := unpackEntries(cf.Entries)
	if err != nil {
		return nil, fmt.Errorf("cache entry %s: %w", key, err)
	}
	res := &layerResult{Entries: es, Packages: cf.Packages, PkgFiles: cf.PkgFiles, OSFiles: cf.OSFiles,
		Bytes: cf.Bytes, Warnings: cf.Warnings, Truncated: cf.Truncated, Counts: cf.Counts}
	if len(res.PkgFiles) != len(res.Packages) {
		return nil, fmt.Errorf("cache entry %s: %w", key, errCorrupt)
	}
	if len(cf.Findings) > 0 {
		var fs []finding.Finding
		if err := json.Unmarshal(cf.Findings, &fs); err != nil {
			return nil, fmt.Errorf("cache entry %s: %w", key, err)
		}
		res.Findings = fs
	}
	if res.OSFiles == nil {
		res.OSFiles = map[string][]byte{}
	}
	return res, nil
}

// put writes a result atomically: a temporary file in the same directory,
// renamed over the key. Concurrent writers of one key each rename a complete
// file; the last one wins and readers never see a partial file.
func (c *layerCache) put(key string, res *layerResult) error {
	cf := cacheFile{Entries: packEntries(res.Entries), Packages: res.Packages, PkgFiles: res.PkgFiles,
		OSFiles: res.OSFiles, Bytes: res.Bytes, Warnings: res.Warnings, Truncated: res.Truncated, Counts: res.Counts}
	if len(res.Findings) > 0 {
		b, err := json.Marshal(res.Findings)
		if err != nil {
			return fmt.Errorf("encode findings: %w", err)
		}
		cf.Findings = b
	}
	var buf bytes.Buffer
	buf.WriteString(cacheFormat)
	if err := gob.NewEncoder(&buf).Encode(&cf); err != nil {
		return fmt.Errorf("encode layer result: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes()[len(cacheFormat):])
	buf.Write(sum[:])

	p := c.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("create cache dir: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-"+key[:8]+"-*")
	if err != nil {
		return fmt.Errorf("create cache file: %w", err)
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("write cache file: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write cache file: %w", err)
	}
	if err := os.Rename(f.Name(), p); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("store cache file: %w", err)
	}
	return nil
}
