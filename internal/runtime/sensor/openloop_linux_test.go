//go:build linux && (amd64 || arm64)

package sensor

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// openLoopEnv makes TestHelperOpenLoop, run as a child, open and close a
// file that many times.
const openLoopEnv = "BULKHEAD_SENSOR_OPEN_LOOP"

// TestHelperOpenLoop is the child of BenchmarkOpenLoop, not a test.
func TestHelperOpenLoop(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv(openLoopEnv))
	if err != nil {
		t.Skip("helper process for BenchmarkOpenLoop")
	}
	path := os.Getenv(openLoopEnv + "_PATH")
	for range n {
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		unix.Close(fd)
	}
}

// BenchmarkOpenLoop measures what the BPF sensor adds to an open+close of
// /etc/passwd in a child process (not the sensor's own, which it skips):
// no sensor; the sensor with a filter that lets nothing through (the fixed
// cost of the attached syscall tracepoints); the sensor sending every open
// (decoded and discarded); and the sensor with open prefixes that leave this
// path out (counted, not sent).
//
//	go test -run '^$' -bench OpenLoop -benchtime 1x ./internal/runtime/sensor
func BenchmarkOpenLoop(b *testing.B) {
	testenv.RequireBPF(b)
	const n = 1000000
	cases := []struct {
		name string
		opts *Options
		path string
	}{
		{"sensor=off", nil, "/etc/passwd"},
		{"sensor=nothing-passes", &Options{Mode: ModeBPF, Filter: FilterCgroups}, "/etc/passwd"},
		{"sensor=all", &Options{Mode: ModeBPF}, "/etc/passwd"},
		{"sensor=all-repeat-window", &Options{Mode: ModeBPF, RepeatWindow: DefaultRepeatWindow}, "/etc/passwd"},
		{"sensor=prefix-miss", &Options{Mode: ModeBPF, OpenPrefixes: []string{"/usr/bin", "/root"}}, "/etc/passwd"},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			var s *Sensor
			// the kernel's run-time statistics of the programs, for the
			// sys_exit program's cost per call (every syscall's exit)
			st, err := ebpf.EnableStats(unix.BPF_STATS_RUN_TIME)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			if tc.opts != nil {
				var err error
				if s, err = Open(*tc.opts); err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				ch := make(chan *event.Event, 1024)
				go func() {
					for range ch {
					}
				}()
				go func() { done <- s.Run(ctx, ch) }()
			}
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				cmd := exec.Command(os.Args[0], "-test.run=^TestHelperOpenLoop$")
				cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", openLoopEnv, n), openLoopEnv+"_PATH="+tc.path)
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%v: %s", err, out)
				}
			}
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N*n), "ns/open")
			if s != nil {
				time.Sleep(200 * time.Millisecond)
				cancel()
				<-done
				ss := s.Stats()
				b.ReportMetric(float64(ss.Events)/float64(b.N), "events/op")
				b.ReportMetric(float64(ss.OpensSkipped)/float64(b.N), "skipped/op")
				b.ReportMetric(float64(ss.OpensRepeated)/float64(b.N), "repeats/op")
				b.ReportMetric(float64(ss.Lost), "lost")
				if ps, err := s.be.(*bpfBackend).objs.SysExit.Stats(); err == nil && ps.RunCount > 0 {
					// includes the statistics' own two clock reads per run
					b.ReportMetric(float64(ps.Runtime.Nanoseconds())/float64(ps.RunCount), "sys_exit-ns/run")
				}
			}
		})
	}
}
