package output

import (
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/rules"
)

func TestFindingsCountsRepeatsAndBounds(t *testing.T) {
	f := &Findings{Max: 2}
	alert := func(rule string, pid uint32) rules.Alert {
		return rules.Alert{Rule: rule, Severity: finding.Medium, Output: "o", ContainerID: "abc", ContainerName: "web",
			Time: time.Unix(1, 0), Event: &event.Event{PID: pid}}
	}
	for _, a := range []rules.Alert{alert("A", 1), alert("A", 1), alert("A", 2), alert("B", 1), alert("A", 1)} {
		f.Send(a)
	}
	r := f.Report("host1", "v", time.Unix(2, 0))
	if r.Target.Kind != "runtime" || r.Target.Name != "host1" {
		t.Errorf("target %+v", r.Target)
	}
	if len(r.Findings) != 2 {
		t.Fatalf("%d findings, want 2 (the bound)", len(r.Findings))
	}
	first := r.Findings[0]
	if first.Kind != finding.Runtime || first.ID != "A" || first.Location.ContainerName != "web" || first.Extra["count"] != 3 {
		t.Errorf("first finding: %+v", first)
	}
	if len(r.Warnings) != 1 {
		t.Errorf("warnings %v, want one about the alert past the bound", r.Warnings)
	}
}
