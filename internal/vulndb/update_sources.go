package vulndb

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"time"
)

// Default locations of the non-OSV sources.
const (
	DefaultNVDURL  = "https://services.nvd.nist.gov/rest/json/cves/2.0"
	DefaultKEVURL  = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
	DefaultEPSSURL = "https://epss.cyentia.com/epss_scores-current.csv.gz"
)

// NVDAPIKeyEnv is the environment variable the CLI reads NVD's API key
// from.
const NVDAPIKeyEnv = "NVD_API_KEY"

// NVD's documented limits: 2,000 records per page, date windows of at
// most 120 days, and a rolling 30-second window of 5 requests without a
// key or 50 with one (NVD asks clients to sleep 6 s between requests).
const (
	NVDMaxPage       = 2000
	NVDMaxWindow     = 120 * 24 * time.Hour
	nvdIntervalNoKey = 6 * time.Second
	nvdIntervalKey   = 600 * time.Millisecond
)

func (f *fetcher) wants(source string) bool {
	list := f.opts.Sources
	if list == nil {
		list = []string{SourceOSV}
	}
	for _, s := range list {
		if s == source {
			return true
		}
	}
	return false
}

// updateSources fetches the requested non-OSV sources into b and carries
// the others over from old.
func (f *fetcher) updateSources(ctx context.Context, b *builder, old *DB, now time.Time) error {
	for _, src := range []string{SourceNVD, SourceKEV, SourceEPSS} {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !f.wants(src) {
			if err := b.copyAux(old, src, nil); err != nil {
				return err
			}
			continue
		}
		var err error
		switch src {
		case SourceNVD:
			err = f.updateNVD(ctx, b, old, now)
		case SourceKEV:
			err = f.updateKEV(ctx, b, now)
		case SourceEPSS:
			err = f.updateEPSS(ctx, b, now)
		}
		if err != nil {
			return fmt.Errorf("update %s: %w", src, err)
		}
	}
	return nil
}

func (f *fetcher) setSourceStats(src string, s SourceStats) {
	if f.stats.Sources == nil {
		f.stats.Sources = map[string]SourceStats{}
	}
	f.stats.Sources[src] = s
}

// localPath returns the path of a file:// URL, or "".
func localPath(u string) (string, bool, error) {
	pu, err := url.Parse(u)
	if err != nil {
		return "", false, fmt.Errorf("%q: %w", u, err)
	}
	switch pu.Scheme {
	case "file":
		return filepath.FromSlash(pu.Path), true, nil
	case "http", "https":
		return "", false, nil
	}
	return "", false, fmt.Errorf("%q: want an http://, https:// or file:// URL", u)
}

// open fetches a URL (or opens a file:// path) for streaming, with the
// fetcher's retries on network errors, 5xx and 429.
func (f *fetcher) open(ctx context.Context, u string, header http.Header) (io.ReadCloser, error) {
	if p, local, err := localPath(u); err != nil {
		return nil, err
	} else if local {
		file, err := openSource(p)
		if err != nil {
			return nil, err
		}
		return file, nil
	}
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
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := f.client.Do(req)
		if err != nil {
			lastErr = err
			continue
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			return resp.Body, nil
		case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusForbidden:
			// NVD answers 403 when the rate limit is exceeded.
			resp.Body.Close()
			lastErr = fmt.Errorf("GET %s: %s", u, resp.Status)
			continue
		default:
			resp.Body.Close()
			return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
		}
	}
	return nil, fmt.Errorf("%d attempts failed: %w", f.opts.Attempts, lastErr)
}

func (f *fetcher) updateKEV(ctx context.Context, b *builder, now time.Time) error {
	u := f.opts.KEVURL
	if u == "" {
		u = DefaultKEVURL
	}
	var c *KEVCatalog
	if p, local, err := localPath(u); err != nil {
		return err
	} else if local {
		c, _, err = readKEVFile(p)
		if err != nil {
			return err
		}
	} else {
		rc, err := f.open(ctx, u, nil)
		if err != nil {
			return fmt.Errorf("kev: %w", err)
		}
		data, err := io.ReadAll(io.LimitReader(rc, MaxKEVBytes+1))
		rc.Close()
		if err != nil {
			return fmt.Errorf("kev: GET %s: %w", u, err)
		}
		f.stats.Downloaded += int64(len(data))
		c, err = ParseKEV(data)
		if err != nil {
			return fmt.Errorf("kev: %s: %w", u, err)
		}
	}
	if err := loadKEV(b, c, u, now); err != nil {
		return err
	}
	f.progress("kev: %d entries (catalog %s)", len(c.Entries), c.Version)
	f.setSourceStats(SourceKEV, SourceStats{Mode: "full", Fetched: len(c.Entries)})
	return nil
}

func (f *fetcher) updateEPSS(ctx context.Context, b *builder, now time.Time) error {
	u := f.opts.EPSSURL
	if u == "" {
		u = DefaultEPSSURL
	}
	if p, local, err := localPath(u); err != nil {
		return err
	} else if local {
		file, err := epssFile(p)
		if err != nil {
			return err
		}
		u = file
	}
	var rc io.ReadCloser
	var err error
	if _, local, _ := localPath(f.opts.EPSSURL); local {
		rc, err = openSource(u)
	} else {
		rc, err = f.open(ctx, u, nil)
	}
	if err != nil {
		return fmt.Errorf("epss: %w", err)
	}
	defer rc.Close()
	n, err := loadEPSS(b, rc, u, now)
	if err != nil {
		return err
	}
	f.progress("epss: %d scores", n)
	f.setSourceStats(SourceEPSS, SourceStats{Mode: "full", Fetched: n})
	return nil
}

// nvdTime formats a time as the NVD API wants it.
func nvdTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000") + "+00:00" }

// updateNVD fetches NVD's CVE records: all of them the first time, then
// only those modified since the last fetch (in windows of at most 120
// days), paging with startIndex and waiting between requests as NVD asks.
func (f *fetcher) updateNVD(ctx context.Context, b *builder, old *DB, now time.Time) error {
	u := f.opts.NVDURL
	if u == "" {
		u = DefaultNVDURL
	}
	l := &nvdLoader{b: b, mods: map[string]time.Time{}}
	if p, local, err := localPath(u); err != nil {
		return err
	} else if local {
		if _, err := readNVDFiles(ctx, p, l); err != nil {
			return err
		}
		b.setSource(SourceNVD, SourceMeta{Records: len(l.mods), Newest: l.newest, Fetched: now, From: u})
		f.setSourceStats(SourceNVD, SourceStats{Mode: "full", Fetched: len(l.mods)})
		return nil
	}
	var prev SourceMeta
	incremental := false
	if old != nil {
		prev, incremental = old.meta.Sources[SourceNVD]
		incremental = incremental && !prev.Fetched.IsZero() && prev.From == u
	}
	if incremental {
		// An hour of overlap covers clocks that disagree.
		start := prev.Fetched.Add(-time.Hour)
		for start.Before(now) {
			end := start.Add(NVDMaxWindow)
			if end.After(now) {
				end = now
			}
			if err := f.nvdPages(ctx, u, l, url.Values{"lastModStartDate": {nvdTime(start)}, "lastModEndDate": {nvdTime(end)}}); err != nil {
				return err
			}
			start = end
		}
	} else if err := f.nvdPages(ctx, u, l, url.Values{}); err != nil {
		return err
	}
	fetched := len(l.mods)
	newest := l.newest
	records := fetched
	mode := "full"
	if incremental {
		mode = "incremental"
		skip := map[string]bool{}
		for id := range l.mods {
			skip[id] = true
		}
		kept := 0
		err := old.View(func(t *Tx) error {
			ab := t.tx.Bucket(bucketNVD)
			if ab == nil {
				return nil
			}
			return ab.ForEach(func(k, v []byte) error {
				if skip[string(k)] {
					return nil
				}
				kept++
				return b.putAux(SourceNVD, string(k), append([]byte(nil), v...))
			})
		})
		if err != nil {
			return fmt.Errorf("nvd: carry over old records: %w", err)
		}
		records = fetched + kept
		if prev.Newest.After(newest) {
			newest = prev.Newest
		}
	}
	b.setSource(SourceNVD, SourceMeta{Records: records, Newest: newest, Fetched: now, From: u})
	f.setSourceStats(SourceNVD, SourceStats{Mode: mode, Fetched: fetched})
	f.progress("nvd: %d records fetched (%s), %d in all", fetched, mode, records)
	return nil
}

// nvdPages pages through one query.
func (f *fetcher) nvdPages(ctx context.Context, base string, l *nvdLoader, q url.Values) error {
	size := f.opts.NVDPageSize
	if size <= 0 || size > NVDMaxPage {
		size = NVDMaxPage
	}
	interval := f.opts.NVDInterval
	if interval == 0 {
		interval = nvdIntervalNoKey
		if f.opts.NVDAPIKey != "" {
			interval = nvdIntervalKey
		}
	}
	header := http.Header{}
	if f.opts.NVDAPIKey != "" {
		header.Set("apiKey", f.opts.NVDAPIKey)
	}
	total := -1
	for start := 0; total < 0 || start < total; {
		if start > 0 || f.nvdRequests > 0 {
			if err := sleepCtx(ctx, interval); err != nil {
				return err
			}
		}
		q.Set("startIndex", strconv.Itoa(start))
		q.Set("resultsPerPage", strconv.Itoa(size))
		u := base + "?" + q.Encode()
		f.nvdRequests++
		rc, err := f.open(ctx, u, header)
		if err != nil {
			return fmt.Errorf("nvd: %w", err)
		}
		data, err := io.ReadAll(io.LimitReader(rc, MaxNVDPageBytes+1))
		rc.Close()
		if err != nil {
			return fmt.Errorf("nvd: GET %s: %w", u, err)
		}
		f.stats.Downloaded += int64(len(data))
		page, err := ParseNVDPage(data)
		if err != nil {
			return fmt.Errorf("nvd: GET %s: %w", u, err)
		}
		if page.StartIndex != start {
			return fmt.Errorf("nvd: GET %s: %w: asked for startIndex %d, got %d", u, ErrSourceFormat, start, page.StartIndex)
		}
		if total >= 0 && page.TotalResults != total {
			return fmt.Errorf("nvd: GET %s: %w: totalResults changed from %d to %d while paging", u, ErrSourceFormat, total, page.TotalResults)
		}
		total = page.TotalResults
		if len(page.Records) == 0 && start < total {
			return fmt.Errorf("nvd: GET %s: %w: an empty page at startIndex %d of totalResults %d", u, ErrSourceFormat, start, total)
		}
		for _, rec := range page.Records {
			if err := l.add(rec); err != nil {
				return err
			}
		}
		start += len(page.Records)
		f.progress("nvd: %d of %d", start, total)
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
