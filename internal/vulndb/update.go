package vulndb

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
)

// DefaultBaseURL is the osv.dev bulk export.
const DefaultBaseURL = "https://osv-vulnerabilities.storage.googleapis.com"

// DefaultEcosystems are the export folders a container scan needs.
var DefaultEcosystems = []string{
	"Alpine", "Debian", "Ubuntu", "Red Hat", "AlmaLinux", "Rocky Linux", "SUSE", "Wolfi", "Chainguard",
	"Go", "npm", "PyPI", "Maven", "crates.io", "RubyGems", "Packagist", "NuGet",
}

// UpdateOptions configure Update. The zero value updates the default
// ecosystems from osv.dev.
type UpdateOptions struct {
	// BaseURL is the export's root: http(s)://... or file:///path for a
	// mirror on disk. Empty means DefaultBaseURL.
	BaseURL string
	// Ecosystems are the export folders to fetch; nil means
	// DefaultEcosystems. Ecosystems of the old database that are not
	// listed are kept as they are.
	Ecosystems []string
	// CacheDir holds partial downloads, so that a cut download resumes.
	// Empty means a "download" folder beside the database.
	CacheDir string
	// Client does the HTTP requests; nil means a client whose requests
	// time out only when the server sends no response headers for a minute.
	Client *http.Client
	// Progress, when set, receives one line per step.
	Progress io.Writer
	// ProgressBar draws a download's progress on Progress, rewriting one
	// line (for a terminal).
	ProgressBar bool
	// MaxIncremental is the most changed records fetched one by one;
	// beyond it the ecosystem's all.zip is downloaded. Zero means 500;
	// a negative value always downloads all.zip.
	MaxIncremental int
	// Attempts is how many times a request is tried; zero means 4.
	Attempts int
	// RetryWait is the first wait between attempts, doubled each time;
	// zero means one second.
	RetryWait time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// Sources are the sources to fetch (SourceOSV, SourceNVD, SourceKEV,
	// SourceEPSS); nil means OSV only. Sources not listed are kept as the
	// old database has them.
	Sources []string
	// NVDURL is the NVD CVE API 2.0 endpoint, an http(s) mirror of it, or
	// file:///folder of saved responses; empty means DefaultNVDURL.
	NVDURL string
	// NVDAPIKey is sent as the apiKey header (never printed).
	NVDAPIKey string
	// NVDInterval is the wait between two NVD requests; zero means NVD's
	// rule (6 s without a key, 0.6 s with one).
	NVDInterval time.Duration
	// NVDPageSize is resultsPerPage; zero means 2,000 (NVD's maximum).
	NVDPageSize int
	// KEVURL and EPSSURL locate the KEV catalog and the EPSS CSV (http(s)
	// or file://); empty means the defaults.
	KEVURL, EPSSURL string
}

// MaxIndexBytes bounds a modified_id.csv.
const MaxIndexBytes = 256 << 20

// MaxZipBytes bounds one all.zip download.
const MaxZipBytes = 8 << 30

var errNotFound = errors.New("not found")

// Update brings the database at dbPath up to date from the osv.dev export
// layout (or a mirror of it). For each ecosystem it reads
// modified_id.csv; when the old database already has the ecosystem and few
// records changed, only those are fetched (<BASE>/<ECO>/<ID>.json),
// otherwise all.zip is downloaded (resumably, into the cache dir). An
// ecosystem the source does not have is a warning. The new database is
// built in a temporary file and renamed over the old one only when
// complete, so a failed or cut update leaves the old database working.
func Update(ctx context.Context, dbPath string, opts UpdateOptions) (Stats, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	start := now()
	var stats Stats
	f, err := newFetcher(dbPath, opts, &stats)
	if err != nil {
		return stats, err
	}
	ecos := opts.Ecosystems
	if ecos == nil {
		ecos = DefaultEcosystems
	}
	doOSV := f.wants(SourceOSV)
	onlyOSV := doOSV && !f.wants(SourceNVD) && !f.wants(SourceKEV) && !f.wants(SourceEPSS)
	if !doOSV {
		ecos = nil
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
	b, err := newBuilder(dbPath, f.base, start, &stats)
	if err != nil {
		return stats, err
	}
	if !doOSV && old != nil {
		b.meta.Source = old.meta.Source
	}
	ok := false
	defer func() {
		if !ok {
			b.abort()
		}
	}()
	for _, eco := range ecos {
		if !validEcosystemName(eco) {
			return stats, fmt.Errorf("update: ecosystem %q: not an export folder name", eco)
		}
	}
	if old != nil && onlyOSV {
		// When nothing changed, refresh the metadata of a copy of the old
		// file instead of rebuilding it record by record.
		same := true
		for _, eco := range ecos {
			if err := ctx.Err(); err != nil {
				return stats, err
			}
			ok, err := f.unchanged(ctx, old, eco)
			if err != nil {
				return stats, fmt.Errorf("update %s: %w", eco, err)
			}
			if !ok {
				same = false
				break
			}
		}
		if same {
			if err := f.refresh(old, dbPath, ecos, start); err != nil {
				return stats, err
			}
			stats.Duration = now().Sub(start)
			f.progress("done: nothing changed, %d records (%s)", stats.Records, stats.Duration.Round(time.Millisecond))
			return stats, nil
		}
	}
	requested := map[string]bool{}
	var downloaded []string
	for _, eco := range ecos {
		if err := ctx.Err(); err != nil {
			return stats, err
		}
		requested[eco] = true
		zipPath, err := f.updateEcosystem(ctx, b, old, eco, start)
		if err != nil {
			return stats, err
		}
		if zipPath != "" {
			downloaded = append(downloaded, zipPath)
		}
	}
	if old != nil {
		kept := map[string]bool{}
		for eco := range old.meta.Ecosystems {
			if !requested[eco] {
				kept[eco] = true
				stats.Ecosystems = setStats(stats.Ecosystems, eco, EcosystemStats{Mode: "kept"})
			}
		}
		if err := b.copyFrom(old, kept, nil); err != nil {
			return stats, fmt.Errorf("update %s: carry over old records: %w", dbPath, err)
		}
	}
	if err := f.updateSources(ctx, b, old, start); err != nil {
		return stats, err
	}
	if err := b.commit(); err != nil {
		return stats, err
	}
	ok = true
	for _, p := range downloaded {
		os.Remove(p)
	}
	stats.Duration = now().Sub(start)
	f.progress("done: %d records in %s", stats.Records, stats.Duration.Round(time.Millisecond))
	return stats, nil
}

type fetcher struct {
	indexes  map[string][]byte // modified_id.csv per ecosystem, fetched once
	reported map[string]bool   // ecosystems whose bad index lines were reported
	base     string
	localDir string // set for file:// mirrors
	client   *http.Client
	cacheDir string
	opts     UpdateOptions
	stats    *Stats
	// nvdRequests counts NVD requests, for the wait between them.
	nvdRequests int
}

func newFetcher(dbPath string, opts UpdateOptions, stats *Stats) (*fetcher, error) {
	base := strings.TrimRight(opts.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("update: mirror %q: %w", base, err)
	}
	f := &fetcher{base: base, client: opts.Client, opts: opts, stats: stats, cacheDir: opts.CacheDir}
	switch u.Scheme {
	case "file":
		f.localDir = filepath.FromSlash(u.Path)
		if st, err := os.Stat(f.localDir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("update: mirror %q: not a folder (want file:///path/to/export)", base)
		}
	case "http", "https":
	default:
		return nil, fmt.Errorf("update: mirror %q: want an http://, https:// or file:// URL", base)
	}
	if f.client == nil {
		// No overall timeout: a large all.zip may take long on a slow link
		// (and resumes when cut); the context cancels, and a server that
		// does not answer is caught by the header timeout.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.ResponseHeaderTimeout = time.Minute
		f.client = &http.Client{Transport: tr}
	}
	if f.cacheDir == "" {
		f.cacheDir = filepath.Join(filepath.Dir(dbPath), "download")
	}
	if f.opts.MaxIncremental == 0 {
		f.opts.MaxIncremental = 500
	}
	if f.opts.Attempts <= 0 {
		f.opts.Attempts = 4
	}
	if f.opts.RetryWait <= 0 {
		f.opts.RetryWait = time.Second
	}
	return f, nil
}

func (f *fetcher) progress(format string, args ...any) {
	if f.opts.Progress != nil {
		fmt.Fprintf(f.opts.Progress, format+"\n", args...)
	}
}

func (f *fetcher) warn(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	f.stats.Warnings = append(f.stats.Warnings, msg)
	f.progress("warning: %s", msg)
}

// updateEcosystem adds one ecosystem's records to b. It returns the path
// of a downloaded all.zip to remove once the database is committed.
func (f *fetcher) updateEcosystem(ctx context.Context, b *builder, old *DB, eco string, now time.Time) (string, error) {
	index, err := f.index(ctx, eco)
	if errors.Is(err, errNotFound) {
		f.warn("%s: the source has no such ecosystem (%s): skipped", eco, f.url(eco, "modified_id.csv"))
		if old != nil && old.meta.Ecosystems[eco].Records > 0 {
			f.stats.Ecosystems = setStats(f.stats.Ecosystems, eco, EcosystemStats{Mode: "kept"})
			return "", b.copyFrom(old, map[string]bool{eco: true}, nil)
		}
		f.stats.Ecosystems = setStats(f.stats.Ecosystems, eco, EcosystemStats{Mode: "missing"})
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("update %s: %w", eco, err)
	}
	lines, newestListed, err := f.indexLines(eco, index)
	if err != nil {
		return "", err
	}
	// Decide between an incremental and a full update.
	var oldIDs map[string]bool
	var since time.Time
	if old != nil {
		if m, ok := old.meta.Ecosystems[eco]; ok {
			since = m.Newest
			oldIDs = map[string]bool{}
			if err := old.View(func(t *Tx) error {
				return t.ForEachIn(eco, func(id string, _ []byte) error { oldIDs[id] = true; return nil })
			}); err != nil {
				return "", fmt.Errorf("update %s: read old database: %w", eco, err)
			}
		}
	}
	if oldIDs != nil {
		listed := make(map[string]bool, len(lines))
		var changed []string
		for _, l := range lines {
			listed[l.id] = true
			if l.modified.After(since) || !oldIDs[l.id] {
				changed = append(changed, l.id)
			}
		}
		if len(changed) <= f.opts.MaxIncremental {
			skip := map[string]bool{}
			for id := range oldIDs {
				if !listed[id] {
					skip[id] = true // withdrawn from the export
				}
			}
			for _, id := range changed {
				skip[id] = true
			}
			mode := "incremental"
			if len(changed) == 0 {
				mode = "unchanged"
			}
			f.progress("%s: %d of %d records changed since %s", eco, len(changed), len(lines), since.Format(time.RFC3339))
			fetched := 0
			for _, id := range changed {
				raw, err := f.get(ctx, eco, FileName(id), MaxRecordBytes)
				if errors.Is(err, errNotFound) {
					// Try the id as written, for mirrors that keep ':'.
					raw, err = f.get(ctx, eco, id+".json", MaxRecordBytes)
				}
				if errors.Is(err, errNotFound) {
					f.warn("%s: record %s is listed but not served: kept the old copy", eco, id)
					delete(skip, id)
					continue
				}
				if err != nil {
					return "", fmt.Errorf("update %s: %w", eco, err)
				}
				rec, err := ParseRecord(raw)
				if err != nil {
					f.stats.problem("%s: %v", f.url(eco, FileName(id)), err)
					delete(skip, id)
					continue
				}
				if err := b.add(eco, rec, raw); err != nil {
					return "", err
				}
				fetched++
			}
			if err := b.copyFrom(old, map[string]bool{eco: true}, skip); err != nil {
				return "", fmt.Errorf("update %s: carry over old records: %w", eco, err)
			}
			f.finishEcosystem(b, eco, newestListed, now)
			f.stats.Ecosystems = setStats(f.stats.Ecosystems, eco, EcosystemStats{Mode: mode, Fetched: fetched})
			return "", nil
		}
		f.progress("%s: %d records changed, more than %d: downloading all.zip", eco, len(changed), f.opts.MaxIncremental)
	}
	zipPath, remove, err := f.download(ctx, eco)
	if err != nil {
		return "", fmt.Errorf("update %s: %w", eco, err)
	}
	n, err := readZipFile(ctx, zipPath, eco, f.stats, func(src string, rec *Record, raw []byte) error {
		return b.add(eco, rec, raw)
	})
	if err != nil {
		return "", fmt.Errorf("update %s: %w", eco, err)
	}
	f.progress("%s: %d records from all.zip", eco, n)
	f.finishEcosystem(b, eco, newestListed, now)
	f.stats.Ecosystems = setStats(f.stats.Ecosystems, eco, EcosystemStats{Mode: "full", Fetched: n})
	if remove {
		return zipPath, nil
	}
	return "", nil
}

// finishEcosystem records the source and the newest modified time, which
// is the newest of the records and of the export's index (some exports
// leave records' own modified times zero).
func (f *fetcher) finishEcosystem(b *builder, eco string, newestListed, now time.Time) {
	b.setEcosystemInfo(eco, f.base+"/"+eco, now)
	m := b.meta.Ecosystems[eco]
	if newestListed.After(m.Newest) {
		m.Newest = newestListed.UTC()
	}
	b.meta.Ecosystems[eco] = m
}

type indexLine struct {
	modified time.Time
	id       string
}

// parseModifiedIndex reads modified_id.csv: "<RFC3339>,<id>" per line.
func parseModifiedIndex(data []byte) ([]indexLine, time.Time, error) {
	var out []indexLine
	var newest time.Time
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		ts, id, ok := strings.Cut(line, ",")
		if !ok || id == "" {
			return nil, newest, fmt.Errorf("line %d: want <modified>,<id>, got %q", n, truncate(line, 80))
		}
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			return nil, newest, fmt.Errorf("line %d: %w", n, err)
		}
		if t.After(newest) {
			newest = t
		}
		out = append(out, indexLine{t, strings.TrimSpace(id)})
	}
	if err := sc.Err(); err != nil {
		return nil, newest, err
	}
	return out, newest, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func (f *fetcher) url(eco, file string) string {
	if f.localDir != "" {
		return filepath.Join(f.localDir, eco, file)
	}
	return f.base + "/" + url.PathEscape(eco) + "/" + url.PathEscape(file)
}

// get fetches a small file, retrying transient failures.
func (f *fetcher) get(ctx context.Context, eco, file string, limit int64) ([]byte, error) {
	if f.localDir != "" {
		p := filepath.Join(f.localDir, eco, file)
		st, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", p, errNotFound)
		}
		if err != nil {
			return nil, err
		}
		if st.Size() > limit {
			return nil, fmt.Errorf("%s: %d bytes, over the %d limit", p, st.Size(), limit)
		}
		return readSource1(p, limit)
	}
	u := f.url(eco, file)
	var lastErr error
	for attempt := 0; attempt < f.opts.Attempts; attempt++ {
		if attempt > 0 {
			if err := f.wait(ctx, attempt); err != nil {
				return nil, err
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		resp, err := f.client.Do(req)
		if err != nil {
			lastErr = err
			continue
		}
		switch {
		case resp.StatusCode == http.StatusNotFound:
			resp.Body.Close()
			return nil, fmt.Errorf("GET %s: %w", u, errNotFound)
		case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
			resp.Body.Close()
			lastErr = fmt.Errorf("GET %s: %s", u, resp.Status)
			continue
		case resp.StatusCode != http.StatusOK:
			resp.Body.Close()
			return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
		resp.Body.Close()
		if err != nil {
			lastErr = fmt.Errorf("GET %s: %w", u, err)
			continue
		}
		if int64(len(data)) > limit {
			return nil, fmt.Errorf("GET %s: over the %d-byte limit", u, limit)
		}
		f.stats.Downloaded += int64(len(data))
		return data, nil
	}
	return nil, fmt.Errorf("GET %s: %d attempts failed: %w", u, f.opts.Attempts, lastErr)
}

func (f *fetcher) wait(ctx context.Context, attempt int) error {
	d := f.opts.RetryWait << (attempt - 1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// download fetches <eco>/all.zip into the cache dir, resuming a partial
// download left by an earlier cut. It returns the local path and whether
// it is a download to remove afterwards (a file:// mirror is read in place).
func (f *fetcher) download(ctx context.Context, eco string) (string, bool, error) {
	if f.localDir != "" {
		p := filepath.Join(f.localDir, eco, "all.zip")
		if _, err := os.Stat(p); err != nil {
			return "", false, fmt.Errorf("read %s: %w", p, err)
		}
		f.progress("%s: reading %s", eco, p)
		return p, false, nil
	}
	if err := os.MkdirAll(f.cacheDir, 0o755); err != nil {
		return "", false, fmt.Errorf("create cache dir %s: %w", f.cacheDir, err)
	}
	if err := checkFolder(f.cacheDir); err != nil {
		return "", false, err
	}
	safe := strings.NewReplacer("/", "_", "\\", "_", " ", "_", ":", "_").Replace(eco)
	final := filepath.Join(f.cacheDir, safe+"-all.zip")
	partial := final + ".partial"
	u := f.url(eco, "all.zip")
	var lastErr error
	for _, p := range []string{partial, final} {
		if st, err := os.Lstat(p); err == nil && !st.Mode().IsRegular() {
			return "", false, fmt.Errorf("download %s: %s is not a regular file (%s): refused; remove it", u, p, st.Mode().Type())
		}
	}
	for attempt := 0; attempt < f.opts.Attempts; attempt++ {
		if attempt > 0 {
			if err := f.wait(ctx, attempt); err != nil {
				return "", false, err
			}
		}
		done, err := f.downloadOnce(ctx, u, partial)
		if err != nil {
			lastErr = err
			if errors.Is(err, errNotFound) || errors.Is(err, context.Canceled) {
				return "", false, err
			}
			f.progress("%s: download interrupted (%v); retrying", eco, err)
			continue
		}
		if done {
			if err := os.Rename(partial, final); err != nil {
				return "", false, fmt.Errorf("keep download %s: %w", final, err)
			}
			return final, true, nil
		}
	}
	return "", false, fmt.Errorf("download %s: %d attempts failed (the partial file %s resumes next time): %w", u, f.opts.Attempts, partial, lastErr)
}

// maxValidatorBytes bounds the saved ETag or Last-Modified of a partial
// download.
const maxValidatorBytes = 1024

// downloadOnce makes one request, appending to partial when the server
// honours a range request. Every file it touches is opened without
// following links: a link planted at partial or partial.etag is refused
// (or replaced by a fresh file), never written through, and a validator
// read through a link is never sent.
func (f *fetcher) downloadOnce(ctx context.Context, u, partial string) (bool, error) {
	var have int64
	st, err := os.Lstat(partial)
	switch {
	case err == nil && !st.Mode().IsRegular():
		return false, fmt.Errorf("partial download %s: not a regular file (%s): refused; remove it", partial, st.Mode().Type())
	case err == nil:
		have = st.Size()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return false, err
	}
	validator, verr := readSmall(partial+".etag", maxValidatorBytes)
	if verr != nil && !errors.Is(verr, fs.ErrNotExist) {
		f.warn("ignored the saved validator of %s: %v", partial, verr)
		validator = nil
	}
	if have > 0 && validValidator(validator) {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(have, 10)+"-")
		req.Header.Set("If-Range", string(validator))
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	var out *os.File
	switch resp.StatusCode {
	case http.StatusPartialContent:
		if req.Header.Get("Range") == "" {
			return false, fmt.Errorf("GET %s: %s to a request without a range", u, resp.Status)
		}
		out, err = os.OpenFile(partial, os.O_WRONLY|os.O_APPEND|oNoFollow, 0o644)
	case http.StatusOK:
		have = 0
		// Start afresh: remove whatever is there (a link is removed, not
		// followed) and create the file exclusively.
		if err := removeEntry(partial); err != nil {
			return false, err
		}
		out, err = os.OpenFile(partial, os.O_WRONLY|os.O_CREATE|os.O_EXCL|oNoFollow, 0o644)
		v := resp.Header.Get("ETag")
		if v == "" {
			v = resp.Header.Get("Last-Modified")
		}
		if v != "" && validValidator([]byte(v)) {
			if werr := writeFileAtomic(partial+".etag", []byte(v), 0o644); werr != nil {
				f.warn("save the validator of %s: %v", partial, werr)
			}
		} else {
			removeEntry(partial + ".etag")
		}
	case http.StatusRequestedRangeNotSatisfiable:
		removeEntry(partial)
		removeEntry(partial + ".etag")
		return false, fmt.Errorf("GET %s: %s: restarting", u, resp.Status)
	case http.StatusNotFound:
		return false, fmt.Errorf("GET %s: %w", u, errNotFound)
	default:
		return false, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return false, fmt.Errorf("partial download %s: a symbolic link, refused; remove it", partial)
		}
		return false, fmt.Errorf("write %s: %w", partial, err)
	}
	if ost, err := out.Stat(); err != nil || !ost.Mode().IsRegular() {
		out.Close()
		return false, fmt.Errorf("partial download %s: not a regular file: refused", partial)
	}
	var body io.Reader = io.LimitReader(resp.Body, MaxZipBytes-have+1)
	if f.opts.ProgressBar && f.opts.Progress != nil {
		bar := &progressBar{w: f.opts.Progress, name: filepath.Base(strings.TrimSuffix(partial, ".partial")), done: have, total: have + resp.ContentLength}
		body = io.TeeReader(body, bar)
		defer bar.finish()
	}
	n, copyErr := io.Copy(out, body)
	f.stats.Downloaded += n
	if err := out.Close(); err != nil && copyErr == nil {
		copyErr = err
	}
	if copyErr != nil {
		return false, fmt.Errorf("GET %s: after %d bytes: %w", u, have+n, copyErr)
	}
	if have+n > MaxZipBytes {
		removeEntry(partial)
		return false, fmt.Errorf("GET %s: over the %d-byte limit", u, int64(MaxZipBytes))
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return false, fmt.Errorf("GET %s: got %d of %d bytes", u, n, resp.ContentLength)
	}
	removeEntry(partial + ".etag")
	return true, nil
}

// validValidator accepts an ETag or HTTP date: printable ASCII, no
// control characters, bounded.
func validValidator(v []byte) bool {
	if len(v) == 0 || len(v) > maxValidatorBytes {
		return false
	}
	for _, c := range v {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// removeEntry removes a file or link by name (never what a link points
// to); a missing file is no error.
func removeEntry(p string) error {
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", p, err)
	}
	return nil
}

// validEcosystemName accepts export folder names ("Red Hat", "crates.io")
// and rejects anything that could leave the mirror or cache folder.
func validEcosystemName(eco string) bool {
	if eco == "" || eco == "." || eco == ".." || len(eco) > 100 {
		return false
	}
	return !strings.ContainsAny(eco, "/\\\x00")
}

// validRecordID accepts OSV ids ("DSA-5343-1", "RHSA-2024:4546") and
// rejects path separators and dot-only names.
func validRecordID(id string) bool {
	if id == "" || len(id) > 256 || strings.Trim(id, ".") == "" {
		return false
	}
	return !strings.ContainsAny(id, "/\\\x00")
}

// index fetches an ecosystem's modified_id.csv once per update.
func (f *fetcher) index(ctx context.Context, eco string) ([]byte, error) {
	if b, ok := f.indexes[eco]; ok {
		if b == nil {
			return nil, fmt.Errorf("%s: %w", f.url(eco, "modified_id.csv"), errNotFound)
		}
		return b, nil
	}
	b, err := f.get(ctx, eco, "modified_id.csv", MaxIndexBytes)
	if f.indexes == nil {
		f.indexes = map[string][]byte{}
	}
	switch {
	case err == nil:
		f.indexes[eco] = b
	case errors.Is(err, errNotFound):
		f.indexes[eco] = nil
	}
	return b, err
}

// indexLines parses an index and drops ids that could leave the
// ecosystem's folder once part of a URL or file name (reported once per
// ecosystem).
func (f *fetcher) indexLines(eco string, index []byte) ([]indexLine, time.Time, error) {
	lines, newest, err := parseModifiedIndex(index)
	if err != nil {
		return nil, newest, fmt.Errorf("update %s: %s: %w", eco, f.url(eco, "modified_id.csv"), err)
	}
	kept := lines[:0]
	for _, l := range lines {
		if !validRecordID(l.id) {
			if !f.reported[eco] {
				f.stats.problem("%s: id %q: not a valid record id", f.url(eco, "modified_id.csv"), truncate(l.id, 80))
			}
			continue
		}
		kept = append(kept, l)
	}
	if f.reported == nil {
		f.reported = map[string]bool{}
	}
	f.reported[eco] = true
	return kept, newest, nil
}

// unchanged reports whether an ecosystem's index lists exactly the records
// the old database has, none of them newer. A missing ecosystem counts as
// unchanged: its old records, if any, are kept.
func (f *fetcher) unchanged(ctx context.Context, old *DB, eco string) (bool, error) {
	index, err := f.index(ctx, eco)
	if errors.Is(err, errNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	m, ok := old.meta.Ecosystems[eco]
	if !ok {
		return false, nil
	}
	lines, _, err := f.indexLines(eco, index)
	if err != nil {
		return false, err
	}
	if len(lines) != m.Records {
		return false, nil
	}
	same := true
	err = old.View(func(t *Tx) error {
		for _, l := range lines {
			if l.modified.After(m.Newest) {
				same = false
				return nil
			}
			raw, err := t.raw(l.id)
			if err != nil {
				return err
			}
			if raw == nil {
				same = false
				return nil
			}
		}
		return nil
	})
	return same, err
}

// refresh writes a copy of the old database with new build and update
// times, for an update that found nothing new.
func (f *fetcher) refresh(old *DB, dbPath string, ecos []string, now time.Time) error {
	dir := filepath.Dir(dbPath)
	if err := makeFolder(dir); err != nil {
		return err
	}
	f.stats.Swept = append(f.stats.Swept, sweepStale(dbPath, now)...)
	tmpFile, err := createTemp(dbPath)
	if err != nil {
		return fmt.Errorf("update: create new database in %s: %w", dir, err)
	}
	tmp := tmpFile.Name()
	fail := func(err error) error {
		tmpFile.Close()
		removeTemp(tmp)
		return fmt.Errorf("update: refresh %s: %w", dbPath, err)
	}
	if err := old.bolt.View(func(tx *bolt.Tx) error { _, err := tx.WriteTo(tmpFile); return err }); err != nil {
		return fail(err)
	}
	if err := tmpFile.Close(); err != nil {
		return fail(err)
	}
	db, err := bolt.Open(tmp, FileMode, &bolt.Options{Timeout: time.Second})
	if err != nil {
		removeTemp(tmp)
		return fmt.Errorf("update: refresh %s: %w", dbPath, err)
	}
	meta := old.meta
	meta.Built = now.UTC()
	meta.Source = f.base
	meta.Ecosystems = map[string]EcosystemMeta{}
	for k, v := range old.meta.Ecosystems {
		meta.Ecosystems[k] = v
	}
	for _, eco := range ecos {
		if f.indexes[eco] == nil {
			if old.meta.Ecosystems[eco].Records > 0 {
				f.warn("%s: the source has no such ecosystem (%s): kept the old records", eco, f.url(eco, "modified_id.csv"))
				f.stats.Ecosystems = setStats(f.stats.Ecosystems, eco, EcosystemStats{Mode: "kept"})
			} else {
				f.warn("%s: the source has no such ecosystem (%s): skipped", eco, f.url(eco, "modified_id.csv"))
				f.stats.Ecosystems = setStats(f.stats.Ecosystems, eco, EcosystemStats{Mode: "missing"})
			}
			continue
		}
		m := meta.Ecosystems[eco]
		m.Updated = now.UTC()
		m.Source = f.base + "/" + eco
		meta.Ecosystems[eco] = m
		f.stats.Ecosystems = setStats(f.stats.Ecosystems, eco, EcosystemStats{Mode: "unchanged"})
	}
	for eco := range meta.Ecosystems {
		if _, ok := f.stats.Ecosystems[eco]; !ok {
			f.stats.Ecosystems = setStats(f.stats.Ecosystems, eco, EcosystemStats{Mode: "kept"})
		}
	}
	err = db.Update(func(tx *bolt.Tx) error {
		raw, err := json.Marshal(meta)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyMeta, raw)
	})
	if err == nil {
		err = db.Sync()
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// CreateTemp made the file 0600: give it the documented mode.
		err = os.Chmod(tmp, FileMode)
	}
	if err != nil {
		removeTemp(tmp)
		return fmt.Errorf("update: refresh %s: %w", dbPath, err)
	}
	if err := os.Rename(tmp, dbPath); err != nil {
		removeTemp(tmp)
		return fmt.Errorf("update: replace %s: %w", dbPath, err)
	}
	forgetTemp(tmp)
	total := 0
	for eco, m := range meta.Ecosystems {
		total += m.Records
		es := f.stats.Ecosystems[eco]
		es.Records = m.Records
		f.stats.Ecosystems[eco] = es
	}
	f.stats.Records = total
	return nil
}

// progressBar draws "name  12.3 / 40.0 MiB [=====>     ] 31%" on one
// terminal line, at most five times a second.
type progressBar struct {
	w           io.Writer
	name        string
	done, total int64
	last        time.Time
}

func (p *progressBar) Write(b []byte) (int, error) {
	p.done += int64(len(b))
	if now := time.Now(); now.Sub(p.last) >= 200*time.Millisecond {
		p.last = now
		p.draw()
	}
	return len(b), nil
}

func (p *progressBar) draw() {
	const mib = 1 << 20
	if p.total > 0 {
		const width = 30
		frac := float64(p.done) / float64(p.total)
		if frac > 1 {
			frac = 1
		}
		fill := int(frac * width)
		bar := strings.Repeat("=", fill) + strings.Repeat(" ", width-fill)
		if fill < width {
			bar = bar[:fill] + ">" + bar[fill+1:]
		}
		fmt.Fprintf(p.w, "\r%s  %.1f / %.1f MiB [%s] %3.0f%%", p.name, float64(p.done)/mib, float64(p.total)/mib, bar, frac*100)
	} else {
		fmt.Fprintf(p.w, "\r%s  %.1f MiB", p.name, float64(p.done)/mib)
	}
}

func (p *progressBar) finish() {
	p.draw()
	fmt.Fprintln(p.w)
}
