package vulndb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkImportShared imports the whole shared data set (~18.6k
// records) into a new database. It reports seconds per import in wall and
// CPU time (the machine may be shared).
func BenchmarkImportShared(b *testing.B) {
	src := testenv.SharedDir(b, "vulndata/osv")
	dir := b.TempDir()
	b.ResetTimer()
	cpu0 := cpuTime()
	var records int
	for i := 0; i < b.N; i++ {
		stats, err := Import(context.Background(), filepath.Join(dir, "osv.db"), src)
		if err != nil {
			b.Fatal(err)
		}
		records = stats.Records
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/import")
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/import")
	b.ReportMetric(float64(records), "records")
}

// writeSyntheticNVD writes n NVD records as pages of 2,000, made from the
// real records of the shared sample with new ids (so each has the size and
// shape of a real one: descriptions, metrics, weaknesses, configurations,
// references).
func writeSyntheticNVD(b *testing.B, dir string, n int) int64 {
	b.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.SharedDir(b, "vulndata/nvd"), "cves-page-0.json"))
	if err != nil {
		b.Fatal(err)
	}
	var doc struct {
		Vulnerabilities []json.RawMessage `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		b.Fatal(err)
	}
	var ids []string
	for _, v := range doc.Vulnerabilities {
		var c struct {
			CVE struct {
				ID string `json:"id"`
			} `json:"cve"`
		}
		json.Unmarshal(v, &c)
		ids = append(ids, c.CVE.ID)
	}
	var total int64
	for start := 0; start < n; start += NVDMaxPage {
		end := min(start+NVDMaxPage, n)
		var buf bytes.Buffer
		fmt.Fprintf(&buf, `{"resultsPerPage":%d,"startIndex":%d,"totalResults":%d,"format":"NVD_CVE","version":"2.0","timestamp":"2026-12-07T00:00:00.000","vulnerabilities":[`, end-start, start, n)
		for i := start; i < end; i++ {
			if i > start {
				buf.WriteByte(',')
			}
			t := i % len(ids)
			buf.Write(bytes.ReplaceAll(doc.Vulnerabilities[t], []byte(`"`+ids[t]+`"`), []byte(fmt.Sprintf(`"CVE-2099-%07d"`, i))))
		}
		buf.WriteString("]}")
		total += int64(buf.Len())
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("page-%06d.json", start)), buf.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return total
}

// BenchmarkImportNVDSynthetic imports a synthetic NVD of
// BULKHEAD_NVD_RECORDS records (default 250,000, about NVD's size) into a
// new database and reports wall and CPU seconds and the peak RSS of the
// process (the pages are written before, one at a time).
func BenchmarkImportNVDSynthetic(b *testing.B) {
	n := 250000
	if v, err := strconv.Atoi(os.Getenv("BULKHEAD_NVD_RECORDS")); err == nil && v > 0 {
		n = v
	}
	src := filepath.Join(b.TempDir(), "nvd")
	os.MkdirAll(src, 0o755)
	size := writeSyntheticNVD(b, src, n)
	runtime.GC()
	dir := b.TempDir()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		st, err := Import(context.Background(), filepath.Join(dir, "osv.db"), src)
		if err != nil {
			b.Fatal(err)
		}
		if st.Sources[SourceNVD].Records != n {
			b.Fatalf("%d records, want %d", st.Sources[SourceNVD].Records, n)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/import")
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/import")
	b.ReportMetric(float64(size)/(1<<20), "MB-json")
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
}
