package match

import (
	"sort"

	"github.com/bulkhead-sec/bulkhead/internal/version"
	"github.com/bulkhead-sec/bulkhead/internal/vulndb"
)

// result is what one advisory entry says about a version.
type result struct {
	affected bool
	// fixed is the lowest fixed version above the installed one.
	fixed string
	// gitOnly is set when the entry has nothing but GIT ranges.
	gitOnly bool
	// invalid is set when a version could not be compared.
	invalid bool
}

// evaluate applies an entry's versions list and ECOSYSTEM/SEMVER ranges to
// the target's version, following the OSV schema's evaluation: events are
// sorted by version ("introduced: 0" first); introduced opens a range,
// fixed closes it before the fixed version, last_affected closes it after,
// and versions at or above a limit are outside the range.
func evaluate(t target, e vulndb.Entry) result {
	var res result
	for _, v := range e.Versions {
		if v == t.version {
			res.affected = true
			break
		}
	}
	evaluable := len(e.Versions) > 0
	for _, rg := range e.Ranges {
		var cmp version.Comparator
		switch rg.Type {
		case vulndb.RangeEcosystem:
			cmp = t.cmp
		case vulndb.RangeSemver:
			cmp = version.SemVer
			if t.ecosystem == "Go" {
				cmp = version.Go
			}
		default:
			continue
		}
		evaluable = true
		affected, fixed, ok := inRange(cmp, t.version, rg.Events)
		if !ok {
			res.invalid = true
			continue
		}
		if affected {
			res.affected = true
		}
		if fixed != "" && (res.fixed == "" || less(cmp, fixed, res.fixed)) {
			res.fixed = fixed
		}
	}
	if !evaluable {
		res.gitOnly = len(e.Ranges) > 0
		return res
	}
	if res.invalid && !res.affected {
		return res
	}
	res.invalid = false
	if !res.affected {
		res.fixed = ""
	}
	return res
}

type event struct {
	kind int // order at equal versions: introduced, then the closing kinds
	ver  string
	zero bool // introduced "0": before everything
}

const (
	evIntroduced = iota
	evFixed
	evLastAffected
	evLimit
)

// inRange evaluates one range. It returns whether v is affected and the
// lowest fixed version above v; ok is false when a version in the range or
// v itself cannot be compared.
func inRange(cmp version.Comparator, v string, events []vulndb.Event) (affected bool, fixed string, ok bool) {
	if a, f, ok, simple := simpleRange(cmp, v, events); simple {
		return a, f, ok
	}
	evs := make([]event, 0, len(events))
	for _, e := range events {
		switch {
		case e.Introduced != "":
			evs = append(evs, event{kind: evIntroduced, ver: e.Introduced, zero: e.Introduced == "0"})
		case e.Fixed != "":
			evs = append(evs, event{kind: evFixed, ver: e.Fixed})
		case e.LastAffected != "":
			evs = append(evs, event{kind: evLastAffected, ver: e.LastAffected})
		case e.Limit != "":
			evs = append(evs, event{kind: evLimit, ver: e.Limit, zero: e.Limit == "*"})
		}
	}
	bad := false
	compare := func(a, b string) int {
		c, err := cmp.Compare(a, b)
		if err != nil {
			bad = true
		}
		return c
	}
	sort.SliceStable(evs, func(i, j int) bool {
		a, b := evs[i], evs[j]
		if a.zero != b.zero {
			return a.zero && a.kind == evIntroduced
		}
		if a.zero {
			return false
		}
		if c := compare(a.ver, b.ver); c != 0 {
			return c < 0
		}
		return a.kind < b.kind
	})
	if bad {
		return false, "", false
	}
	for _, e := range evs {
		if e.kind == evLimit {
			if e.zero {
				continue // "*" means no limit
			}
			if compare(v, e.ver) >= 0 {
				affected = false
				break
			}
			continue
		}
		if e.zero {
			affected = true
			continue
		}
		c := compare(v, e.ver)
		switch e.kind {
		case evIntroduced:
			if c >= 0 {
				affected = true
			}
		case evFixed:
			if c >= 0 {
				affected = false
			} else if fixed == "" {
				fixed = e.ver
			}
		case evLastAffected:
			if c > 0 {
				affected = false
			}
		}
	}
	if bad {
		return false, "", false
	}
	return affected, fixed, true
}

// simpleRange handles the common shapes without sorting: [introduced],
// [introduced, fixed] and [introduced, last_affected]. simple is false for
// any other shape.
func simpleRange(cmp version.Comparator, v string, events []vulndb.Event) (affected bool, fixed string, ok, simple bool) {
	if len(events) == 0 || len(events) > 2 || events[0].Introduced == "" {
		return false, "", false, false
	}
	var closing vulndb.Event
	if len(events) == 2 {
		closing = events[1]
		if closing.Fixed == "" && closing.LastAffected == "" {
			return false, "", false, false
		}
	}
	if intro := events[0].Introduced; intro != "0" {
		c, err := cmp.Compare(v, intro)
		if err != nil {
			return false, "", false, true
		}
		if c < 0 {
			// Below the range; a fixed version above v still counts as
			// the lowest fix, as in the general walk.
			if closing.Fixed != "" {
				if c2, err := cmp.Compare(intro, closing.Fixed); err != nil || c2 >= 0 {
					return false, "", false, false
				}
				return false, closing.Fixed, true, true
			}
			return false, "", true, true
		}
	}
	switch {
	case closing.Fixed != "":
		c, err := cmp.Compare(v, closing.Fixed)
		if err != nil {
			return false, "", false, true
		}
		if c >= 0 {
			return false, "", true, true
		}
		return true, closing.Fixed, true, true
	case closing.LastAffected != "":
		c, err := cmp.Compare(v, closing.LastAffected)
		if err != nil {
			return false, "", false, true
		}
		return c <= 0, "", true, true
	}
	return true, "", true, true
}
