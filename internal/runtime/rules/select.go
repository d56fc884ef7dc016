package rules

import "fmt"

// disabledInFile is the reason of a rule whose file says enabled: false.
const disabledInFile = "enabled: false"

// Select turns rules off (off(name) true) and on (on(name) true), as
// --disable and --enable ask, before the set is used; on wins over off. A
// rule the file disables (enabled: false) can be turned on; one that
// cannot run (unsupported field, compile error) cannot, and its name is
// returned with the reason so that the caller can say so.
func (s *Set) Select(off, on func(name string) bool) []string {
	var cannot []string
	for _, r := range s.rules {
		name := r.info.Name
		switch {
		case on(name):
			if r.info.Enabled {
				continue
			}
			if r.info.Disabled != disabledInFile || r.cond == nil {
				cannot = append(cannot, fmt.Sprintf("%s: %s", name, r.info.Disabled))
				continue
			}
			r.info.Enabled, r.info.Disabled = true, ""
		case off(name) && r.info.Enabled:
			r.info.Enabled, r.info.Disabled = false, "turned off with --disable"
		}
	}
	s.byType = [len(s.byType)][]*Rule{}
	for _, r := range s.rules {
		if !r.info.Enabled {
			continue
		}
		for _, t := range r.types.types() {
			s.byType[t] = append(s.byType[t], r)
		}
	}
	s.collectNames()
	return cannot
}
