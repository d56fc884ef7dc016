package vulndb

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The data sources besides OSV. Each lives in its own bucket keyed by CVE
// id, so that importing one keeps the others.
const (
	SourceOSV  = "osv"
	SourceNVD  = "nvd"
	SourceKEV  = "kev"
	SourceEPSS = "epss"
)

// AllSources lists the sources `db update` fetches by default.
var AllSources = []string{SourceOSV, SourceNVD, SourceKEV, SourceEPSS}

var (
	bucketNVD  = []byte("nvd")
	bucketKEV  = []byte("kev")
	bucketEPSS = []byte("epss")
)

func auxBucket(source string) []byte {
	switch source {
	case SourceNVD:
		return bucketNVD
	case SourceKEV:
		return bucketKEV
	case SourceEPSS:
		return bucketEPSS
	}
	return nil
}

// SourceMeta is what the database knows of one non-OSV source.
type SourceMeta struct {
	Records int `json:"records"`
	// Newest is the newest modification time the data holds (NVD
	// lastModified, KEV dateReleased, EPSS score_date).
	Newest time.Time `json:"newest_modified"`
	// Fetched is when the data was last fetched or imported.
	Fetched time.Time `json:"fetched"`
	// From is the URL or folder it came from.
	From string `json:"from,omitempty"`
	// Version is the KEV catalogVersion or the EPSS model_version.
	Version string `json:"version,omitempty"`
}

// CVSSEntry is one CVSS rating stored for a CVE.
type CVSSEntry struct {
	Version  string  `json:"v"`
	Vector   string  `json:"vec"`
	Score    float64 `json:"s"`
	Severity string  `json:"sev,omitempty"`
	Source   string  `json:"src,omitempty"`
	Type     string  `json:"t,omitempty"`
}

// NVDRecord is what the database keeps of an NVD CVE record: enough for
// severity and reports, not the whole document.
type NVDRecord struct {
	ID        string      `json:"id"`
	Published time.Time   `json:"pub"`
	Modified  time.Time   `json:"mod"`
	Status    string      `json:"st,omitempty"`
	CVSS      []CVSSEntry `json:"cvss,omitempty"`
	CWEs      []string    `json:"cwe,omitempty"`
}

// Preferred returns NVD's own rating: the newest CVSS version that has
// one, and within it the Primary entry (else the first). ok is false when
// the record has no CVSS at all.
func (r *NVDRecord) Preferred() (CVSSEntry, bool) {
	for _, v := range []string{"4.0", "3.1", "3.0", "2.0"} {
		var first *CVSSEntry
		for i := range r.CVSS {
			e := &r.CVSS[i]
			if e.Version != v {
				continue
			}
			if e.Type == "Primary" {
				return *e, true
			}
			if first == nil {
				first = e
			}
		}
		if first != nil {
			return *first, true
		}
	}
	return CVSSEntry{}, false
}

// KEVEntry is one entry of CISA's Known Exploited Vulnerabilities catalog.
type KEVEntry struct {
	CVE        string `json:"cve"`
	Vendor     string `json:"vendor,omitempty"`
	Product    string `json:"product,omitempty"`
	Name       string `json:"name,omitempty"`
	DateAdded  string `json:"added"`
	DueDate    string `json:"due,omitempty"`
	Ransomware string `json:"ransomware,omitempty"`
}

// EPSSScore is one CVE's line of FIRST's EPSS scores.
type EPSSScore struct {
	Score      float64 `json:"s"`
	Percentile float64 `json:"p"`
}

var cveRE = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,19}$`)

// ValidCVE reports whether id is a CVE id.
func ValidCVE(id string) bool { return cveRE.MatchString(id) }

// ErrSourceFormat is wrapped by every error about NVD, KEV or EPSS data of
// the wrong shape.
var ErrSourceFormat = errors.New("malformed data")

// MaxNVDPageBytes bounds one NVD API response (2,000 records are ~10 MB).
const MaxNVDPageBytes = 256 << 20

// nvdPage is one NVD CVE API 2.0 response.
type nvdPage struct {
	ResultsPerPage  *int   `json:"resultsPerPage"`
	StartIndex      *int   `json:"startIndex"`
	TotalResults    *int   `json:"totalResults"`
	Format          string `json:"format"`
	Version         string `json:"version"`
	Timestamp       string `json:"timestamp"`
	Vulnerabilities []struct {
		CVE *nvdCVE `json:"cve"`
	} `json:"vulnerabilities"`
}

type nvdCVE struct {
	ID           string `json:"id"`
	Published    string `json:"published"`
	LastModified string `json:"lastModified"`
	VulnStatus   string `json:"vulnStatus"`
	Metrics      struct {
		V40 []nvdMetric `json:"cvssMetricV40"`
		V31 []nvdMetric `json:"cvssMetricV31"`
		V30 []nvdMetric `json:"cvssMetricV30"`
		V2  []nvdMetric `json:"cvssMetricV2"`
	} `json:"metrics"`
	Weaknesses []struct {
		Description []struct {
			Lang  string `json:"lang"`
			Value string `json:"value"`
		} `json:"description"`
	} `json:"weaknesses"`
}

type nvdMetric struct {
	Source   string `json:"source"`
	Type     string `json:"type"`
	CVSSData struct {
		Version      string  `json:"version"`
		VectorString string  `json:"vectorString"`
		BaseScore    float64 `json:"baseScore"`
		BaseSeverity string  `json:"baseSeverity"`
	} `json:"cvssData"`
	BaseSeverity string `json:"baseSeverity"` // v2 keeps it outside cvssData
}

// NVDPage is a parsed NVD response: its paging and its records.
type NVDPage struct {
	StartIndex     int
	ResultsPerPage int
	TotalResults   int
	Timestamp      time.Time
	Records        []NVDRecord
}

// parseNVDTime reads NVD's times, which carry no zone (UTC).
func parseNVDTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q: not an NVD time", truncate(s, 40))
}

// ParseNVDPage reads one NVD CVE API 2.0 response. The envelope must be
// there (format NVD_CVE, resultsPerPage, startIndex, totalResults) and
// consistent; a record without an id, with an id that is not a CVE or
// with unreadable times makes the page malformed.
func ParseNVDPage(data []byte) (*NVDPage, error) {
	if len(data) > MaxNVDPageBytes {
		return nil, fmt.Errorf("%w: %d bytes, over the %d limit", ErrSourceFormat, len(data), MaxNVDPageBytes)
	}
	p, err := scanNVDPage(data)
	if err != nil {
		return nil, fmt.Errorf("%w: not an NVD API response: %v", ErrSourceFormat, err)
	}
	if p.Format != "NVD_CVE" {
		return nil, fmt.Errorf("%w: format %q, want NVD_CVE", ErrSourceFormat, truncate(p.Format, 40))
	}
	if p.ResultsPerPage == nil || p.StartIndex == nil || p.TotalResults == nil {
		return nil, fmt.Errorf("%w: no resultsPerPage, startIndex or totalResults", ErrSourceFormat)
	}
	out := &NVDPage{StartIndex: *p.StartIndex, ResultsPerPage: *p.ResultsPerPage, TotalResults: *p.TotalResults}
	if out.StartIndex < 0 || out.ResultsPerPage < 0 || out.TotalResults < 0 {
		return nil, fmt.Errorf("%w: negative paging numbers", ErrSourceFormat)
	}
	if len(p.Vulnerabilities) > out.ResultsPerPage && out.ResultsPerPage > 0 || (out.ResultsPerPage == 0 && len(p.Vulnerabilities) > 0) {
		return nil, fmt.Errorf("%w: %d records on a page of resultsPerPage %d", ErrSourceFormat, len(p.Vulnerabilities), out.ResultsPerPage)
	}
	if out.StartIndex+len(p.Vulnerabilities) > out.TotalResults {
		return nil, fmt.Errorf("%w: startIndex %d + %d records is more than totalResults %d", ErrSourceFormat, out.StartIndex, len(p.Vulnerabilities), out.TotalResults)
	}
	if p.Timestamp != "" {
		out.Timestamp, _ = parseNVDTime(p.Timestamp)
	}
	out.Records = make([]NVDRecord, 0, len(p.Vulnerabilities))
	for i, v := range p.Vulnerabilities {
		if v.CVE == nil {
			return nil, fmt.Errorf("%w: vulnerabilities[%d] has no cve", ErrSourceFormat, i)
		}
		rec, err := v.CVE.record()
		if err != nil {
			return nil, fmt.Errorf("%w: vulnerabilities[%d]: %v", ErrSourceFormat, i, err)
		}
		out.Records = append(out.Records, rec)
	}
	return out, nil
}

// scanNVDPage reads a page with jscan: the envelope and, of each record,
// only the fields NVDRecord keeps; the rest is checked and skipped.
func scanNVDPage(data []byte) (*nvdPage, error) {
	p := &nvdPage{}
	sc := &jscan{b: data}
	setInt := func(dst **int) error {
		v, err := sc.value()
		if err != nil {
			return err
		}
		var n int
		if err := json.Unmarshal(v, &n); err != nil {
			return err
		}
		*dst = &n
		return nil
	}
	setStr := func(dst *string) error {
		v, err := sc.value()
		if err != nil {
			return err
		}
		return json.Unmarshal(v, dst)
	}
	decode := func(dst any) error {
		v, err := sc.value()
		if err != nil {
			return err
		}
		return json.Unmarshal(v, dst)
	}
	err := sc.object(func(key []byte) error {
		switch string(key) {
		case "resultsPerPage":
			return setInt(&p.ResultsPerPage)
		case "startIndex":
			return setInt(&p.StartIndex)
		case "totalResults":
			return setInt(&p.TotalResults)
		case "format":
			return setStr(&p.Format)
		case "version":
			return setStr(&p.Version)
		case "timestamp":
			return setStr(&p.Timestamp)
		case "vulnerabilities":
			if sc.peek() == 'n' {
				_, err := sc.value()
				return err
			}
			return sc.array(func() error {
				var item struct {
					CVE *nvdCVE `json:"cve"`
				}
				err := sc.object(func(key []byte) error {
					if string(key) != "cve" {
						_, err := sc.value()
						return err
					}
					if sc.peek() != '{' {
						_, err := sc.value()
						return err
					}
					c := &nvdCVE{}
					item.CVE = c
					return sc.object(func(key []byte) error {
						switch string(key) {
						case "id":
							return setStr(&c.ID)
						case "published":
							return setStr(&c.Published)
						case "lastModified":
							return setStr(&c.LastModified)
						case "vulnStatus":
							return setStr(&c.VulnStatus)
						case "metrics":
							return decode(&c.Metrics)
						case "weaknesses":
							return decode(&c.Weaknesses)
						}
						_, err := sc.value()
						return err
					})
				})
				if err != nil {
					return err
				}
				p.Vulnerabilities = append(p.Vulnerabilities, item)
				return nil
			})
		}
		_, err := sc.value()
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := sc.end(); err != nil {
		return nil, err
	}
	return p, nil
}

func (c *nvdCVE) record() (NVDRecord, error) {
	if !ValidCVE(c.ID) {
		return NVDRecord{}, fmt.Errorf("id %q is not a CVE id", truncate(c.ID, 40))
	}
	r := NVDRecord{ID: c.ID, Status: c.VulnStatus}
	var err error
	if r.Published, err = parseNVDTime(c.Published); err != nil {
		return r, fmt.Errorf("%s: published: %v", c.ID, err)
	}
	if r.Modified, err = parseNVDTime(c.LastModified); err != nil {
		return r, fmt.Errorf("%s: lastModified: %v", c.ID, err)
	}
	add := func(list []nvdMetric, def string) {
		for _, m := range list {
			v := m.CVSSData.Version
			if v == "" {
				v = def
			}
			sev := m.CVSSData.BaseSeverity
			if sev == "" {
				sev = m.BaseSeverity
			}
			if m.CVSSData.VectorString == "" && m.CVSSData.BaseScore == 0 {
				continue
			}
			r.CVSS = append(r.CVSS, CVSSEntry{Version: v, Vector: m.CVSSData.VectorString, Score: m.CVSSData.BaseScore,
				Severity: strings.ToUpper(sev), Source: m.Source, Type: m.Type})
		}
	}
	add(c.Metrics.V40, "4.0")
	add(c.Metrics.V31, "3.1")
	add(c.Metrics.V30, "3.0")
	add(c.Metrics.V2, "2.0")
	seen := map[string]bool{}
	for _, w := range c.Weaknesses {
		for _, d := range w.Description {
			if strings.HasPrefix(d.Value, "CWE-") && !seen[d.Value] {
				seen[d.Value] = true
				r.CWEs = append(r.CWEs, d.Value)
			}
		}
	}
	return r, nil
}

// MaxKEVBytes bounds the KEV catalog (today ~1.3 MB).
const MaxKEVBytes = 64 << 20

// KEVCatalog is a parsed KEV catalog.
type KEVCatalog struct {
	Version  string
	Released time.Time
	Entries  []KEVEntry
}

// ParseKEV reads CISA's KEV catalog JSON. It must have a catalogVersion, a
// vulnerabilities list whose length is count, and each entry a CVE id and
// a dateAdded.
func ParseKEV(data []byte) (*KEVCatalog, error) {
	if len(data) > MaxKEVBytes {
		return nil, fmt.Errorf("%w: %d bytes, over the %d limit", ErrSourceFormat, len(data), MaxKEVBytes)
	}
	var doc struct {
		CatalogVersion  string `json:"catalogVersion"`
		DateReleased    string `json:"dateReleased"`
		Count           *int   `json:"count"`
		Vulnerabilities *[]struct {
			CVEID      string `json:"cveID"`
			Vendor     string `json:"vendorProject"`
			Product    string `json:"product"`
			Name       string `json:"vulnerabilityName"`
			DateAdded  string `json:"dateAdded"`
			DueDate    string `json:"dueDate"`
			Ransomware string `json:"knownRansomwareCampaignUse"`
		} `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: not a KEV catalog: %v", ErrSourceFormat, err)
	}
	if doc.CatalogVersion == "" || doc.Vulnerabilities == nil {
		return nil, fmt.Errorf("%w: not a KEV catalog (no catalogVersion or vulnerabilities)", ErrSourceFormat)
	}
	if doc.Count != nil && *doc.Count != len(*doc.Vulnerabilities) {
		return nil, fmt.Errorf("%w: count %d but %d entries", ErrSourceFormat, *doc.Count, len(*doc.Vulnerabilities))
	}
	c := &KEVCatalog{Version: doc.CatalogVersion}
	if doc.DateReleased != "" {
		t, err := time.Parse(time.RFC3339Nano, doc.DateReleased)
		if err != nil {
			return nil, fmt.Errorf("%w: dateReleased %q: %v", ErrSourceFormat, truncate(doc.DateReleased, 40), err)
		}
		c.Released = t.UTC()
	}
	for i, v := range *doc.Vulnerabilities {
		if !ValidCVE(v.CVEID) {
			return nil, fmt.Errorf("%w: vulnerabilities[%d]: cveID %q is not a CVE id", ErrSourceFormat, i, truncate(v.CVEID, 40))
		}
		if _, err := time.Parse("2006-01-02", v.DateAdded); err != nil {
			return nil, fmt.Errorf("%w: %s: dateAdded %q is not a date", ErrSourceFormat, v.CVEID, truncate(v.DateAdded, 40))
		}
		if v.DueDate != "" {
			if _, err := time.Parse("2006-01-02", v.DueDate); err != nil {
				return nil, fmt.Errorf("%w: %s: dueDate %q is not a date", ErrSourceFormat, v.CVEID, truncate(v.DueDate, 40))
			}
		}
		c.Entries = append(c.Entries, KEVEntry{CVE: v.CVEID, Vendor: v.Vendor, Product: v.Product, Name: v.Name,
			DateAdded: v.DateAdded, DueDate: v.DueDate, Ransomware: v.Ransomware})
	}
	return c, nil
}

// MaxEPSSBytes bounds the uncompressed EPSS file (today ~10 MB for ~300k
// CVEs).
const MaxEPSSBytes = 1 << 30

// EPSSHeader is the first line of the EPSS file.
type EPSSHeader struct {
	ModelVersion string
	ScoreDate    time.Time
}

// ParseEPSS reads FIRST's daily EPSS scores: gzip or plain CSV, first line
// "#model_version:<v>,score_date:<RFC3339>", then "cve,epss,percentile",
// then one line per CVE. fn receives each line; a truncated gzip stream, a
// bad line or a value outside [0,1] is an error.
func ParseEPSS(r io.Reader, fn func(cve string, s EPSSScore) error) (EPSSHeader, error) {
	var h EPSSHeader
	br := bufio.NewReaderSize(r, 64<<10)
	magic, _ := br.Peek(2)
	var in io.Reader = br
	if bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return h, fmt.Errorf("%w: gzip: %v", ErrSourceFormat, err)
		}
		defer zr.Close()
		in = zr
	}
	lr := &io.LimitedReader{R: in, N: MaxEPSSBytes + 1}
	sc := bufio.NewScanner(lr)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	line := 0
	next := func() (string, bool) {
		if !sc.Scan() {
			return "", false
		}
		line++
		return strings.TrimRight(sc.Text(), "\r"), true
	}
	first, ok := next()
	if !ok {
		if err := sc.Err(); err != nil {
			return h, fmt.Errorf("%w: %v", ErrSourceFormat, err)
		}
		return h, fmt.Errorf("%w: empty file", ErrSourceFormat)
	}
	if !strings.HasPrefix(first, "#") {
		return h, fmt.Errorf("%w: line 1: want #model_version:...,score_date:..., got %q", ErrSourceFormat, truncate(first, 60))
	}
	for _, field := range strings.Split(strings.TrimPrefix(first, "#"), ",") {
		k, v, _ := strings.Cut(field, ":")
		switch strings.TrimSpace(k) {
		case "model_version":
			h.ModelVersion = strings.TrimSpace(v)
		case "score_date":
			t, err := parseEPSSDate(strings.TrimSpace(v))
			if err != nil {
				return h, fmt.Errorf("%w: line 1: score_date: %v", ErrSourceFormat, err)
			}
			h.ScoreDate = t
		}
	}
	if h.ModelVersion == "" || h.ScoreDate.IsZero() {
		return h, fmt.Errorf("%w: line 1: no model_version or score_date in %q", ErrSourceFormat, truncate(first, 60))
	}
	hdr, ok := next()
	if !ok || strings.ReplaceAll(hdr, " ", "") != "cve,epss,percentile" {
		return h, fmt.Errorf("%w: line 2: want the header cve,epss,percentile, got %q", ErrSourceFormat, truncate(hdr, 60))
	}
	for {
		l, ok := next()
		if !ok {
			break
		}
		if l == "" {
			continue
		}
		rec, err := csv.NewReader(strings.NewReader(l)).Read()
		if err != nil || len(rec) != 3 {
			return h, fmt.Errorf("%w: line %d: want cve,epss,percentile, got %q", ErrSourceFormat, line, truncate(l, 60))
		}
		if !ValidCVE(rec[0]) {
			return h, fmt.Errorf("%w: line %d: %q is not a CVE id", ErrSourceFormat, line, truncate(rec[0], 40))
		}
		s, err1 := strconv.ParseFloat(rec[1], 64)
		p, err2 := strconv.ParseFloat(rec[2], 64)
		if err1 != nil || err2 != nil || !(s >= 0 && s <= 1) || !(p >= 0 && p <= 1) {
			return h, fmt.Errorf("%w: line %d: epss and percentile must be numbers in [0,1], got %q", ErrSourceFormat, line, truncate(l, 60))
		}
		if err := fn(rec[0], EPSSScore{Score: s, Percentile: p}); err != nil {
			return h, err
		}
	}
	if err := sc.Err(); err != nil {
		return h, fmt.Errorf("%w: after line %d: %v (a truncated download?)", ErrSourceFormat, line, err)
	}
	if lr.N <= 0 {
		return h, fmt.Errorf("%w: over the %d-byte limit", ErrSourceFormat, int64(MaxEPSSBytes))
	}
	if line < 2 {
		return h, fmt.Errorf("%w: no scores", ErrSourceFormat)
	}
	return h, nil
}

func parseEPSSDate(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05-0700", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date", truncate(s, 40))
}

// sniffKind tells an NVD response, a KEV catalog, an EPSS file or an OSV
// record apart by their first bytes.
func sniffKind(head []byte) string {
	if bytes.HasPrefix(head, []byte{0x1f, 0x8b}) || bytes.HasPrefix(bytes.TrimSpace(head), []byte("#model_version")) ||
		bytes.HasPrefix(bytes.TrimSpace(head), []byte("cve,epss")) {
		return SourceEPSS
	}
	s := string(head)
	switch {
	case strings.Contains(s, `"catalogVersion"`):
		return SourceKEV
	case strings.Contains(s, `"NVD_CVE"`) || strings.Contains(s, `"resultsPerPage"`):
		return SourceNVD
	}
	return SourceOSV
}
