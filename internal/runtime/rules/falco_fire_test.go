package rules

import (
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// TestFalcoStableFires runs Falco's own stable rules on hand-built events.
func TestFalcoStableFires(t *testing.T) {
	dir := testenv.SharedDir(t, "reference")
	src, err := ReadFile(filepath.Join(dir, "falco", "falco_rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	set, _, err := Load(src)
	if err != nil {
		t.Fatal(err)
	}
	started := testTime.Add(-time.Minute)
	tests := []struct {
		name string
		ev   *event.Event
		want []string
	}{
		{"terminal shell in container", with(execEv(nginx, proc("bash", nil, "runc")), func(e *event.Event) {
			e.TTY = 34816
			e.Process.VPID = 1
			e.VPID = 1
		}), []string{"Terminal shell in container"}},
		{"cat shadow", with(openEv(nil, "cat", "/etc/shadow", event.ORdOnly), func(e *event.Event) {
			e.Process.StartTime = started
		}), []string{"Read sensitive file untrusted"}},
		{"truncate log", with(openEv(nil, "bash", "/var/log/syslog", event.OWrOnly|event.OTrunc), func(e *event.Event) {
			e.Comm = "sh"
			e.Process.Name = "sh"
		}), []string{"Clear Log Activities"}},
		{"ptrace attach", &event.Event{Type: event.Ptrace, Request: event.PtraceAttach, Comm: "evil", Process: proc("evil", nil, "bash")}, []string{"PTRACE attached to process"}},
		{"drop and execute", with(execEv(nginx, proc("x", nil, "bash")), func(e *event.Event) { e.Process.ExeUpperLayer = true }), []string{"Drop and execute new binary in container"}},
		{"memfd exec", with(execEv(nil, proc("x", nil, "python3")), func(e *event.Event) { e.Process.ExeFromMemfd = true }), []string{"Fileless execution via memfd_create"}},
		{"symlink over shadow", &event.Event{Type: event.Symlinkat, Path: "/etc/shadow", Path2: "/tmp/s", Comm: "ln", Process: proc("ln", nil, "bash")}, []string{"Create Symlink Over Sensitive Files"}},
		{"module from container", &event.Event{Type: event.FinitModule, Comm: "insmod", Container: nginx,
			Process: &event.Process{Name: "insmod", CapEffective: 1 << 16}}, []string{"Linux Kernel Module Injection Detected"}},
		{"nginx reads config", openEv(nginx, "nginx", "/etc/nginx/nginx.conf", event.ORdOnly), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			set.Eval(tc.ev, func(a Alert) { got = append(got, a.Rule) })
			sort.Strings(got)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
