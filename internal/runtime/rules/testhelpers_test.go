package rules

import (
	"fmt"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
)

// Helpers only the tests use.

// Check loads rule files together (in order, as bulkhead watch would) and
// reports on them. The error is for files that cannot be read or are not
// YAML lists of items.
func Check(paths ...string) (CheckReport, error) {
	return CheckWith(CheckOptions{}, paths...)
}

// CheckSources is Check over sources already in memory.
func CheckSources(srcs ...Source) (CheckReport, error) {
	return checkSources(CheckOptions{}, srcs...)
}

// EventTypes returns the event types at least one enabled rule needs, in
// Type order: what a sensor must deliver (it may filter out the rest).
func (s *Set) EventTypes() []event.Type {
	var out []event.Type
	for t := event.Type(1); t < event.NumTypes; t++ {
		if len(s.byType[t]) > 0 {
			out = append(out, t)
		}
	}
	return out
}

func (t *template) String() string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.g == nil {
			b.WriteString(p.lit)
		} else {
			fmt.Fprintf(&b, "%%%s", p.g.name)
		}
	}
	return b.String()
}
