package pipeline

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/rules"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/sensor"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// peakRSS reads VmHWM (the peak resident set) of this process in MB.
func peakRSS() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkContainerWorkload runs 20,000 short execs and 1,000,000 opens
// inside a container, without and with the BPF sensor and the pipeline
// (default rules) running in this process. Compare ns/exec and ns/open of
// the sensor=off and sensor=on runs; lost events and the process's peak
// RSS are reported as metrics.
//
//	go test -run '^$' -bench ContainerWorkload -benchtime 1x ./internal/runtime/pipeline
func BenchmarkContainerWorkload(b *testing.B) {
	testenv.RequireBPF(b)
	testenv.RequireDocker(b)
	image := buildImage(b)
	name := fmt.Sprintf("bh-bench-%d", os.Getpid())
	startContainer(b, image, name)
	set, _, err := rules.Load(rules.Default())
	if err != nil {
		b.Fatal(err)
	}
	workloads := []struct {
		name, unit string
		n          int
		args       []string
	}{
		{"execs", "exec", 20000, []string{"/helper", "execs", "20000", "/bin/true"}},
		{"opens", "open", 1000000, []string{"/helper", "opens", "1000000", "/etc/passwd"}},
	}
	for _, w := range workloads {
		for _, on := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/sensor=%v", w.name, on), func(b *testing.B) {
				var p *Pipeline
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				done := make(chan error, 1)
				if on {
					var err error
					p, err = New(Config{
						Sensor: sensor.Options{Mode: sensor.ModeBPF, Filter: sensor.FilterContainers},
						Rules:  set,
					})
					if err != nil {
						b.Fatal(err)
					}
					go func() { done <- p.Run(ctx) }()
				}
				b.ResetTimer()
				start := time.Now()
				for i := 0; i < b.N; i++ {
					out, err := exec.Command("docker", append([]string{"exec", name}, w.args...)...).CombinedOutput()
					if err != nil {
						b.Fatalf("%v: %s", err, out)
					}
				}
				elapsed := time.Since(start)
				b.StopTimer()
				b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N*w.n), "ns/"+w.unit)
				if on {
					// let the pipeline drain what is queued
					prev := uint64(0)
					for drain := time.Now().Add(10 * time.Second); time.Now().Before(drain); {
						time.Sleep(200 * time.Millisecond)
						if ev := p.Stats().Events; ev == prev {
							break
						} else {
							prev = ev
						}
					}
					st := p.Stats()
					cancel()
					<-done
					b.ReportMetric(float64(st.Sensor.Lost), "lost")
					b.ReportMetric(float64(st.Sensor.Events)/float64(b.N), "events/op")
					b.ReportMetric(peakRSS(), "MB-peak-RSS")
				}
			})
		}
	}
}
