package pipeline

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
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

// benchContainer builds the test image, starts a container named
// prefix-PID that idles, and loads the default rules.
func benchContainer(b *testing.B, prefix string) (string, *rules.Set) {
	testenv.RequireBPF(b)
	testenv.RequireDocker(b)
	image := buildImage(b)
	name := fmt.Sprintf("%s-%d", prefix, os.Getpid())
	startContainer(b, image, name)
	set, _, err := rules.Load(rules.Default())
	if err != nil {
		b.Fatal(err)
	}
	return name, set
}

// BenchmarkContainerWorkload runs 20,000 short execs and 1,000,000 opens
// inside a container: with no sensor (sensor=off), with the BPF sensor alone
// and its events discarded (sensor=kernel), with the whole pipeline and the
// default rules in this process as `bulkhead watch` runs them
// (sensor=pipeline: repeat window 1 s), and the same sending every open
// (sensor=pipeline-every-open: repeat window 0). Compare ns/exec and
// ns/open; lost events, opens counted as repeats and the process's peak RSS
// are reported as metrics.
//
//	go test -run '^$' -bench ContainerWorkload -benchtime 1x ./internal/runtime/pipeline
func BenchmarkContainerWorkload(b *testing.B) {
	name, set := benchContainer(b, "bh-bench")
	workloads := []struct {
		name, unit string
		n          int
		args       []string
	}{
		{"execs", "exec", 20000, []string{"/helper", "execs", "20000", "/bin/true"}},
		{"opens", "open", 1000000, []string{"/helper", "opens", "1000000", "/etc/passwd"}},
	}
	for _, w := range workloads {
		for _, mode := range []string{"off", "kernel", "pipeline", "pipeline-every-open"} {
			on := strings.HasPrefix(mode, "pipeline")
			opts := sensor.Options{Mode: sensor.ModeBPF, Filter: sensor.FilterContainers, RepeatWindow: sensor.DefaultRepeatWindow}
			if mode == "pipeline-every-open" {
				opts.RepeatWindow = 0
			}
			b.Run(fmt.Sprintf("%s/sensor=%s", w.name, mode), func(b *testing.B) {
				var p *Pipeline
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				done := make(chan error, 1)
				var s *sensor.Sensor
				if mode == "kernel" {
					// the sensor alone, its events discarded: the
					// kernel side's cost plus decoding
					var err error
					s, err = sensor.Open(opts)
					if err != nil {
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
				if on {
					var err error
					p, err = New(Config{
						Sensor: opts,
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
					dockerExec(b, name, w.args...)
				}
				elapsed := time.Since(start)
				b.StopTimer()
				b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N*w.n), "ns/"+w.unit)
				if s != nil {
					time.Sleep(200 * time.Millisecond)
					st := s.Stats()
					cancel()
					<-done
					b.ReportMetric(float64(st.Lost), "lost")
					b.ReportMetric(float64(st.Events)/float64(b.N), "events/op")
					b.ReportMetric(float64(st.OpensRepeated)/float64(b.N), "repeats/op")
				}
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
					b.ReportMetric(float64(st.Sensor.OpensRepeated)/float64(b.N), "repeats/op")
					b.ReportMetric(peakRSS(), "MB-peak-RSS")
				}
			})
		}
	}
}

// BenchmarkWatchPaired measures what `bulkhead watch` (the pipeline with
// the default rules and the default repeat window) adds to a workload in a
// container, robustly on a machine whose speed drifts: it alternates runs
// without and with the pipeline (started afresh for every "on" run and
// stopped after it) and reports the median of the per-pair ratios as well
// as the medians of each side. Workloads: 1,000,000 open+close of
// /etc/passwd, and 20,000 execs of /bin/true.
//
//	go test -run '^$' -bench WatchPaired -benchtime 1x ./internal/runtime/pipeline
//
// BULKHEAD_BENCH_PAIRS=N sets the pairs per workload (default 7 and 5).
func BenchmarkWatchPaired(b *testing.B) {
	name, set := benchContainer(b, "bh-bench-paired")
	workloads := []struct {
		name, unit string
		rounds, n  int
		args       []string
	}{
		{"opens", "open", 7, 1000000, []string{"/helper", "opens", "1000000", "/etc/passwd"}},
		{"execs", "exec", 5, 20000, []string{"/helper", "execs", "20000", "/bin/true"}},
	}
	// BULKHEAD_BENCH_PAIRS overrides the pairs per run: more pairs make
	// the median steadier on a machine whose speed drifts
	pairs, _ := strconv.Atoi(os.Getenv("BULKHEAD_BENCH_PAIRS"))
	for _, w := range workloads {
		if pairs > 0 {
			w.rounds = pairs
		}
		b.Run(w.name, func(b *testing.B) {
			run := func() time.Duration { return dockerExec(b, name, w.args...) }
			run() // warm the page cache and the container
			var off, on, ratio []float64
			var lost uint64
			b.ResetTimer()
			for range b.N {
				for range w.rounds {
					d0 := run()
					p, err := New(Config{
						Sensor: sensor.Options{Mode: sensor.ModeBPF, Filter: sensor.FilterContainers, RepeatWindow: sensor.DefaultRepeatWindow},
						Rules:  set,
					})
					if err != nil {
						b.Fatal(err)
					}
					ctx, cancel := context.WithCancel(context.Background())
					done := make(chan error, 1)
					go func() { done <- p.Run(ctx) }()
					d1 := run()
					cancel()
					if err := <-done; err != nil {
						b.Fatal(err)
					}
					lost += p.Stats().Sensor.Lost
					off = append(off, float64(d0.Nanoseconds())/float64(w.n))
					on = append(on, float64(d1.Nanoseconds())/float64(w.n))
					ratio = append(ratio, float64(d1)/float64(d0))
				}
			}
			b.StopTimer()
			b.ReportMetric(median(off), "off-ns/"+w.unit)
			b.ReportMetric(median(on), "watch-ns/"+w.unit)
			b.ReportMetric((median(ratio)-1)*100, "overhead-%")
			b.ReportMetric(float64(lost), "lost")
			b.ReportMetric(peakRSS(), "MB-peak-RSS")
		})
	}
}

// dockerExec runs a command in container name and returns how long the
// docker exec took.
func dockerExec(b *testing.B, name string, args ...string) time.Duration {
	start := time.Now()
	out, err := exec.Command("docker", append([]string{"exec", name}, args...)...).CombinedOutput()
	if err != nil {
		b.Fatalf("%v: %s", err, out)
	}
	return time.Since(start)
}

// median returns the middle value of xs (the mean of the two middle ones
// for an even count).
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// BenchmarkWatchFloor separates what the sensor adds to 1,000,000
// open+close in a container from the floor of its hook: an empty program
// on tp_btf/sys_exit makes every syscall of every task take the
// syscall-tracepoint slow path and run a program, whatever the program
// does. Each round runs the workload off, with the empty program, off
// again and with the BPF sensor as `watch` opens it (its events
// discarded); the medians of the two ratios are reported.
//
//	go test -run '^$' -bench WatchFloor -benchtime 1x ./internal/runtime/pipeline
func BenchmarkWatchFloor(b *testing.B) {
	name, _ := benchContainer(b, "bh-bench-floor")
	run := func() time.Duration { return dockerExec(b, name, "/helper", "opens", "1000000", "/etc/passwd") }
	empty := func() func() {
		p, err := ebpf.NewProgram(&ebpf.ProgramSpec{Type: ebpf.Tracing, AttachType: ebpf.AttachTraceRawTp, AttachTo: "sys_exit",
			Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()}, License: "GPL"})
		if err != nil {
			b.Fatal(err)
		}
		l, err := link.AttachTracing(link.TracingOptions{Program: p})
		if err != nil {
			b.Fatal(err)
		}
		return func() { l.Close(); p.Close() }
	}
	withSensor := func() func() {
		s, err := sensor.Open(sensor.Options{Mode: sensor.ModeBPF, Filter: sensor.FilterContainers, RepeatWindow: sensor.DefaultRepeatWindow})
		if err != nil {
			b.Fatal(err)
		}
		ch := make(chan *event.Event, 1024)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			for range ch {
			}
		}()
		go func() { done <- s.Run(ctx, ch) }()
		return func() { cancel(); <-done; close(ch); s.Close() }
	}
	pairs, _ := strconv.Atoi(os.Getenv("BULKHEAD_BENCH_PAIRS"))
	if pairs <= 0 {
		pairs = 7
	}
	run() // warm the page cache and the container
	var floor, sens []float64
	b.ResetTimer()
	for range b.N {
		for range pairs {
			for _, m := range []struct {
				attach func() func()
				into   *[]float64
			}{{empty, &floor}, {withSensor, &sens}} {
				d0 := run()
				stop := m.attach()
				d1 := run()
				stop()
				*m.into = append(*m.into, float64(d1)/float64(d0))
			}
		}
	}
	b.StopTimer()
	b.ReportMetric((median(floor)-1)*100, "empty-prog-overhead-%")
	b.ReportMetric((median(sens)-1)*100, "sensor-overhead-%")
}
