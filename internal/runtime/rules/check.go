package rules

import (
	"fmt"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
)

// CheckOptions says which event types the sensor watch will use produces
// (sensor.Produces); nil checks the rules alone.
type CheckOptions struct {
	Produces func(event.Type) bool
	Sensor   string // its name, for the reason ("eBPF")
}

// CheckReport is the outcome of `bulkhead rules check`: what loaded, what
// runs, and every problem found.
type CheckReport struct {
	Files    []string   `json:"files"`
	Lists    int        `json:"lists"`
	Macros   int        `json:"macros"`
	Rules    int        `json:"rules"`
	Enabled  int        `json:"enabled"`
	Disabled int        `json:"disabled"`
	Warnings []Warning  `json:"warnings,omitempty"`
	Details  []RuleInfo `json:"rule_details"`
}

// Errors counts the warnings at LevelError (dropped items, disabled rules).
func (r CheckReport) Errors() int {
	n := 0
	for _, w := range r.Warnings {
		if w.Level == LevelError {
			n++
		}
	}
	return n
}

// OK reports whether every item loaded and every rule compiled.
func (r CheckReport) OK() bool { return r.Errors() == 0 }

// Check loads rule files together (in order, as bulkhead watch would) and
// reports on them. The error is for files that cannot be read or are not
// YAML lists of items.
func Check(paths ...string) (CheckReport, error) {
	return CheckWith(CheckOptions{}, paths...)
}

// CheckWith is Check, also reporting as disabled (with a warning) the
// rules that o's sensor can never fire.
func CheckWith(o CheckOptions, paths ...string) (CheckReport, error) {
	var srcs []Source
	for _, p := range paths {
		s, err := ReadFile(p)
		if err != nil {
			return CheckReport{Files: paths}, err
		}
		srcs = append(srcs, s)
	}
	return checkSources(o, srcs...)
}

// CheckSources is Check over sources already in memory.
func CheckSources(srcs ...Source) (CheckReport, error) {
	return checkSources(CheckOptions{}, srcs...)
}

func checkSources(o CheckOptions, srcs ...Source) (CheckReport, error) {
	rep := CheckReport{}
	for _, s := range srcs {
		rep.Files = append(rep.Files, s.Name)
	}
	set, warns, err := Load(srcs...)
	if set != nil && o.Produces != nil {
		disabled := map[string]bool{}
		for _, name := range set.Restrict(o.Produces, o.Sensor) {
			disabled[name] = true
		}
		for _, r := range set.rules {
			if disabled[r.info.Name] {
				warns = append(warns, Warning{File: r.info.File, Line: r.info.Line, Item: fmt.Sprintf("rule %q", r.info.Name),
					Level: LevelWarning, Message: "disabled: " + r.info.Disabled})
			}
		}
	}
	rep.Warnings = warns
	if set != nil {
		rep.Lists, rep.Macros = set.lists, set.macros
		rep.Details = set.Rules()
		rep.Rules = len(rep.Details)
		rep.Enabled = set.Enabled()
		rep.Disabled = rep.Rules - rep.Enabled
	}
	if err != nil {
		return rep, fmt.Errorf("check rules: %w", err)
	}
	return rep, nil
}
