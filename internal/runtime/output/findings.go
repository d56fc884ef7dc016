package output

import (
	"fmt"
	"sync"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/rules"
)

// DefaultMaxFindings bounds the distinct findings a Findings output keeps.
const DefaultMaxFindings = 10000

// Findings turns alerts into findings of the shared report model (kind
// runtime; the container and process as location; the rule name as id), so
// that watch runs can be written as SARIF, JSON or JUnit and gated like
// scans. Repeats of one rule on the same container, process and path make
// one finding with a count; at most Max distinct findings are kept and the
// rest are counted. It is safe for concurrent use.
type Findings struct {
	// Max bounds the distinct findings kept; 0 means DefaultMaxFindings.
	Max int

	mu      sync.Mutex
	list    []finding.Finding
	index   map[string]int
	dropped int
}

// Send records one alert.
func (f *Findings) Send(a rules.Alert) error {
	fd := a.Finding()
	k := fd.ID + "\x00" + fd.Location.ContainerID + "\x00" + fd.Location.Object + "\x00" + fd.Location.Path
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.index == nil {
		f.index = map[string]int{}
	}
	if i, ok := f.index[k]; ok {
		f.list[i].Extra["count"] = f.list[i].Extra["count"].(int) + 1
		return nil
	}
	max := f.Max
	if max <= 0 {
		max = DefaultMaxFindings
	}
	if len(f.list) >= max {
		f.dropped++
		return nil
	}
	fd.Extra["count"] = 1
	f.index[k] = len(f.list)
	f.list = append(f.list, fd)
	return nil
}

// Close does nothing; the findings stay readable.
func (f *Findings) Close() error { return nil }

// Report returns a runtime report of host with the findings so far; a
// warning says how many distinct findings went over Max.
func (f *Findings) Report(host, toolVersion string, now time.Time) *report.Report {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := report.New(report.Target{Kind: report.KindRuntime, Name: host}, toolVersion, now)
	r.Findings = append(r.Findings, f.list...)
	if f.dropped > 0 {
		r.Warn(fmt.Sprintf("%d alerts past the limit of %d distinct runtime findings were not kept", f.dropped, len(f.list)))
	}
	r.SetScanner(report.ScannerStatus{Name: "runtime", State: report.StateDone})
	return r
}
