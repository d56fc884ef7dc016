package vulndb

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/testenv"
	"github.com/google/go-cmp/cmp"
)

const epssFixture = "testdata/epss/epss_scores-2025-08-25.csv.gz"

// importAll imports the fixtures' OSV records with the shared NVD, KEV
// and the EPSS fixture in one call.
func importAll(t *testing.T) (string, Stats) {
	t.Helper()
	nvd := testenv.SharedDir(t, "vulndata/nvd")
	kev := testenv.SharedDir(t, "vulndata/kev")
	dbPath := filepath.Join(t.TempDir(), "osv.db")
	st, err := Import(context.Background(), dbPath, "testdata/osv", nvd, kev, epssFixture)
	if err != nil {
		t.Fatal(err)
	}
	return dbPath, st
}

func TestImportAllSources(t *testing.T) {
	dbPath, st := importAll(t)
	if st.Records != 4 {
		t.Errorf("OSV records = %d, want 4", st.Records)
	}
	want := map[string]int{SourceNVD: 22, SourceKEV: 1404, SourceEPSS: 6}
	for src, n := range want {
		if got := st.Sources[src].Records; got != n {
			t.Errorf("%s: %d records, want %d (%+v)", src, got, n, st.Sources)
		}
	}
	db, err := Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m := db.Metadata()
	if v := m.Sources[SourceKEV].Version; v != "2025.08.25" {
		t.Errorf("KEV version = %q", v)
	}
	if d := m.Sources[SourceEPSS].Newest; !d.Equal(time.Date(2025, 8, 25, 12, 55, 0, 0, time.UTC)) {
		t.Errorf("EPSS score date = %s", d)
	}
	// The newest lastModified of the NVD sample (CVE-2021-23337).
	if d := m.Sources[SourceNVD].Newest; !d.Equal(time.Date(2026, 10, 8, 22, 17, 7, 363e6, time.UTC)) {
		t.Errorf("NVD newest = %s", d)
	}
	err = db.View(func(tx *Tx) error {
		// Primary wins over a Secondary listed first or rated higher.
		for cve, want := range map[string]string{
			"CVE-2022-1292":  "7.3 nvd@nist.gov",
			"CVE-2020-1747":  "9.8 nvd@nist.gov",
			"CVE-2023-23946": "7.5 nvd@nist.gov",
			"CVE-2020-14343": "9.8 nvd@nist.gov",
		} {
			r, err := tx.NVD(cve)
			if err != nil || r == nil {
				return fmt.Errorf("NVD(%s) = %v, %v", cve, r, err)
			}
			p, ok := r.Preferred()
			if got := fmt.Sprintf("%.1f %s", p.Score, p.Source); !ok || got != want {
				t.Errorf("%s preferred = %s, want %s (all: %+v)", cve, got, want, r.CVSS)
			}
			if len(r.CWEs) == 0 {
				t.Errorf("%s: no CWE", cve)
			}
		}
		r, _ := tx.NVD("CVE-2022-1292")
		if len(r.CVSS) < 2 {
			t.Errorf("CVE-2022-1292 keeps only %d CVSS entries; the Secondary must stay visible", len(r.CVSS))
		}
		k, err := tx.KEV("CVE-2025-49704")
		if err != nil || k == nil || k.DateAdded != "2025-07-22" || k.DueDate != "2025-07-23" || k.Ransomware != "Known" {
			t.Errorf("KEV(CVE-2025-49704) = %+v, %v", k, err)
		}
		e, err := tx.EPSS("CVE-2022-1292")
		if err != nil || e == nil || e.Score != 0.2151 || e.Percentile != 0.9543 {
			t.Errorf("EPSS(CVE-2022-1292) = %+v, %v", e, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestImportOneSourceKeepsOthers: importing KEV alone later keeps OSV,
// NVD and EPSS as they were; importing OSV alone keeps NVD, KEV and EPSS.
func TestImportOneSourceKeepsOthers(t *testing.T) {
	dbPath, _ := importAll(t)
	before := dumpAux(t, dbPath)
	kev := testenv.SharedDir(t, "vulndata/kev")
	st, err := Import(context.Background(), dbPath, filepath.Join(kev, "known_exploited_vulnerabilities.json"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != 4 || st.Sources[SourceNVD].Records != 22 || st.Sources[SourceEPSS].Mode != "kept" {
		t.Errorf("after a KEV import: %+v", st)
	}
	if _, err := Import(context.Background(), dbPath, "testdata/osv"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, dumpAux(t, dbPath)); diff != "" {
		t.Errorf("NVD/KEV/EPSS changed by imports of other sources (-before +after):\n%s", diff)
	}
}

func dumpAux(t *testing.T, dbPath string) map[string]string {
	t.Helper()
	db, err := Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string]string{}
	db.View(func(tx *Tx) error {
		for _, b := range [][]byte{bucketNVD, bucketKEV, bucketEPSS} {
			tx.tx.Bucket(b).ForEach(func(k, v []byte) error {
				out[string(b)+"/"+string(k)] = string(v)
				return nil
			})
		}
		return nil
	})
	for _, src := range []string{SourceNVD, SourceKEV, SourceEPSS} {
		m := db.Metadata().Sources[src]
		out["meta/"+src] = fmt.Sprintf("%d %s %s", m.Records, m.Newest, m.Version)
	}
	return out
}

// TestImportBadSources: malformed NVD pages, wrong totals, a truncated
// gzip EPSS file and a KEV file of the wrong shape each fail with an
// error naming the source, and leave the old database as it was.
func TestImportBadSources(t *testing.T) {
	dbPath, _ := importAll(t)
	before := dump(t, dbPath)
	beforeAux := dumpAux(t, dbPath)
	nvdShared := testenv.SharedDir(t, "vulndata/nvd")
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	page12, _ := os.ReadFile(filepath.Join(nvdShared, "cves-paged", "startIndex-12.json"))
	page0, _ := os.ReadFile(filepath.Join(nvdShared, "cves-paged", "startIndex-0.json"))
	gz, _ := os.ReadFile(epssFixture)
	// A real gzip, cut before its end.
	var big bytes.Buffer
	zw := gzip.NewWriter(&big)
	fmt.Fprintf(zw, "#model_version:v2025.03.14,score_date:2025-08-25T00:00:00Z\ncve,epss,percentile\n")
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(zw, "CVE-2024-%05d,0.%05d,0.%05d\n", i, i, i)
	}
	zw.Close()
	cases := []struct {
		name, path, want string
	}{
		{"nvd-missing-page", write("nvd1/startIndex-12.json", page12), "records 0 to 11 of totalResults 22 are missing"},
		{"nvd-bad-json", write("nvd2/page.json", []byte(`{"resultsPerPage": 2, "format": "NVD_CVE", "vulnerabilities": [`)), "nvd"},
		{"nvd-wrong-total", write("nvd3/page.json", bytes.Replace(page0, []byte(`"totalResults": 22`), []byte(`"totalResults": 5`), 1)), "more than totalResults 5"},
		{"nvd-bad-id", write("nvd4/page.json", bytes.Replace(page12, []byte(`"id": "CVE-2022-4304"`), []byte(`"id": "../../etc"`), 1)), "is not a CVE id"},
		{"epss-truncated", write("epss/epss.csv.gz", big.Bytes()[:big.Len()/2]), "epss"},
		{"epss-bad-value", write("epss2/x.csv", []byte("#model_version:v1,score_date:2025-01-01T00:00:00Z\ncve,epss,percentile\nCVE-2020-1234,7,0.5\n")), "[0,1]"},
		{"kev-wrong-shape", write("kev/kev.json", []byte(`{"title":"x","catalogVersion":"1","count":1,"vulnerabilities":{"cveID":"CVE-2020-1234"}}`)), "kev"},
		{"kev-bad-count", write("kev2/kev.json", []byte(`{"catalogVersion":"1","count":2,"vulnerabilities":[{"cveID":"CVE-2020-1234","dateAdded":"2024-01-01"}]}`)), "count 2 but 1 entries"},
	}
	_ = gz
	for _, c := range cases {
		_, err := Import(context.Background(), dbPath, c.path)
		if err == nil {
			t.Errorf("%s: import succeeded", c.name)
			continue
		}
		src := strings.SplitN(c.name, "-", 2)[0]
		if !strings.Contains(err.Error(), src+":") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v; want the source %q named and %q", c.name, err, src, c.want)
		}
	}
	if diff := cmp.Diff(before, dump(t, dbPath)); diff != "" {
		t.Errorf("OSV records changed by failed imports:\n%s", diff)
	}
	if diff := cmp.Diff(beforeAux, dumpAux(t, dbPath)); diff != "" {
		t.Errorf("NVD/KEV/EPSS changed by failed imports:\n%s", diff)
	}
}

// nvdServer serves the shared NVD records as the NVD CVE API 2.0 does:
// paged by startIndex and resultsPerPage, filtered by lastModStartDate
// and lastModEndDate; it answers 429 to the first request.
type nvdServer struct {
	mu       sync.Mutex
	records  []json.RawMessage
	mods     []time.Time
	requests []string
	keys     []string
	throttle int
}

func newNVDServer(t *testing.T) (*nvdServer, *httptest.Server) {
	data, err := os.ReadFile(filepath.Join(testenv.SharedDir(t, "vulndata/nvd"), "cves-page-0.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Vulnerabilities []json.RawMessage `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	s := &nvdServer{throttle: 1}
	for _, v := range doc.Vulnerabilities {
		var c struct {
			CVE struct {
				LastModified string `json:"lastModified"`
			} `json:"cve"`
		}
		json.Unmarshal(v, &c)
		m, err := parseNVDTime(c.CVE.LastModified)
		if err != nil {
			t.Fatal(err)
		}
		s.records = append(s.records, v)
		s.mods = append(s.mods, m)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

func (s *nvdServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r.URL.RawQuery)
	s.keys = append(s.keys, r.Header.Get("apiKey"))
	if s.throttle > 0 {
		s.throttle--
		http.Error(w, "rate limit", http.StatusTooManyRequests)
		return
	}
	q := r.URL.Query()
	start, _ := strconv.Atoi(q.Get("startIndex"))
	per, _ := strconv.Atoi(q.Get("resultsPerPage"))
	var from, to time.Time
	if v := q.Get("lastModStartDate"); v != "" {
		from, _ = time.Parse("2006-01-02T15:04:05.000-07:00", v)
		to, _ = time.Parse("2006-01-02T15:04:05.000-07:00", q.Get("lastModEndDate"))
		if from.IsZero() || to.IsZero() || to.Sub(from) > NVDMaxWindow {
			http.Error(w, "bad date window", http.StatusNotFound)
			return
		}
	}
	var sel []json.RawMessage
	for i, rec := range s.records {
		if !from.IsZero() && (s.mods[i].Before(from) || s.mods[i].After(to)) {
			continue
		}
		sel = append(sel, rec)
	}
	end := start + per
	if end > len(sel) {
		end = len(sel)
	}
	if start > end {
		start = end
	}
	page := sel[start:end]
	json.NewEncoder(w).Encode(map[string]any{
		"resultsPerPage": len(page), "startIndex": start, "totalResults": len(sel),
		"format": "NVD_CVE", "version": "2.0", "timestamp": "2026-12-07T18:05:59.217", "vulnerabilities": page,
	})
}

// TestUpdateNVDFromServer fetches the NVD sample from a local server
// shaped like the API: paged (5 per page), with the API key in a header,
// through a 429; then incrementally, in windows of at most 120 days, only
// what changed since.
func TestUpdateNVDFromServer(t *testing.T) {
	s, srv := newNVDServer(t)
	dbPath := filepath.Join(t.TempDir(), "osv.db")
	if _, err := Import(context.Background(), dbPath, "testdata/osv"); err != nil {
		t.Fatal(err)
	}
	fetched := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	opts := UpdateOptions{Sources: []string{SourceNVD}, NVDURL: srv.URL + "/rest/json/cves/2.0", NVDAPIKey: "k-123",
		NVDInterval: time.Millisecond, NVDPageSize: 5, RetryWait: time.Millisecond, Attempts: 3,
		Now: func() time.Time { return fetched }}
	st, err := Update(context.Background(), dbPath, opts)
	if err != nil {
		t.Fatal(err)
	}
	if st.Sources[SourceNVD].Records != 22 || st.Sources[SourceNVD].Mode != "full" || st.Records != 4 {
		t.Errorf("first NVD update: %+v", st)
	}
	// 1 throttled + 5 pages of 5.
	if len(s.requests) != 6 {
		t.Errorf("requests = %q, want one throttled and five pages", s.requests)
	}
	for _, k := range s.keys {
		if k != "k-123" {
			t.Errorf("apiKey header = %q", k)
		}
	}
	// Ten months later: only the records modified since are fetched, in
	// windows of at most 120 days (the server refuses larger ones).
	s.mu.Lock()
	s.requests = nil
	s.mu.Unlock()
	later := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	opts.Now = func() time.Time { return later }
	st, err = Update(context.Background(), dbPath, opts)
	if err != nil {
		t.Fatal(err)
	}
	ns := st.Sources[SourceNVD]
	if ns.Mode != "incremental" || ns.Records != 22 {
		t.Errorf("incremental NVD update: %+v", ns)
	}
	// Modified in 2026: CVE-2018-25032, CVE-2019-20477, CVE-2021-23337,
	// CVE-2021-40346, CVE-2022-2068.
	if ns.Fetched != 5 {
		t.Errorf("fetched %d records, want the 5 modified in 2026", ns.Fetched)
	}
	windows := 0
	for _, q := range s.requests {
		if strings.Contains(q, "lastModStartDate") {
			windows++
		}
	}
	if windows < 3 {
		t.Errorf("requests %q: want at least 3 windows of at most 120 days over 10 months", s.requests)
	}
	db, err := Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := db.Metadata().Sources[SourceNVD].Fetched; !got.Equal(later) {
		t.Errorf("NVD fetched = %s, want %s", got, later)
	}
}

// TestUpdateNVDBadTotals: a server whose totalResults changes while
// paging fails the update, naming NVD, and the old database stays.
func TestUpdateNVDBadTotals(t *testing.T) {
	var n int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		start, _ := strconv.Atoi(r.URL.Query().Get("startIndex"))
		fmt.Fprintf(w, `{"resultsPerPage":0,"startIndex":%d,"totalResults":%d,"format":"NVD_CVE","version":"2.0","vulnerabilities":[]}`, start, 10+n)
	}))
	defer srv.Close()
	dbPath, _ := importAll(t)
	before := dumpAux(t, dbPath)
	_, err := Update(context.Background(), dbPath, UpdateOptions{Sources: []string{SourceNVD}, NVDURL: srv.URL, NVDInterval: time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "nvd") {
		t.Fatalf("err = %v", err)
	}
	if diff := cmp.Diff(before, dumpAux(t, dbPath)); diff != "" {
		t.Errorf("old data changed:\n%s", diff)
	}
}

// TestUpdateKEVAndEPSSFromFiles reads KEV and EPSS through file:// URLs
// and over http.
func TestUpdateKEVAndEPSS(t *testing.T) {
	kevFile := filepath.Join(testenv.SharedDir(t, "vulndata/kev"), "known_exploited_vulnerabilities.json")
	abs, _ := filepath.Abs(epssFixture)
	mux := http.NewServeMux()
	mux.HandleFunc("/kev.json", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, kevFile) })
	mux.HandleFunc("/epss.csv.gz", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, abs) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, c := range []struct{ kev, epss string }{
		{"file://" + kevFile, "file://" + abs},
		{srv.URL + "/kev.json", srv.URL + "/epss.csv.gz"},
	} {
		dbPath := filepath.Join(t.TempDir(), "osv.db")
		st, err := Update(context.Background(), dbPath, UpdateOptions{Sources: []string{SourceKEV, SourceEPSS}, KEVURL: c.kev, EPSSURL: c.epss})
		if err != nil {
			t.Fatalf("%s: %v", c.kev, err)
		}
		if st.Sources[SourceKEV].Records != 1404 || st.Sources[SourceEPSS].Records != 6 {
			t.Errorf("%s: %+v", c.kev, st.Sources)
		}
	}
}

func FuzzParseNVDPage(f *testing.F) {
	f.Add([]byte(`{"resultsPerPage":1,"startIndex":0,"totalResults":1,"format":"NVD_CVE","vulnerabilities":[{"cve":{"id":"CVE-2020-1234","published":"2020-01-01T00:00:00.000","lastModified":"2020-01-01T00:00:00.000","metrics":{"cvssMetricV31":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","baseScore":9.8,"baseSeverity":"CRITICAL"}}]}}}]}`))
	f.Add([]byte(`{"format":"NVD_CVE"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseNVDPage(data)
		if err != nil {
			return
		}
		if p.StartIndex+len(p.Records) > p.TotalResults {
			t.Fatalf("accepted a page past its total: %+v", p)
		}
		for _, r := range p.Records {
			if !ValidCVE(r.ID) {
				t.Fatalf("accepted id %q", r.ID)
			}
			r.Preferred()
		}
	})
}

func FuzzParseKEV(f *testing.F) {
	f.Add([]byte(`{"catalogVersion":"1","count":1,"vulnerabilities":[{"cveID":"CVE-2020-1234","dateAdded":"2024-01-01","dueDate":"2024-01-21"}]}`))
	f.Add([]byte(`{"catalogVersion":"1","vulnerabilities":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseKEV(data)
		if err != nil {
			return
		}
		for _, e := range c.Entries {
			if !ValidCVE(e.CVE) {
				t.Fatalf("accepted id %q", e.CVE)
			}
		}
	})
}

func FuzzParseEPSS(f *testing.F) {
	gz, err := os.ReadFile(epssFixture)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(gz)
	f.Add([]byte("#model_version:v1,score_date:2025-01-01T00:00:00Z\ncve,epss,percentile\nCVE-2020-1234,0.5,0.9\n"))
	f.Add(gz[:len(gz)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ParseEPSS(bytes.NewReader(data), func(cve string, s EPSSScore) error {
			if !ValidCVE(cve) || s.Score < 0 || s.Score > 1 || s.Percentile < 0 || s.Percentile > 1 {
				t.Fatalf("accepted %s %+v", cve, s)
			}
			return nil
		})
		_ = err
	})
}

// FuzzJSONScan: the scanner that reads NVD pages accepts exactly what
// encoding/json accepts (nesting within its bound).
func FuzzJSONScan(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":"c\u00e9\n"}],"d":null,"e":true,"f":-1.5e3}`, `[`, `{"a":}`, `"\x01"`, `01`, `{"a":1,}`, `[1 2]`, `"\ud800"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc := &jscan{b: data}
		_, err := sc.value()
		if err == nil {
			err = sc.end()
		}
		if bytes.Count(data, []byte("["))+bytes.Count(data, []byte("{")) > maxJSONDepth {
			return
		}
		got, want := err == nil, json.Valid(data)
		if got && !want {
			t.Fatalf("scanner accepted invalid JSON %q", data)
		}
		if !got && want {
			t.Fatalf("scanner rejected valid JSON %q: %v", data, err)
		}
	})
}
