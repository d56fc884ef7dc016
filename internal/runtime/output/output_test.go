package output

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/rules"
)

var update = flag.Bool("update", false, "rewrite golden files")

var t0 = time.Date(2026, 11, 26, 12, 0, 0, 123456789, time.UTC)

func alert(rule string, p rules.Priority) rules.Alert {
	return rules.Alert{
		Rule: rule, Priority: p, Severity: p.Severity(),
		Output:       "Shell started in container (parent=nginx command=sh -c id)",
		OutputFields: map[string]any{"proc.pname": "nginx", "proc.cmdline": "sh -c id", "proc.tty": int64(0), "fd.name": nil},
		Tags:         []string{"bulkhead", "container"}, Time: t0, Source: "syscall",
		ContainerID: "4f1c2d3e4b5a", ContainerName: "web", ContainerImage: "nginx:1.25",
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := "testdata/" + name
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

func TestWriterFormats(t *testing.T) {
	for _, tc := range []struct {
		format Format
		file   string
	}{{JSON, "alerts.jsonl"}, {Text, "alerts.txt"}} {
		var b bytes.Buffer
		w := NewWriter(&b, tc.format, "node1", false)
		if err := w.Send(alert("Shell started in container", rules.PriorityNotice)); err != nil {
			t.Fatal(err)
		}
		host := alert("Kernel module loaded on host", rules.PriorityCritical)
		host.ContainerID, host.ContainerName, host.ContainerImage, host.Tags, host.Hostname = "host", "host", "", nil, "other"
		if err := w.Send(host); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		golden(t, tc.file, b.Bytes())
	}
}

func TestRecordFields(t *testing.T) {
	var b bytes.Buffer
	if err := NewWriter(&b, JSON, "node1", false).Send(alert("R", rules.PriorityWarning)); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	want := []string{"hostname", "output", "output_fields", "priority", "rule", "source", "tags", "time"}
	if diff := cmp.Diff(want, sorted(keys)); diff != "" {
		t.Errorf("record keys (-want +got):\n%s", diff)
	}
	of := got["output_fields"].(map[string]any)
	if diff := cmp.Diff([]any{"4f1c2d3e4b5a", "web", "nginx:1.25", "Warning", "syscall", "node1"},
		[]any{of["container.id"], of["container.name"], of["container.image"], got["priority"], got["source"], got["hostname"]}); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

type failingOutput struct {
	n      int
	err    error
	closed bool
}

func (f *failingOutput) Send(rules.Alert) error { f.n++; return f.err }
func (f *failingOutput) Close() error           { f.closed = true; return f.err }

func TestFanout(t *testing.T) {
	a, b := &failingOutput{err: errors.New("disk full")}, &failingOutput{}
	f := NewFanout(a, nil, b)
	err := f.Send(alert("R", rules.PriorityNotice))
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Send error = %v", err)
	}
	if err := f.Close(); err == nil {
		t.Error("Close error lost")
	}
	if diff := cmp.Diff([]any{1, 1, true, true}, []any{a.n, b.n, a.closed, b.closed}); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestWebhookRetries(t *testing.T) {
	var calls atomic.Int32
	var mu sync.Mutex
	var bodies []Record
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if r.Header.Get("Authorization") != "Bearer t0ken" || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if n <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable) // two failures, then success
			return
		}
		var rec Record
		if err := json.NewDecoder(r.Body).Decode(&rec); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		bodies = append(bodies, rec)
		mu.Unlock()
	}))
	defer srv.Close()
	w := NewWebhook(srv.URL, WebhookOptions{Backoff: time.Millisecond, Headers: map[string]string{"Authorization": "Bearer t0ken"}})
	if err := w.Send(alert("R", rules.PriorityError)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(WebhookStats{Sent: 1, Retries: 2}, w.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	if len(bodies) != 1 || bodies[0].Rule != "R" || bodies[0].Priority != "Error" {
		t.Errorf("bodies = %+v", bodies)
	}
	if err := w.Send(alert("R", rules.PriorityError)); err == nil {
		t.Error("Send after Close succeeded")
	}
}

func TestWebhookGivesUp(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if strings.Contains(r.URL.Path, "bad") {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	w := NewWebhook(srv.URL+"/down", WebhookOptions{Backoff: time.Millisecond, MaxAttempts: 3})
	_ = w.Send(alert("R", rules.PriorityError))
	_ = w.Close()
	bad := NewWebhook(srv.URL+"/bad", WebhookOptions{Backoff: time.Millisecond, MaxAttempts: 3})
	_ = bad.Send(alert("R", rules.PriorityError))
	_ = bad.Close()
	got := []any{w.Stats(), bad.Stats(), calls.Load()}
	want := []any{WebhookStats{Failed: 1, Retries: 2}, WebhookStats{Failed: 1}, int32(4)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestWebhookQueueDropsOldest(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		var rec Record
		_ = json.NewDecoder(r.Body).Decode(&rec)
		mu.Lock()
		got = append(got, rec.Rule)
		mu.Unlock()
	}))
	defer srv.Close()
	w := NewWebhook(srv.URL, WebhookOptions{QueueSize: 3, Backoff: time.Millisecond})
	_ = w.Send(alert("a0", rules.PriorityNotice))
	// Wait until a0 is in flight, so the queue holds only the later ones.
	for deadline := time.Now().Add(5 * time.Second); ; {
		w.mu.Lock()
		n := w.n
		w.mu.Unlock()
		if n == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	for _, r := range []string{"a1", "a2", "a3", "a4", "a5"} {
		_ = w.Send(alert(r, rules.PriorityNotice))
	}
	close(release)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a0", "a3", "a4", "a5"}, got); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(WebhookStats{Sent: 4, Dropped: 2}, w.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

func TestWebhookCloseTimeout(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	w := NewWebhook(srv.URL, WebhookOptions{DrainTimeout: 50 * time.Millisecond, Backoff: time.Millisecond})
	for range 3 {
		_ = w.Send(alert("R", rules.PriorityNotice))
	}
	err := w.Close()
	if err == nil || !strings.Contains(err.Error(), "3 alerts not delivered") {
		t.Errorf("Close error = %v", err)
	}
	if s := w.Stats(); s.Dropped != 3 || s.Sent != 0 {
		t.Errorf("stats = %+v", s)
	}
}

func TestRateLimit(t *testing.T) {
	now := t0
	var rec failingOutput
	var hooked []string
	rl := NewRateLimit(&rec, RateLimitOptions{Rate: 1, Burst: 2, Now: func() time.Time { return now },
		OnSuppress: func(r string) { hooked = append(hooked, r) }})
	send := func(rule string, n int) {
		for range n {
			_ = rl.Send(alert(rule, rules.PriorityNotice))
		}
	}
	send("flood", 10) // burst of 2 passes, 8 held back
	send("quiet", 1)  // another rule is not affected
	now = now.Add(1500 * time.Millisecond)
	send("flood", 3) // 1.5 tokens refilled: 1 passes
	now = now.Add(time.Hour)
	send("flood", 3) // refill capped at the burst: 2 pass
	if diff := cmp.Diff(6, rec.n); diff != "" {
		t.Errorf("forwarded (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]uint64{"flood": 11}, rl.Suppressed()); diff != "" {
		t.Errorf("suppressed (-want +got):\n%s", diff)
	}
	if len(hooked) != 11 || rl.SuppressedRules()[0] != "flood" {
		t.Errorf("hook calls = %d, rules = %v", len(hooked), rl.SuppressedRules())
	}
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewMetrics(reg); err == nil {
		t.Error("second registration on the same registry succeeded")
	}
	for _, ty := range []event.Type{event.Execve, event.Execve, event.Openat, event.NumTypes + 5} {
		m.ObserveEvent(&event.Event{Type: ty})
	}
	_ = m.Send(alert("Shell", rules.PriorityNotice))
	_ = m.Send(alert("Shell", rules.PriorityNotice))
	_ = m.Send(alert("Miner", rules.PriorityCritical))
	m.AddLost(7)
	m.AddDropped("webhook", 2)
	rl := NewRateLimit(m, RateLimitOptions{Rate: 0.001, Burst: 1, OnSuppress: m.Suppressed})
	_ = rl.Send(alert("Flood", rules.PriorityWarning))
	_ = rl.Send(alert("Flood", rules.PriorityWarning))
	want := `
# HELP bulkhead_runtime_alerts_dropped_total Alerts an output dropped (queue full or undeliverable), by output.
# TYPE bulkhead_runtime_alerts_dropped_total counter
bulkhead_runtime_alerts_dropped_total{output="webhook"} 2
# HELP bulkhead_runtime_alerts_suppressed_total Alerts held back by the per-rule rate limiter, by rule.
# TYPE bulkhead_runtime_alerts_suppressed_total counter
bulkhead_runtime_alerts_suppressed_total{rule="Flood"} 1
# HELP bulkhead_runtime_alerts_total Runtime alerts raised, by rule and priority.
# TYPE bulkhead_runtime_alerts_total counter
bulkhead_runtime_alerts_total{priority="Critical",rule="Miner"} 1
bulkhead_runtime_alerts_total{priority="Notice",rule="Shell"} 2
bulkhead_runtime_alerts_total{priority="Warning",rule="Flood"} 1
# HELP bulkhead_runtime_events_lost_total Events the sensor lost before the rule engine saw them.
# TYPE bulkhead_runtime_events_lost_total counter
bulkhead_runtime_events_lost_total 7
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "bulkhead_runtime_alerts_dropped_total",
		"bulkhead_runtime_alerts_suppressed_total", "bulkhead_runtime_alerts_total", "bulkhead_runtime_events_lost_total"); err != nil {
		t.Error(err)
	}
	got := []float64{
		testutil.ToFloat64(m.events.WithLabelValues("execve")),
		testutil.ToFloat64(m.events.WithLabelValues("openat")),
		testutil.ToFloat64(m.events.WithLabelValues("unknown")),
	}
	if diff := cmp.Diff([]float64{2, 1, 1}, got); diff != "" {
		t.Errorf("events by type (-want +got):\n%s", diff)
	}
}

func TestSyslogUDP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no UDP socket: %v", err)
	}
	defer pc.Close()
	s, err := NewSyslog("udp", pc.LocalAddr().String(), "bulkhead-test", Text, "node1")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(alert("R", rules.PriorityCritical)); err != nil {
		t.Fatal(err)
	}
	_ = pc.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	n, _, err := pc.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	msg := string(buf[:n])
	// <26> = facility daemon (3) * 8 + severity crit (2)
	if !strings.HasPrefix(msg, "<26>") || !strings.Contains(msg, "bulkhead-test") ||
		!strings.HasSuffix(strings.TrimSpace(msg), "Critical Shell started in container (parent=nginx command=sh -c id)") {
		t.Errorf("syslog message = %q", msg)
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}
	if _, err := NewSyslog("tcp", "127.0.0.1:1", "", JSON, ""); err == nil {
		t.Error("NewSyslog to a closed port succeeded")
	}
}

func TestParseFormat(t *testing.T) {
	for s, want := range map[string]Format{"json": JSON, "TEXT": Text} {
		if got, err := ParseFormat(s); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("ParseFormat(xml) succeeded")
	}
}

// TestEngineToOutputs runs the default rules on an event and writes the
// alert, checking the whole path from event to Falco JSON.
func TestEngineToOutputs(t *testing.T) {
	set, _, err := rules.Load(rules.Default())
	if err != nil {
		t.Fatal(err)
	}
	set = set.WithHostname("node1")
	var b bytes.Buffer
	out := NewWriter(&b, JSON, "", false)
	e := &event.Event{Time: t0, Type: event.Openat, PID: 42, Comm: "cat", Path: "/etc/shadow", Ret: 3, LoginUID: event.NoUID,
		Container: &event.Container{ID: "0123456789abcdef", Name: "db", Image: "postgres:16", ImageRepository: "postgres"}}
	set.Eval(e, func(a rules.Alert) {
		if err := out.Send(a); err != nil {
			t.Error(err)
		}
		if f := a.Finding(); f.Kind != finding.Runtime || f.Severity != finding.Medium {
			t.Errorf("finding = %+v", f)
		}
	})
	var rec Record
	if err := json.Unmarshal(b.Bytes(), &rec); err != nil {
		t.Fatalf("%v: %q", err, b.String())
	}
	got := []any{rec.Rule, rec.Priority, rec.Hostname, rec.OutputFields["fd.name"], rec.OutputFields["container.image"], rec.Time}
	want := []any{"Sensitive file read", "Warning", "node1", "/etc/shadow", "postgres:16", "2026-11-26T12:00:00.123456789Z"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
