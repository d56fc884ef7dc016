package vulndb

import (
	"context"
	"path/filepath"
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
