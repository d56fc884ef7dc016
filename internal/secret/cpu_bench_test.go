package secret

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user+system CPU time. The benchmarks report
// throughput per CPU-second besides wall-clock MB/s, because the build
// machines are shared and wall time there mostly measures the neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds a "cpu-MB/s" metric: bytes per CPU-second over the run.
func reportCPU(b *testing.B, start time.Duration, bytesPerOp int64) {
	b.StopTimer()
	d := cpuTime() - start
	if d > 0 {
		b.ReportMetric(float64(bytesPerOp)*float64(b.N)/d.Seconds()/1e6, "cpu-MB/s")
	}
}
