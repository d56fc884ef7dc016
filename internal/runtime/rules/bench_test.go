package rules

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
)

var update = flag.Bool("update", false, "rewrite testdata/recorded_events.jsonl")

const recordedFile = "testdata/recorded_events.jsonl"

// recordedMix builds a deterministic event stream shaped like a busy
// container host: mostly file opens, then execs, socket calls and the rest.
func recordedMix() []*event.Event {
	shim := &event.Process{PID: 900, Name: "containerd-shim", ExePath: "/usr/bin/containerd-shim-runc-v2", Args: []string{"containerd-shim-runc-v2"}}
	nginxP := &event.Process{PID: 1000, VPID: 1, Name: "nginx", ExePath: "/usr/sbin/nginx", Args: []string{"nginx", "-g", "daemon off;"}, Parent: shim}
	worker := &event.Process{PID: 1001, VPID: 7, Name: "nginx", ExePath: "/usr/sbin/nginx", Args: []string{"nginx: worker process"}, Parent: nginxP}
	pyP := &event.Process{PID: 2000, VPID: 1, Name: "python3", ExePath: "/usr/bin/python3.11", Args: []string{"python3", "app.py"}, Parent: shim}
	web := &event.Container{ID: "4f1c2d3e4b5a69788776655443322110", Name: "web", Image: "nginx:1.25", ImageRepository: "nginx", ImageTag: "1.25"}
	api := &event.Container{ID: "aa11bb22cc33dd44ee55ff6677889900", Name: "api", Image: "python:3.11", ImageRepository: "python", ImageTag: "3.11"}
	base := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	paths := []string{"/usr/share/nginx/html/index.html", "/etc/nginx/nginx.conf", "/var/log/nginx/access.log",
		"/usr/lib/python3.11/json/__init__.py", "/app/app.py", "/etc/hosts", "/etc/resolv.conf", "/proc/self/status",
		"/tmp/upload-123", "/etc/ld.so.cache", "/lib/x86_64-linux-gnu/libc.so.6", "/etc/passwd"}
	cmds := [][]string{{"ls", "-la"}, {"python3", "-c", "import os"}, {"sh", "-c", "date"}, {"curl", "-s", "http://api:8080/health"},
		{"nginx", "-s", "reload"}, {"grep", "-r", "TODO", "/app"}}
	var out []*event.Event
	for i := range 400 {
		e := &event.Event{Time: base.Add(time.Duration(i) * time.Millisecond), Num: uint64(i + 1), UID: 101, GID: 101,
			LoginUID: event.NoUID, TID: 1001, PID: 1001, Comm: "nginx", Process: worker, Container: web}
		if i%3 == 1 {
			e.PID, e.TID, e.Comm, e.Process, e.Container, e.UID, e.GID = 2000, 2000, "python3", pyP, api, 0, 0
		}
		e.EUID = e.UID
		if i%10 == 9 {
			e.Container = nil
		}
		switch r := i % 20; {
		case r < 10: // opens
			e.Type = event.Openat
			e.Path = paths[i%len(paths)]
			e.Flags = event.ORdOnly | event.OCloExec
			if i%7 == 0 {
				e.Path, e.Flags = "/var/log/nginx/access.log", event.OWrOnly|event.OAppend|event.OCreat
			}
			e.Ret = 5
		case r < 13: // execs
			c := cmds[i%len(cmds)]
			p := &event.Process{PID: uint32(3000 + i), VPID: uint32(30 + i), Name: c[0], ExePath: "/usr/bin/" + c[0], Args: c, Parent: e.Process}
			e.Type, e.Process, e.Comm, e.ExePath, e.Args = event.Execve, p, c[0], p.ExePath, c
		case r < 15: // connects
			e.Type, e.Family, e.Proto = event.Connect, event.AFInet, event.ProtoTCP
			e.SAddr, e.SPort = netip.MustParseAddr("172.17.0.2"), uint16(40000+i)
			e.DAddr, e.DPort = netip.MustParseAddr("172.17.0.3"), 8080
			e.Ret = -115
		case r < 16:
			e.Type, e.Family, e.Proto, e.SAddr, e.SPort = event.Accept4, event.AFInet, event.ProtoTCP, netip.MustParseAddr("172.17.0.2"), 80
			e.DAddr, e.DPort, e.Ret = netip.MustParseAddr("172.17.0.1"), uint16(50000+i), 7
		case r < 17:
			e.Type, e.Path = event.Unlinkat, "/tmp/upload-123"
		case r < 18:
			e.Type, e.FD, e.Ret, e.FDType = event.Dup2, 7, 9, event.FDFile
		case r < 19:
			e.Type = event.Procexit
		default:
			e.Type, e.Flags = event.Clone, 0x100|0x200|0x400
		}
		out = append(out, e)
	}
	return out
}

func readRecorded(tb testing.TB) []*event.Event {
	tb.Helper()
	f, err := os.Open(recordedFile)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []*event.Event
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e event.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			tb.Fatal(err)
		}
		out = append(out, &e)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

func TestRecordedEvents(t *testing.T) {
	if *update {
		var b bytes.Buffer
		for _, e := range recordedMix() {
			j, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(j)
			b.WriteByte('\n')
		}
		if err := os.MkdirAll(filepath.Dir(recordedFile), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(recordedFile, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	evs := readRecorded(t)
	set, _, err := Load(Default())
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, e := range evs {
		set.Eval(e, func(a Alert) { counts[a.Rule]++ })
	}
	// The busy-host stream is mostly benign: the shells it starts from
	// nginx are the only alerts (two rules each).
	want := map[string]int{"Shell started in container": 13, "Shell spawned by web server or untrusted parent": 13}
	if fmt.Sprint(want) != fmt.Sprint(counts) {
		t.Errorf("alerts on the recorded stream = %v, want %v", counts, want)
	}
}

// BenchmarkEvalDefault runs the default rules over the recorded stream;
// events/s is the figure that matters (b.N counts events).
func BenchmarkEvalDefault(b *testing.B) {
	evs := readRecorded(b)
	set, _, err := Load(Default())
	if err != nil {
		b.Fatal(err)
	}
	alerts := 0
	fn := func(Alert) { alerts++ }
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		set.Eval(evs[i%len(evs)], fn)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkEvalDefaultNoAlert is the same stream with the alerting events
// removed: the cost of deciding that nothing matched.
func BenchmarkEvalDefaultNoAlert(b *testing.B) {
	set, _, err := Load(Default())
	if err != nil {
		b.Fatal(err)
	}
	var evs []*event.Event
	for _, e := range readRecorded(b) {
		hit := false
		set.Eval(e, func(Alert) { hit = true })
		if !hit {
			evs = append(evs, e)
		}
	}
	fn := func(Alert) { b.Fatal("unexpected alert") }
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		set.Eval(evs[i%len(evs)], fn)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkEvalFalcoStable(b *testing.B) {
	src, err := ReadFile(filepath.Join("..", "..", "..", "..", "shared", "reference", "falco", "falco_rules.yaml"))
	if err != nil {
		b.Skip(err)
	}
	set, _, err := Load(src)
	if err != nil {
		b.Fatal(err)
	}
	evs := readRecorded(b)
	fn := func(Alert) {}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		set.Eval(evs[i%len(evs)], fn)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkLoadDefault(b *testing.B) {
	src := Default()
	for b.Loop() {
		if _, _, err := Load(src); err != nil {
			b.Fatal(err)
		}
	}
}
