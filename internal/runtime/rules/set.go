package rules

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
	defaultrules "github.com/bulkhead-sec/bulkhead/internal/runtime/rules/default"
)

// Set is a compiled rule set, indexed by event type. It is safe for
// concurrent Eval calls.
type Set struct {
	rules    []*Rule
	byType   [event.NumTypes][]*Rule
	hostname string
	lists    int
	macros   int
	names    *sipNames // fd.sip.name; shared by WithHostname copies
	slots    int       // memo slots of shared macros
}

// Rule is one compiled rule.
type Rule struct {
	info  RuleInfo
	cond  pred
	out   *template
	types tset
	sip   []string // fd.sip.name names the condition uses
}

// RuleInfo describes a rule for `rules list` and `rules check`.
type RuleInfo struct {
	Name     string           `json:"name"`
	Desc     string           `json:"desc,omitempty"`
	Priority Priority         `json:"priority"`
	Severity finding.Severity `json:"severity"`
	Tags     []string         `json:"tags,omitempty"`
	Source   string           `json:"source"`
	// Enabled is true when the rule is evaluated.
	Enabled bool `json:"enabled"`
	// Disabled says why a rule is not evaluated ("enabled: false in the
	// file", or the unsupported field or compile error).
	Disabled   string   `json:"disabled,omitempty"`
	File       string   `json:"file"`
	Line       int      `json:"line,omitempty"`
	Condition  string   `json:"condition"`
	Output     string   `json:"output"`
	EventTypes []string `json:"event_types,omitempty"` // empty: every event type
}

// Alert is one rule match.
type Alert struct {
	Rule         string
	Priority     Priority
	Severity     finding.Severity
	Output       string         // the rendered output template
	OutputFields map[string]any // field name → string, int64, bool or nil (no value)
	Tags         []string
	Time         time.Time
	Source       string // "syscall"
	Hostname     string

	ContainerID, ContainerName, ContainerImage string

	// Event is the matching event. It is valid only during the Eval
	// callback: outputs that queue alerts must not keep it.
	Event *event.Event
}

// containerFields are always part of output_fields, as Falco adds them.
var containerFields = []*getter{
	simpleFields["container.id"], simpleFields["container.name"], simpleFields["container.image.repository"],
	simpleFields["container.image.tag"], simpleFields["evt.type"], simpleFields["proc.name"],
}

// Load compiles rule files in order (later files extend or override earlier
// ones). Problems with single items are returned as warnings and the rest
// loads; the error is for a file that is not a YAML list of items at all.
func Load(files ...Source) (*Set, []Warning, error) {
	l := &loader{lists: map[string]*listDef{}, macros: map[string]*macroDef{}, rules: map[string]*ruleDef{}}
	var errs []error
	for _, f := range files {
		if err := l.loadFile(f); err != nil {
			errs = append(errs, err)
		}
	}
	s := l.compile()
	return s, l.warnings, errors.Join(errs...)
}

// WithHostname returns a copy of the set whose alerts and evt.hostname carry
// the given host name.
func (s *Set) WithHostname(h string) *Set {
	c := *s
	c.hostname = h
	return &c
}

func (l *loader) compile() *Set {
	s := &Set{lists: len(l.lists), macros: len(l.macros), names: &sipNames{}}
	for _, name := range sortedKeys(l.macros) {
		m := l.macros[name]
		m.ast, m.parseErr = parseCondition(m.cond)
		if m.parseErr != nil {
			l.file = m.file
			l.warn(m.line, fmt.Sprintf("macro %q", name), LevelError, "condition does not parse: %v", m.parseErr)
		}
	}
	k := newCompiler(l.lists, l.macros)
	all := allTypes()
	for _, rd := range l.order {
		l.file = rd.file
		label := fmt.Sprintf("rule %q", rd.name)
		r := &Rule{info: RuleInfo{Name: rd.name, Desc: strings.TrimSpace(rd.desc), Priority: rd.priority,
			Severity: rd.priority.Severity(), Tags: rd.tags, Source: rd.source, File: rd.file, Line: rd.line,
			Condition: strings.TrimSpace(rd.cond), Output: strings.TrimSpace(rd.output)}}
		if r.info.Source == "" {
			r.info.Source = "syscall"
		}
		s.rules = append(s.rules, r)
		disable := func(level Level, format string, args ...any) {
			r.info.Disabled = fmt.Sprintf(format, args...)
			if !rd.skipUnknown || level != LevelError {
				l.warn(rd.line, label, level, "disabled: %s", r.info.Disabled)
			}
		}
		if rd.invalid != "" {
			disable(LevelError, "%s", rd.invalid)
			continue
		}
		if r.info.Source != "syscall" {
			disable(LevelWarning, "source %q is not supported (bulkhead evaluates syscall rules)", r.info.Source)
			continue
		}
		ast, err := parseCondition(rd.cond)
		if err != nil {
			disable(LevelError, "condition does not parse: %v", err)
			continue
		}
		for _, ex := range rd.exceptions {
			en, err := exceptionNode(ex)
			if err != nil {
				disable(LevelError, "%v", err)
				break
			}
			if en != nil {
				ast = andNode{ast, notNode{en}}
			}
		}
		if r.info.Disabled != "" {
			continue
		}
		c, err := k.rule(ast)
		if err != nil {
			if errors.Is(err, errUnsupported) {
				disable(LevelError, "needs %v", err)
			} else {
				disable(LevelError, "condition: %v", err)
			}
			continue
		}
		out, unsupported := compileTemplate(strings.TrimSpace(rd.output))
		if len(unsupported) > 0 {
			l.warn(rd.line, label, LevelWarning, "output fields bulkhead cannot fill render as <NA>: %s", strings.Join(unsupported, ", "))
		}
		r.cond, r.out, r.types, r.sip = c.p, out, c.may, k.lastSip
		switch n := c.may.count(); {
		case n == 0:
			disable(LevelError, "the condition can never match any event type bulkhead sees")
			continue
		case c.may == all:
			l.warn(rd.line, label, LevelWarning, "no evt.type restriction: the rule runs on every event")
		default:
			for _, t := range c.may.types() {
				r.info.EventTypes = append(r.info.EventTypes, t.String())
			}
		}
		if !rd.enabled {
			r.info.Disabled = "enabled: false"
			continue
		}
		r.info.Enabled = true
		for _, t := range c.may.types() {
			s.byType[t] = append(s.byType[t], r)
		}
	}
	s.slots = k.memoSlots()
	s.collectNames()
	return s
}

// collectNames makes the fd.sip.name names to resolve those of the enabled
// rules: a name only a disabled rule (or an unused macro) mentions is never
// looked up.
func (s *Set) collectNames() {
	var want []string
	for _, r := range s.rules {
		if r.info.Enabled {
			want = append(want, r.sip...)
		}
	}
	slices.Sort(want)
	s.names.want = slices.Compact(want)
}

// Eval runs the rules that apply to e's type and calls fn for every match,
// in rule order.
func (s *Set) Eval(e *event.Event, fn func(Alert)) {
	if e.Type >= event.NumTypes {
		return
	}
	rs := s.byType[e.Type]
	if len(rs) == 0 {
		return
	}
	c := getCtx(e, s.hostname, s.slots)
	c.names = s.names
	for _, r := range rs {
		if r.cond(c) {
			fn(r.alert(c))
		}
	}
	putCtx(c)
}

func (r *Rule) alert(c *ctx) Alert {
	e := c.e
	a := Alert{
		Rule:         r.info.Name,
		Priority:     r.info.Priority,
		Severity:     r.info.Severity,
		Output:       r.out.render(c),
		OutputFields: r.out.values(c, containerFields),
		Tags:         r.info.Tags,
		Time:         e.Time,
		Source:       "syscall",
		Hostname:     c.hostname,
		Event:        e,
	}
	if e.IsContainer() {
		a.ContainerID, a.ContainerName, a.ContainerImage = e.Container.ShortID(), e.Container.Name, e.Container.Image
	} else {
		a.ContainerID, a.ContainerName = "host", "host"
	}
	return a
}

// Rules lists every rule loaded, enabled or not, in file order.
func (s *Set) Rules() []RuleInfo {
	out := make([]RuleInfo, len(s.rules))
	for i, r := range s.rules {
		out[i] = r.info
		out[i].Tags = append([]string(nil), r.info.Tags...)
		out[i].EventTypes = append([]string(nil), r.info.EventTypes...)
	}
	return out
}

// Enabled returns the number of rules that are evaluated.
func (s *Set) Enabled() int {
	n := 0
	for _, r := range s.rules {
		if r.info.Enabled {
			n++
		}
	}
	return n
}

// Finding converts an alert into a runtime finding for the shared report.
// The rule name is the finding id; the rendered output is its evidence.
func (a Alert) Finding() finding.Finding {
	f := finding.Finding{
		Kind:        finding.Runtime,
		ID:          a.Rule,
		Severity:    a.Severity,
		Title:       a.Rule,
		Description: a.Output,
		Evidence:    a.Output,
		Source:      "bulkhead-runtime",
		Tags:        append([]string(nil), a.Tags...),
		Status:      finding.StatusFail,
		Extra: map[string]any{
			"priority":      a.Priority.String(),
			"time":          a.Time.UTC().Format(time.RFC3339Nano),
			"output_fields": a.OutputFields,
		},
	}
	if a.ContainerID != "host" {
		f.Location.ContainerID = a.ContainerID
		f.Location.ContainerName = a.ContainerName
	}
	if e := a.Event; e != nil {
		f.Location.Object = "pid " + strconv.FormatUint(uint64(e.PID), 10) + " (" + e.Name() + ")"
		if e.Path != "" {
			f.Location.Path = e.Path
		}
	}
	if a.ContainerImage != "" {
		f.Extra["container_image"] = a.ContainerImage
	}
	return f
}

// Default returns bulkhead's embedded default rule file.
func Default() Source {
	return Source{Name: defaultrules.Name, Data: defaultrules.YAML}
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

// Restrict disables the enabled rules none of whose event types the sensor
// produces (produces(t) false for each), so that a rule that can never
// fire is reported disabled, with the reason, instead of enabled. sensor
// names the sensor in the reason. Rules that run on every event type are
// kept. Call it before the set is used; it returns the rules it disabled.
func (s *Set) Restrict(produces func(event.Type) bool, sensor string) []string {
	var out []string
	for _, r := range s.rules {
		if !r.info.Enabled || r.types == allTypes() {
			continue
		}
		var have, missing []string
		for _, t := range r.types.types() {
			if produces(t) {
				have = append(have, t.String())
			} else {
				missing = append(missing, t.String())
			}
		}
		if len(have) > 0 {
			continue
		}
		r.info.Enabled = false
		r.info.Disabled = fmt.Sprintf("the %s sensor produces none of its event types (%s)", sensor, strings.Join(missing, ", "))
		for _, t := range r.types.types() {
			s.byType[t] = slices.DeleteFunc(s.byType[t], func(x *Rule) bool { return x == r })
		}
		out = append(out, r.info.Name)
	}
	s.collectNames()
	return out
}
