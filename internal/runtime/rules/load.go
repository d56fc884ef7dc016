package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxFileSize bounds one rule file.
const maxFileSize = 16 << 20

// Source is one rule file: its name (for messages) and its YAML text.
type Source struct {
	Name string
	Data []byte
}

// ReadFile reads a rule file from disk, refusing files over 16 MiB.
func ReadFile(path string) (Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return Source{}, fmt.Errorf("read rule file %q: %w", path, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return Source{}, fmt.Errorf("read rule file %q: %w", path, err)
	}
	if len(b) > maxFileSize {
		return Source{}, fmt.Errorf("read rule file %q: larger than %d bytes", path, maxFileSize)
	}
	return Source{Name: path, Data: b}, nil
}

// Level says how serious a Warning is.
type Level string

const (
	// LevelError: an item was dropped or a rule disabled.
	LevelError Level = "error"
	// LevelWarning: loaded, with a caveat (e.g. an output field bulkhead cannot fill).
	LevelWarning Level = "warning"
)

// Warning is a problem found while loading: the file, the line, the item
// ("rule \"Name\"", "macro \"name\"", "list \"name\"") and the reason.
type Warning struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Item    string `json:"item,omitempty"`
	Level   Level  `json:"level"`
	Message string `json:"message"`
}

func (w Warning) String() string {
	var b strings.Builder
	b.WriteString(w.File)
	if w.Line > 0 {
		fmt.Fprintf(&b, ":%d", w.Line)
	}
	b.WriteString(": ")
	b.WriteString(string(w.Level))
	b.WriteString(": ")
	if w.Item != "" {
		b.WriteString(w.Item)
		b.WriteString(": ")
	}
	b.WriteString(w.Message)
	return b.String()
}

type listDef struct {
	name  string
	items []string
	file  string
	line  int
}

type macroDef struct {
	name     string
	cond     string
	ast      node
	parseErr error
	file     string
	line     int
}

type excValue struct {
	text   string
	items  []string
	isList bool
}

type exceptionDef struct {
	name   string
	fields []string
	comps  []string
	scalar bool         // fields was one field name: one list of values
	tuples [][]excValue // one tuple per values entry
}

type ruleDef struct {
	name        string
	desc        string
	cond        string
	output      string
	priority    Priority
	tags        []string
	enabled     bool
	exceptions  []*exceptionDef
	source      string
	skipUnknown bool
	file        string
	line        int
	invalid     string // why the rule cannot run, set at load time
}

type rawException struct {
	Name   string    `yaml:"name"`
	Fields yaml.Node `yaml:"fields"`
	Comps  yaml.Node `yaml:"comps"`
	Values yaml.Node `yaml:"values"`
}

type rawItem struct {
	Rule                *string           `yaml:"rule"`
	Macro               *string           `yaml:"macro"`
	List                *string           `yaml:"list"`
	Desc                *string           `yaml:"desc"`
	Condition           *string           `yaml:"condition"`
	Output              *string           `yaml:"output"`
	Priority            *string           `yaml:"priority"`
	Tags                *[]string         `yaml:"tags"`
	Enabled             *bool             `yaml:"enabled"`
	Exceptions          *[]rawException   `yaml:"exceptions"`
	Append              *bool             `yaml:"append"`
	Override            map[string]string `yaml:"override"`
	Items               *[]yaml.Node      `yaml:"items"`
	Source              *string           `yaml:"source"`
	SkipIfUnknownFilter *bool             `yaml:"skip-if-unknown-filter"`
}

var knownKeys = map[string]map[string]bool{
	"rule": {"rule": true, "desc": true, "condition": true, "output": true, "priority": true, "tags": true,
		"enabled": true, "exceptions": true, "append": true, "override": true, "source": true,
		"skip-if-unknown-filter": true, "warn_evttypes": true, "capture": true, "capture_duration": true},
	"macro": {"macro": true, "condition": true, "append": true, "override": true},
	"list":  {"list": true, "items": true, "append": true, "override": true},
}

// loader accumulates the items of all files in order.
type loader struct {
	lists    map[string]*listDef
	macros   map[string]*macroDef
	rules    map[string]*ruleDef
	order    []*ruleDef
	warnings []Warning
	file     string
}

func (l *loader) warn(line int, item string, level Level, format string, args ...any) {
	l.warnings = append(l.warnings, Warning{File: l.file, Line: line, Item: item, Level: level, Message: fmt.Sprintf(format, args...)})
}

// loadFile applies one file's items. It returns an error only when the file
// is not a YAML list of items at all.
func (l *loader) loadFile(src Source) error {
	l.file = src.Name
	if len(src.Data) > maxFileSize {
		return fmt.Errorf("load rule file %q: larger than %d bytes", src.Name, maxFileSize)
	}
	dec := yaml.NewDecoder(bytes.NewReader(src.Data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("load rule file %q: %w", src.Name, err)
		}
		if len(doc.Content) == 0 {
			continue
		}
		top := doc.Content[0]
		if top.Kind == yaml.ScalarNode && top.Tag == "!!null" {
			continue
		}
		if top.Kind != yaml.SequenceNode {
			return fmt.Errorf("load rule file %q: line %d: want a list of rule, macro and list items, got a %s", src.Name, top.Line, kindName(top))
		}
		for _, it := range top.Content {
			l.item(it)
		}
	}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "scalar"
	case yaml.AliasNode:
		return "alias"
	}
	return "document"
}

func (l *loader) item(n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		l.warn(n.Line, "", LevelError, "item is a %s, want a mapping with rule, macro or list", kindName(n))
		return
	}
	keys := map[string]bool{}
	kind, name := "", ""
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		keys[k] = true
		switch k {
		case "rule", "macro", "list":
			if kind == "" {
				kind, name = k, n.Content[i+1].Value
			}
		case "required_engine_version", "required_plugin_versions":
			if kind == "" {
				kind = k
			}
		}
	}
	switch kind {
	case "":
		l.warn(n.Line, "", LevelError, "item has none of rule, macro, list, required_engine_version, required_plugin_versions; skipped")
		return
	case "required_engine_version", "required_plugin_versions":
		return // accepted; bulkhead's engine is not versioned against Falco's
	}
	label := fmt.Sprintf("%s %q", kind, name)
	if strings.TrimSpace(name) == "" {
		l.warn(n.Line, label, LevelError, "the %s has no name; skipped", kind)
		return
	}
	for k := range keys {
		if !knownKeys[kind][k] {
			l.warn(n.Line, label, LevelWarning, "unknown key %q ignored", k)
		}
	}
	var raw rawItem
	if err := n.Decode(&raw); err != nil {
		l.warn(n.Line, label, LevelError, "malformed: %v; skipped", err)
		return
	}
	if raw.Append != nil && *raw.Append && raw.Override != nil {
		l.warn(n.Line, label, LevelError, "append and override cannot be used together; skipped")
		return
	}
	for k, v := range raw.Override {
		if v != "append" && v != "replace" {
			l.warn(n.Line, label, LevelError, "override of %q is %q, want append or replace; skipped", k, v)
			return
		}
		if !keys[k] {
			l.warn(n.Line, label, LevelError, "override names %q but the item does not set it; skipped", k)
			return
		}
	}
	switch kind {
	case "list":
		l.list(n.Line, label, name, &raw)
	case "macro":
		l.macro(n.Line, label, name, &raw)
	case "rule":
		l.rule(n.Line, label, name, &raw, keys)
	}
}

func appendMode(raw *rawItem, key string) (appendIt, replace bool) {
	if raw.Append != nil && *raw.Append {
		return true, false
	}
	switch raw.Override[key] {
	case "append":
		return true, false
	case "replace":
		return false, true
	}
	return false, false
}

func (l *loader) list(line int, label, name string, raw *rawItem) {
	var items []string
	if raw.Items != nil {
		for _, it := range *raw.Items {
			if it.Kind != yaml.ScalarNode {
				l.warn(it.Line, label, LevelError, "list item is a %s, want a scalar; item skipped", kindName(&it))
				continue
			}
			items = append(items, it.Value)
		}
	}
	app, repl := appendMode(raw, "items")
	if app || repl {
		old, ok := l.lists[name]
		if !ok {
			l.warn(line, label, LevelError, "appends to or overrides a list that is not defined; skipped")
			return
		}
		if app {
			old.items = append(old.items, items...)
		} else {
			old.items = items
		}
		if len(old.items) > maxListItems {
			l.warn(line, label, LevelError, "list has more than %d items; truncated", maxListItems)
			old.items = old.items[:maxListItems]
		}
		return
	}
	if raw.Items == nil {
		l.warn(line, label, LevelError, "list has no items key; skipped")
		return
	}
	l.lists[name] = &listDef{name: name, items: items, file: l.file, line: line}
}

func (l *loader) macro(line int, label, name string, raw *rawItem) {
	if raw.Condition == nil {
		l.warn(line, label, LevelError, "macro has no condition; skipped")
		return
	}
	app, repl := appendMode(raw, "condition")
	if app || repl {
		old, ok := l.macros[name]
		if !ok {
			l.warn(line, label, LevelError, "appends to or overrides a macro that is not defined; skipped")
			return
		}
		if app {
			old.cond = old.cond + " " + *raw.Condition
		} else {
			old.cond = *raw.Condition
		}
		return
	}
	l.macros[name] = &macroDef{name: name, cond: *raw.Condition, file: l.file, line: line}
}

func (l *loader) rule(line int, label, name string, raw *rawItem, keys map[string]bool) {
	old, exists := l.rules[name]
	isAppend := raw.Append != nil && *raw.Append
	if isAppend || raw.Override != nil {
		if !exists {
			l.warn(line, label, LevelError, "appends to or overrides a rule that is not defined; skipped")
			return
		}
		l.amendRule(line, label, old, raw, keys)
		return
	}
	// "- rule: X / enabled: false" with nothing else toggles an existing rule.
	if exists && raw.Condition == nil && raw.Output == nil && raw.Enabled != nil {
		old.enabled = *raw.Enabled
		return
	}
	var missing []string
	if raw.Condition == nil {
		missing = append(missing, "condition")
	}
	if raw.Output == nil {
		missing = append(missing, "output")
	}
	if raw.Priority == nil {
		missing = append(missing, "priority")
	}
	if len(missing) > 0 {
		l.warn(line, label, LevelError, "rule has no %s; skipped", strings.Join(missing, ", "))
		return
	}
	prio, err := ParsePriority(*raw.Priority)
	if err != nil {
		l.warn(line, label, LevelError, "%v; skipped", err)
		return
	}
	r := &ruleDef{name: name, cond: *raw.Condition, output: *raw.Output, priority: prio, enabled: true, file: l.file, line: line}
	if raw.Desc != nil {
		r.desc = *raw.Desc
	}
	if raw.Tags != nil {
		r.tags = append([]string(nil), (*raw.Tags)...)
	}
	if raw.Enabled != nil {
		r.enabled = *raw.Enabled
	}
	if raw.Source != nil {
		r.source = *raw.Source
	}
	if raw.SkipIfUnknownFilter != nil {
		r.skipUnknown = *raw.SkipIfUnknownFilter
	}
	if raw.Exceptions != nil {
		for _, re := range *raw.Exceptions {
			ex, err := parseException(re)
			if err != nil {
				r.invalid = err.Error()
				break
			}
			r.exceptions = append(r.exceptions, ex)
		}
	}
	if exists {
		*old = *r // a redefinition replaces the rule and keeps its place
		return
	}
	l.rules[name] = r
	l.order = append(l.order, r)
}

func (l *loader) amendRule(line int, label string, r *ruleDef, raw *rawItem, keys map[string]bool) {
	mode := func(key string) (app, repl bool) {
		if raw.Append != nil && *raw.Append {
			// Legacy append extends the condition and the exceptions.
			if key == "condition" || key == "exceptions" {
				return true, false
			}
			if keys[key] {
				l.warn(line, label, LevelWarning, "append: true only extends condition and exceptions; %q ignored", key)
			}
			return false, false
		}
		return appendMode(raw, key)
	}
	if app, repl := mode("condition"); raw.Condition != nil && (app || repl) {
		if app {
			r.cond = r.cond + " " + *raw.Condition
		} else {
			r.cond = *raw.Condition
		}
	}
	if app, repl := mode("output"); raw.Output != nil && (app || repl) {
		if app {
			r.output = r.output + " " + *raw.Output
		} else {
			r.output = *raw.Output
		}
	}
	if app, repl := mode("desc"); raw.Desc != nil && (app || repl) {
		if app {
			r.desc = r.desc + " " + *raw.Desc
		} else {
			r.desc = *raw.Desc
		}
	}
	if app, repl := mode("tags"); raw.Tags != nil && (app || repl) {
		if app {
			r.tags = append(r.tags, (*raw.Tags)...)
		} else {
			r.tags = append([]string(nil), (*raw.Tags)...)
		}
	}
	if _, repl := mode("priority"); raw.Priority != nil && repl {
		p, err := ParsePriority(*raw.Priority)
		if err != nil {
			l.warn(line, label, LevelError, "override: %v; priority unchanged", err)
		} else {
			r.priority = p
		}
	}
	if _, repl := mode("enabled"); raw.Enabled != nil && repl {
		r.enabled = *raw.Enabled
	}
	if raw.Enabled != nil && raw.Append != nil && *raw.Append {
		r.enabled = *raw.Enabled
	}
	if app, repl := mode("exceptions"); raw.Exceptions != nil && (app || repl) {
		var list []*exceptionDef
		for _, re := range *raw.Exceptions {
			ex, err := parseException(re)
			if err != nil {
				l.warn(line, label, LevelError, "%v; exceptions unchanged", err)
				return
			}
			list = append(list, ex)
		}
		if repl {
			r.exceptions = list
			return
		}
		for _, ex := range list {
			merged := false
			for _, old := range r.exceptions {
				if old.name == ex.name {
					if err := mergeException(old, ex); err != nil {
						l.warn(line, label, LevelError, "%v; values skipped", err)
					}
					merged = true
				}
			}
			if !merged {
				if len(ex.fields) == 0 {
					l.warn(line, label, LevelError, "exception %q appends to no existing exception and has no fields; skipped", ex.name)
					continue
				}
				r.exceptions = append(r.exceptions, ex)
			}
		}
	}
}

// mergeException appends ex's values to old, shaping them as old's fields.
func mergeException(old, ex *exceptionDef) error {
	if len(ex.fields) > 0 && !equalStrings(ex.fields, old.fields) {
		return fmt.Errorf("exception %q appended with different fields", ex.name)
	}
	if old.scalar {
		if len(old.tuples) == 0 {
			old.tuples = [][]excValue{{{isList: true}}}
		}
		dst := &old.tuples[0][0]
		for _, t := range ex.tuples {
			for _, v := range t {
				if v.isList {
					dst.items = append(dst.items, v.items...)
				} else {
					dst.items = append(dst.items, v.text)
				}
			}
		}
		return nil
	}
	for _, t := range ex.tuples {
		if len(t) != len(old.fields) {
			return fmt.Errorf("exception %q: %d values for %d fields", ex.name, len(t), len(old.fields))
		}
	}
	old.tuples = append(old.tuples, ex.tuples...)
	return nil
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func scalars(n *yaml.Node) ([]string, error) {
	var out []string
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: want a scalar, got a %s", c.Line, kindName(c))
		}
		out = append(out, c.Value)
	}
	return out, nil
}

func parseException(re rawException) (*exceptionDef, error) {
	if re.Name == "" {
		return nil, fmt.Errorf("exception without a name")
	}
	ex := &exceptionDef{name: re.Name}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("exception %q: %s", re.Name, fmt.Sprintf(format, args...))
	}
	switch re.Fields.Kind {
	case 0:
	case yaml.ScalarNode:
		ex.scalar = true
		ex.fields = []string{re.Fields.Value}
	case yaml.SequenceNode:
		f, err := scalars(&re.Fields)
		if err != nil {
			return nil, bad("fields: %v", err)
		}
		ex.fields = f
	default:
		return nil, bad("fields is a %s", kindName(&re.Fields))
	}
	switch re.Comps.Kind {
	case 0:
		for range ex.fields {
			if ex.scalar {
				ex.comps = append(ex.comps, "in")
			} else {
				ex.comps = append(ex.comps, "=")
			}
		}
	case yaml.ScalarNode:
		ex.comps = []string{re.Comps.Value}
	case yaml.SequenceNode:
		c, err := scalars(&re.Comps)
		if err != nil {
			return nil, bad("comps: %v", err)
		}
		ex.comps = c
	default:
		return nil, bad("comps is a %s", kindName(&re.Comps))
	}
	if len(ex.fields) > 0 && len(ex.comps) != len(ex.fields) {
		return nil, bad("%d fields but %d comps", len(ex.fields), len(ex.comps))
	}
	for _, c := range ex.comps {
		if c == "==" {
			continue
		}
		if !wordOps[c] && c != "=" && c != "!=" && c != "<" && c != "<=" && c != ">" && c != ">=" || c == "exists" {
			return nil, bad("comp %q is not an operator", c)
		}
	}
	switch re.Values.Kind {
	case 0:
	case yaml.SequenceNode:
		if ex.scalar {
			var vs []string
			for _, c := range re.Values.Content {
				if c.Kind == yaml.ScalarNode {
					vs = append(vs, c.Value)
				} else if c.Kind == yaml.SequenceNode {
					s, err := scalars(c)
					if err != nil {
						return nil, bad("values: %v", err)
					}
					vs = append(vs, s...)
				}
			}
			ex.tuples = [][]excValue{{{items: vs, isList: true}}}
			break
		}
		for _, t := range re.Values.Content {
			if len(ex.fields) == 0 && t.Kind == yaml.ScalarNode {
				// Values appended to an exception defined earlier; shaped on merge.
				ex.tuples = append(ex.tuples, []excValue{{text: t.Value}})
				continue
			}
			if t.Kind != yaml.SequenceNode {
				return nil, bad("line %d: a value is a %s, want a list of %d values", t.Line, kindName(t), len(ex.fields))
			}
			var tuple []excValue
			for _, v := range t.Content {
				switch v.Kind {
				case yaml.ScalarNode:
					tuple = append(tuple, excValue{text: v.Value})
				case yaml.SequenceNode:
					s, err := scalars(v)
					if err != nil {
						return nil, bad("values: %v", err)
					}
					tuple = append(tuple, excValue{items: s, isList: true})
				default:
					return nil, bad("line %d: value is a %s", v.Line, kindName(v))
				}
			}
			if len(ex.fields) > 0 && len(tuple) != len(ex.fields) {
				return nil, bad("line %d: %d values for %d fields", t.Line, len(tuple), len(ex.fields))
			}
			ex.tuples = append(ex.tuples, tuple)
		}
	default:
		return nil, bad("values is a %s", kindName(&re.Values))
	}
	return ex, nil
}

// exceptionNode builds "not ((f1 c1 v1 and f2 c2 v2) or ...)" for one exception.
func exceptionNode(ex *exceptionDef) (node, error) {
	var anyOf node
	for _, tuple := range ex.tuples {
		var all node
		for i, v := range tuple {
			fe, err := splitField(ex.fields[i], 0)
			if err != nil {
				return nil, fmt.Errorf("exception %q: %w", ex.name, err)
			}
			op := ex.comps[i]
			if op == "==" {
				op = "="
			}
			c := cmpNode{lhs: fe, op: op}
			switch {
			case listOps[op]:
				c.list = true
				items := v.items
				if !v.isList {
					items = []string{v.text}
				}
				for _, it := range items {
					c.vals = append(c.vals, value{text: it})
				}
			case v.isList:
				return nil, fmt.Errorf("exception %q: field %q with comp %q cannot take a list", ex.name, ex.fields[i], op)
			default:
				c.vals = []value{{text: v.text, quoted: true}}
			}
			if all == nil {
				all = c
			} else {
				all = andNode{all, c}
			}
		}
		if all == nil {
			continue
		}
		if anyOf == nil {
			anyOf = all
		} else {
			anyOf = orNode{anyOf, all}
		}
	}
	return anyOf, nil
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
