// Package defaultrules holds bulkhead's own runtime rule file,
// bulkhead_rules.yaml, embedded in the binary. It is written in the Falco
// rule language and documented in docs/runtime-rules.md; rules.Default
// returns it as a rules.Source.
package defaultrules

import _ "embed"

// Name is the file name the embedded rules report in warnings and alerts.
const Name = "bulkhead_rules.yaml"

// YAML is the text of bulkhead_rules.yaml.
//
//go:embed bulkhead_rules.yaml
var YAML []byte
