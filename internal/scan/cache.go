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
	"github.com/bulkhead-sec/bulkhead/internal/inventory/owner"
)

// cacheFormat changes whenever layerResult or its encoding changes, or the
// set of files scan keeps for OS detection does. v2: entries are written
// only for layers whose content was verified against their digests and
// keyed by image.CacheID; v1 entries (keyed by an unchecked diff_id) are
// never read. v3: findings carry their package owners (FindingOwners).
const cacheFormat = "bulkhead-layer-cache v3\n"

// maxCacheFile bounds what a cache read loads.
const maxCacheFile = 1 << 30

// cacheKey names the cached result of one layer (by its image.CacheID) for
// one set of consumers and limits.
func cacheKey(layerID string, opts *Options) string {
	var parts []string
	for _, ex := range opts.Extractors {
		parts = append(parts, fmt.Sprintf("x:%s@%d%s", ex.Name(), ex.Version(), extraKey(ex)))
	}
	for _, an := range opts.FileAnalyzers {
		parts = append(parts, fmt.Sprintf("a:%s@%d%s", an.Name(), an.Version(), extraKey(an)))
	}
	sort.Strings(parts)
	l := opts.Limits.WithDefaults()
	h := sha256.New()
	fmt.Fprintf(h, "%s%s\n%s\n%d %d %d %d\nowner@%d\n", cacheFormat, layerID, strings.Join(parts, ","),
		l.MaxLayerBytes, l.MaxFileBytes, l.MaxEntries, l.MaxWarnings, owner.Version)
	return hex.EncodeToString(h.Sum(nil))
}

// CacheKeyer is implemented by extractors and analyzers whose output
// depends on more than their name and version (a user's rules file, an
// option): CacheKey returns a digest of that configuration, and it becomes
// part of the cache key.
type CacheKeyer interface {
	CacheKey() string
}

func extraKey(v any) string {
	if k, ok := v.(CacheKeyer); ok {
		return "+" + k.CacheKey()
	}
	return ""
}

// cacheFile is the gob form of a layerResult.
type cacheFile struct {
	Entries  []byte
	Packages []inventory.Package
	PkgFiles []string
	Findings []byte
	// FindingOwners parallels Findings.
	FindingOwners []string
	OSFiles       map[string][]byte
	Bytes         int64
	Warnings      []string
	Truncated     bool
	Counts        map[string]int
	// Verified is true in every entry written: the layer's content hashed
	// to its digests before the entry was written.
	Verified bool
}

var errCacheMiss = errors.New("cache miss")

// layerCache stores layer results under dir/layers and merged image
// results under dir/images, one file per key.
type layerCache struct{ dir string }

func (c *layerCache) path(kind, key string) string { return filepath.Join(c.dir, kind, key[:2], key) }

// read loads and checks one cache file. A missing entry is errCacheMiss; a
// corrupt one is some other error (the caller then rescans and rewrites it).
func (c *layerCache) read(kind, key string, v any) error {
	p := c.path(kind, key)
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return errCacheMiss
	}
	if err != nil {
		return err
	}
	if fi.Size() > maxCacheFile || fi.Size() < int64(len(cacheFormat)+sha256.Size) {
		return fmt.Errorf("cache entry %s: bad size %d", key, fi.Size())
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(b, []byte(cacheFormat)) || len(b) < len(cacheFormat)+sha256.Size {
		return fmt.Errorf("cache entry %s: bad header", key)
	}
	payload := b[len(cacheFormat) : len(b)-sha256.Size]
	sum := sha256.Sum256(payload)
	if !bytes.Equal(sum[:], b[len(b)-sha256.Size:]) {
		return fmt.Errorf("cache entry %s: checksum mismatch", key)
	}
	if err := gob.NewDecoder(bytes.NewReader(payload)).Decode(v); err != nil {
		return fmt.Errorf("cache entry %s: %w", key, err)
	}
	return nil
}

// get loads a layer result.
func (c *layerCache) get(key string) (*layerResult, error) {
	var cf cacheFile
	if err := c.read("layers", key, &cf); err != nil {
		return nil, err
	}
	es, err := unpackEntries(cf.Entries)
	if err != nil {
		return nil, fmt.Errorf("cache entry %s: %w", key, err)
	}
	if !cf.Verified {
		return nil, fmt.Errorf("cache entry %s: written for a layer that was not verified", key)
	}
	res := &layerResult{Verified: true, Entries: es, Packages: cf.Packages, PkgFiles: cf.PkgFiles, OSFiles: cf.OSFiles,
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
	if len(cf.FindingOwners) > 0 {
		if len(cf.FindingOwners) != len(res.Findings) {
			return nil, fmt.Errorf("cache entry %s: %w", key, errCorrupt)
		}
		res.FindingOwners = cf.FindingOwners
	}
	if res.OSFiles == nil {
		res.OSFiles = map[string][]byte{}
	}
	return res, nil
}

// put writes a layer result; it refuses one whose layer was not verified.
func (c *layerCache) put(key string, res *layerResult) error {
	if !res.Verified {
		return errors.New("the layer's content was not verified against its digests")
	}
	cf := cacheFile{Verified: true, Entries: packEntries(res.Entries), Packages: res.Packages, PkgFiles: res.PkgFiles,
		OSFiles: res.OSFiles, Bytes: res.Bytes, Warnings: res.Warnings, Truncated: res.Truncated, Counts: res.Counts,
		FindingOwners: res.FindingOwners}
	if len(res.Findings) > 0 {
		b, err := json.Marshal(res.Findings)
		if err != nil {
			return fmt.Errorf("encode findings: %w", err)
		}
		cf.Findings = b
	}
	return c.write("layers", key, &cf)
}

// write stores v atomically: a temporary file in the same directory,
// renamed over the key. Concurrent writers of one key each rename a
// complete file; the last one wins and readers never see a partial file.
func (c *layerCache) write(kind, key string, v any) error {
	var buf bytes.Buffer
	buf.WriteString(cacheFormat)
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return fmt.Errorf("encode cache entry: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes()[len(cacheFormat):])
	buf.Write(sum[:])

	p := c.path(kind, key)
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

// imageKey names the merged result of a list of layer keys; "" when a
// layer has no key.
func imageKey(layerKeys, ids []string, collectFiles bool, pkgFiles PackageFiles) string {
	h := sha256.New()
	fmt.Fprintf(h, "%simage collect=%v package-files=%d\n", cacheFormat, collectFiles, pkgFiles)
	for i, k := range layerKeys {
		if k == "" {
			return ""
		}
		fmt.Fprintf(h, "%s %s\n", k, ids[i])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// assembledFile is the gob form of assembled: findings and the OS as JSON
// (findings carry free-form Extra values).
type assembledFile struct {
	Packages   []inventory.Package
	Findings   []byte
	Warnings   []string
	OS         []byte
	Size       int64
	Counts     map[string]int
	Files      int
	Truncated  bool
	FinalFiles []File
}

func (c *layerCache) getAssembled(key string) (*assembled, error) {
	var af assembledFile
	if err := c.read("images", key, &af); err != nil {
		return nil, err
	}
	a := &assembled{Packages: af.Packages, Warnings: af.Warnings, Size: af.Size, Counts: af.Counts, Files: af.Files,
		Truncated: af.Truncated, FinalFiles: af.FinalFiles}
	if len(af.Findings) > 0 {
		if err := json.Unmarshal(af.Findings, &a.Findings); err != nil {
			return nil, fmt.Errorf("cache entry %s: %w", key, err)
		}
	}
	if len(af.OS) > 0 {
		if err := json.Unmarshal(af.OS, &a.OS); err != nil {
			return nil, fmt.Errorf("cache entry %s: %w", key, err)
		}
	}
	if a.Counts == nil {
		a.Counts = map[string]int{}
	}
	return a, nil
}

func (c *layerCache) putAssembled(key string, a *assembled) error {
	af := assembledFile{Packages: a.Packages, Warnings: a.Warnings, Size: a.Size, Counts: a.Counts, Files: a.Files,
		Truncated: a.Truncated, FinalFiles: a.FinalFiles}
	var err error
	if len(a.Findings) > 0 {
		if af.Findings, err = json.Marshal(a.Findings); err != nil {
			return fmt.Errorf("encode findings: %w", err)
		}
	}
	if a.OS != nil {
		if af.OS, err = json.Marshal(a.OS); err != nil {
			return fmt.Errorf("encode os: %w", err)
		}
	}
	return c.write("images", key, &af)
}
