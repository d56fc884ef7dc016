package pipeline

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/enrich"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/output"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/rules"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/sensor"
)

// Every output of internal/runtime/output plugs into the pipeline.
var _ Output = output.Output(nil)

// fakeSource replays events, then waits for ctx.
type fakeSource struct {
	events []*event.Event
	mu     sync.Mutex
	closed bool
}

func (f *fakeSource) Run(ctx context.Context, out chan<- *event.Event) error {
	for _, e := range f.events {
		select {
		case out <- e:
		case <-ctx.Done():
			return nil
		}
	}
	<-ctx.Done()
	return nil
}
func (f *fakeSource) Stats() sensor.Stats {
	return sensor.Stats{Events: uint64(len(f.events)), OpensSkipped: 2, OpensRepeated: 3}
}
func (f *fakeSource) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

const testRules = `
- rule: Shadow read
  desc: test
  condition: evt.type in (open, openat) and fd.name = /etc/shadow
  output: shadow read by %proc.name (parent %proc.pname)
  priority: WARNING
`

type collector struct {
	mu     sync.Mutex
	alerts []string
	block  chan struct{}
}

func (c *collector) Send(a rules.Alert) error {
	if c.block != nil {
		<-c.block
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.alerts = append(c.alerts, a.Rule+": "+a.Output)
	return nil
}

func (c *collector) got() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.alerts...)
}

func loadRules(t *testing.T) *rules.Set {
	t.Helper()
	set, warns, err := rules.Load(rules.Source{Name: "test.yaml", Data: []byte(testRules)})
	if err != nil || len(warns) != 0 {
		t.Fatalf("load rules: %v %v", err, warns)
	}
	return set
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRunEnrichesEvaluatesAndOutputs(t *testing.T) {
	src := &fakeSource{events: []*event.Event{
		{Type: event.Execve, PID: 100, PPID: 1, Comm: "bash", ExePath: "/bin/bash", Args: []string{"bash"}},
		{Type: event.Clone, PID: 101, PPID: 100, Comm: "bash"},
		{Type: event.Execve, PID: 101, PPID: 100, Comm: "cat", ExePath: "/bin/cat", Args: []string{"cat", "/etc/shadow"}},
		{Type: event.Openat, PID: 101, Path: "/etc/shadow", Ret: 3, FD: 3, FDType: event.FDFile},
		{Type: event.Openat, PID: 101, Path: "/etc/passwd", Ret: 4, FD: 4, FDType: event.FDFile},
	}}
	out := &collector{}
	metrics := map[string]func() float64{}
	var seen atomicInt
	p, err := New(Config{
		Rules: loadRules(t), Outputs: []Output{out},
		Metrics: func(name, _ string, f func() float64) { metrics[name] = f },
		Enrich:  enrich.Options{ProcRoot: t.TempDir(), NoDocker: true},
		OnEvent: func(*event.Event) { seen.add() },
		open:    func(sensor.Options) (source, error) { return src, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	waitFor(t, func() bool { return p.Stats().Events == 5 && len(out.got()) == 1 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Shadow read: shadow read by cat (parent bash)"}, out.got()); diff != "" {
		t.Errorf("alerts (-want +got):\n%s", diff)
	}
	st := p.Stats()
	if st.Alerts != 1 || st.AlertsDropped != 0 || seen.get() != 5 || !src.closed {
		t.Errorf("stats %+v, seen %d, closed %v", st, seen.get(), src.closed)
	}
	got := map[string]float64{}
	for name, f := range metrics {
		got[name] = f()
	}
	want := map[string]float64{
		"bulkhead_runtime_sensor_events_total": 5, "bulkhead_runtime_sensor_lost_events_total": 0,
		"bulkhead_runtime_sensor_decode_errors_total": 0, "bulkhead_runtime_events_total": 5,
		"bulkhead_runtime_alerts_total": 1, "bulkhead_runtime_alerts_dropped_total": 0,
		"bulkhead_runtime_output_errors_total": 0, "bulkhead_runtime_sensor_opens_skipped_total": 2,
		"bulkhead_runtime_sensor_opens_repeated_total": 3, "bulkhead_runtime_events_held_total": 0,
		"bulkhead_runtime_events_held_timeouts_total": 0,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("metrics (-want +got):\n%s", diff)
	}
}

type atomicInt struct {
	mu sync.Mutex
	n  int
}

func (a *atomicInt) add() { a.mu.Lock(); a.n++; a.mu.Unlock() }
func (a *atomicInt) get() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.n
}

func TestAlertDropsAreCounted(t *testing.T) {
	var evs []*event.Event
	for i := 0; i < 20; i++ {
		evs = append(evs, &event.Event{Type: event.Openat, PID: 7, Comm: "cat", Path: "/etc/shadow", Ret: 3, FD: 3, FDType: event.FDFile})
	}
	out := &collector{block: make(chan struct{})}
	p, err := New(Config{
		Rules: loadRules(t), Outputs: []Output{out}, AlertBuffer: 2,
		Enrich: enrich.Options{ProcRoot: t.TempDir(), NoDocker: true},
		open:   func(sensor.Options) (source, error) { return &fakeSource{events: evs}, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	// the output holds at most one alert, the queue two: at least 17 of
	// the 20 are dropped, and every alert is either delivered or counted
	waitFor(t, func() bool { return p.Stats().Events == 20 })
	close(out.block)
	waitFor(t, func() bool { return uint64(len(out.got()))+p.Stats().AlertsDropped == 20 })
	cancel()
	<-done
	st := p.Stats()
	if st.Alerts != 20 || st.AlertsDropped < 17 || st.AlertsDropped > 18 {
		t.Errorf("alerts %d dropped %d, want 20 and 17 or 18", st.Alerts, st.AlertsDropped)
	}
}

// TestRunStopsWhenAStageIsStuck: a stage that never returns (here the
// per-event hook, standing for a rule evaluation that does not end) does
// not keep Run from returning once ctx ends: watch stops on SIGINT,
// SIGTERM and --duration whatever the rule engine does.
func TestRunStopsWhenAStageIsStuck(t *testing.T) {
	old := StopGrace
	StopGrace = 50 * time.Millisecond
	t.Cleanup(func() { StopGrace = old })
	stuck := make(chan struct{})
	t.Cleanup(func() { close(stuck) })
	entered := make(chan struct{}, 1)
	src := &fakeSource{events: []*event.Event{{Type: event.Openat, PID: 7, Comm: "cat", Path: "/etc/shadow", Ret: 3, FD: 3}}}
	var log syncBuf
	p, err := New(Config{
		Rules:   loadRules(t),
		Enrich:  enrich.Options{ProcRoot: t.TempDir(), NoDocker: true},
		OnEvent: func(*event.Event) { entered <- struct{}{}; <-stuck },
		Log:     &log,
		open:    func(sensor.Options) (source, error) { return src, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	<-entered
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Run did not return after ctx ended while a stage was busy")
	}
	if !strings.Contains(log.String(), "still busy") {
		t.Errorf("log %q does not say a stage was left behind", log.String())
	}
	waitFor(t, func() bool { src.mu.Lock(); defer src.mu.Unlock(); return src.closed })
}

type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestEventsWaitForContainerMetadata: while a container is being inspected
// (the daemon holds its answer), its events wait and the rest of the
// stream goes on; once the answer comes they are evaluated with the
// container's name and image, in order. With a daemon slower than
// MetadataWait they are evaluated without it, and counted.
func TestEventsWaitForContainerMetadata(t *testing.T) {
	const cid = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
	inspect, err := os.ReadFile("../enrich/testdata/inspect.json")
	if err != nil {
		t.Fatal(err)
	}
	var gate atomic.Pointer[chan struct{}] // the daemon answers when it is closed
	sock := filepath.Join(t.TempDir(), "d.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/containers/", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-*gate.Load():
		case <-r.Context().Done():
			return
		}
		w.Write([]byte(strings.ReplaceAll(string(inspect), "UPPER", "")))
	})
	mux.HandleFunc("/events", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	srv := &http.Server{Handler: mux}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })

	for _, slow := range []bool{false, true} {
		release := make(chan struct{})
		gate.Store(&release)
		old := MetadataWait
		MetadataWait = time.Minute
		if slow {
			MetadataWait = 50 * time.Millisecond
		}
		ctr := &event.Container{ID: cid}
		src := &fakeSource{events: []*event.Event{
			{Type: event.Openat, PID: 7, Comm: "cat", Path: "/etc/shadow", Ret: 3, FDType: event.FDFile, Container: ctr},
			{Type: event.Openat, PID: 8, Comm: "cat", Path: "/etc/shadow", Ret: 3, FDType: event.FDFile},
		}}
		out := &recorder{}
		p, err := New(Config{
			Rules: loadRules(t), Outputs: []Output{out},
			Enrich: enrich.Options{ProcRoot: t.TempDir(), DockerSocket: sock},
			open:   func(sensor.Options) (source, error) { return src, nil },
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- p.Run(ctx) }()
		// the host event goes through while the container's waits
		waitFor(t, func() bool { a, _ := out.snapshot(); return len(a) == 1 })
		if a, _ := out.snapshot(); a[0].ContainerID != "host" {
			t.Errorf("slow=%v: first alert from %q, want the host's", slow, a[0].ContainerID)
		}
		if slow {
			waitFor(t, func() bool { a, _ := out.snapshot(); return len(a) == 2 })
			if a, _ := out.snapshot(); a[1].ContainerName != "" || p.Stats().HeldTimeouts != 1 {
				t.Errorf("slow daemon: container name %q, held timeouts %d; want none and 1", a[1].ContainerName, p.Stats().HeldTimeouts)
			}
		} else {
			if st := p.Stats(); st.Held != 1 {
				t.Errorf("held = %d, want 1", st.Held)
			}
			close(release)
			waitFor(t, func() bool { a, _ := out.snapshot(); return len(a) == 2 })
			if a, _ := out.snapshot(); a[1].ContainerName != "web" || a[1].ContainerImage == "" {
				t.Errorf("after the inspection: container %q image %q, want web and its image", a[1].ContainerName, a[1].ContainerImage)
			}
		}
		cancel()
		<-done
		if slow {
			close(release)
		}
		MetadataWait = old
	}
}

// TestMetadataArrivingBeforeTheCheck: an inspection that ends between the
// event's enrichment (which started it) and the pipeline's check whether
// it is still under way leaves the event with the container's id alone;
// the pipeline attaches the answer instead of evaluating the event
// without the container's name and image.
func TestMetadataArrivingBeforeTheCheck(t *testing.T) {
	const cid = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
	inspect, err := os.ReadFile("../enrich/testdata/inspect.json")
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "d.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/containers/", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.ReplaceAll(string(inspect), "UPPER", "")))
	})
	mux.HandleFunc("/events", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	srv := &http.Server{Handler: mux}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })

	var p *Pipeline
	afterEnrich = func(e *event.Event) {
		// hold the loop until the inspection has ended
		if e.Container != nil {
			waitFor(t, func() bool { return p.en.Pending(e.Container.ID) == nil })
		}
	}
	t.Cleanup(func() { afterEnrich = nil })
	src := &fakeSource{events: []*event.Event{
		{Type: event.Openat, PID: 7, Comm: "cat", Path: "/etc/shadow", Ret: 3, FDType: event.FDFile, Container: &event.Container{ID: cid}},
	}}
	out := &recorder{}
	p, err = New(Config{
		Rules: loadRules(t), Outputs: []Output{out},
		Enrich: enrich.Options{ProcRoot: t.TempDir(), DockerSocket: sock},
		open:   func(sensor.Options) (source, error) { return src, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	waitFor(t, func() bool { a, _ := out.snapshot(); return len(a) == 1 })
	cancel()
	<-done
	if a, _ := out.snapshot(); a[0].ContainerName != "web" || a[0].ContainerImage == "" {
		t.Errorf("container %q image %q, want web and its image", a[0].ContainerName, a[0].ContainerImage)
	}
}

func TestNameFailuresOneLine(t *testing.T) {
	if got := nameFailures(3, nil); got != "" {
		t.Errorf("no failure: %q", got)
	}
	got := nameFailures(5, []error{errors.New("lookup a.example: no such host"), errors.New("lookup b.example: timeout")})
	if want := "rules: fd.sip.name: 2 of 5 names did not resolve (first: lookup a.example: no such host); comparisons with them stay false until they do"; got != want || strings.Contains(got, "\n") {
		t.Errorf("got %q, want %q", got, want)
	}
}
