//go:build unix

package dockerfile

import (
	"syscall"
	"testing"
	"time"
)

// reportCPU adds the process CPU time per operation to a benchmark, a
// figure that stays meaningful on a loaded machine where wall time does not.
func reportCPU(b *testing.B, start syscall.Rusage) {
	var end syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &end); err != nil {
		return
	}
	cpu := time.Duration(end.Utime.Nano()+end.Stime.Nano()-start.Utime.Nano()-start.Stime.Nano()) * time.Nanosecond
	if b.N > 0 && cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "dockerfiles/cpu-s")
	}
}

func rusage() syscall.Rusage {
	var r syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r)
	return r
}
