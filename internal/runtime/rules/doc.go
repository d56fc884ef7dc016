// Package rules is bulkhead's runtime rule engine. It loads rule files in
// Falco's rule language (lists, macros, rules, append and override,
// exceptions, priorities, tags, output templates) and evaluates them on
// event.Event values.
//
// Loading: Load(files...) reads the files in order, later files extending or
// replacing earlier items, then compiles every enabled rule's condition into
// a tree of closures. Each rule's condition is analysed for the event types
// it can match (from its evt.type checks, "not" included), and the Set keeps
// one slice of rules per event type, so Eval runs only the rules that can
// match. Macros are compiled once and shared, lists are expanded at compile
// time, and string sets of more than eight items become maps.
//
// Problems are reported, never fatal: a malformed item is skipped with a
// Warning naming the file, line, item and reason; a rule that needs a field
// bulkhead cannot provide (or a macro that does) is disabled with the field
// named; the rest loads. Only a file that is not a YAML list of items at all
// makes Load return an error.
//
// Evaluating: Eval(e, fn) calls fn with an Alert for every matching rule.
// Alerts carry the rendered output, the output fields, the rule's priority
// and its bulkhead severity (Priority.Severity), and convert to a runtime
// finding with Alert.Finding.
//
// Default returns bulkhead's own rule file (package defaultrules, documented
// in docs/runtime-rules.md).
package rules
