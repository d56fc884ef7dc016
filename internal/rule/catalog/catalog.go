// Package catalog builds bulkhead's rule catalogue: the rules of every
// scanner (Dockerfile and compose linters, image checks, secrets, the CIS
// audit, runtime) as internal/rule.Rule values. The linters' and image
// checks' rule metadata already are rule.Rule; secret, audit and runtime
// rules are adapted here. It sits in the scanner layer, above the scanners
// it reads and below the commands.
package catalog

import (
	"strconv"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/audit"
	"github.com/bulkhead-sec/bulkhead/internal/imagecheck"
	"github.com/bulkhead-sec/bulkhead/internal/lint/compose"
	"github.com/bulkhead-sec/bulkhead/internal/lint/dockerfile"
	"github.com/bulkhead-sec/bulkhead/internal/rule"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/rules"
	"github.com/bulkhead-sec/bulkhead/internal/secret"
)

// Build returns the catalogue of every scanner's rules, the runtime rules
// taken from set (the rules watch would load; nil for none), in scanner
// order and each scanner's own order.
func Build(set *rules.Set) *rule.Catalogue {
	var all []rule.Rule
	all = append(all, dockerfile.Rules()...)
	all = append(all, compose.Rules()...)
	all = append(all, imagecheck.Rules()...)
	for _, r := range secret.Builtins() {
		all = append(all, Secret(r))
	}
	for _, c := range audit.Checks() {
		all = append(all, Audit(c))
	}
	if set != nil {
		for _, r := range set.Rules() {
			all = append(all, Runtime(r))
		}
	}
	return rule.NewCatalogue(all)
}

// Secret adapts a secret rule: its category is its tag, as on findings.
func Secret(r secret.Rule) rule.Rule {
	return rule.Rule{
		ID:          r.ID,
		Severity:    r.Severity,
		Title:       r.Title,
		Description: r.Description,
		Fix:         secret.Fix,
		Doc:         "docs/rules/secrets.md#" + strings.ToLower(r.ID),
		Tags:        []string{r.Category},
		Scanner:     rule.ScannerSecret,
	}
}

// Audit adapts a CIS Docker Benchmark check: the id is the CIS number (as
// on findings), aliased "CIS-DOCKER-n"; tags are the ones findings carry.
func Audit(c audit.CheckMeta) rule.Rule {
	r := rule.Rule{
		ID:       c.ID,
		Severity: c.Severity,
		Title:    c.Title,
		Fix:      c.Fix,
		Doc:      "docs/rules/cis/README.md",
		Tags:     []string{audit.Benchmark, "level" + strconv.Itoa(c.Level), "section-" + strconv.Itoa(c.Section), string(c.Scope)},
		Scanner:  rule.ScannerAudit,
	}
	if strings.HasPrefix(c.ID, "BH-") {
		r.Tags[0] = "bulkhead"
	} else {
		r.Aliases = []string{"CIS-DOCKER-" + c.ID}
	}
	if !c.Automated {
		r.Tags = append(r.Tags, "manual")
		r.Description = "A manual check of the benchmark: the finding (INFO) says what to verify."
	}
	return r
}

// Runtime adapts a loaded runtime rule: the Falco rule name is its id and
// title, its desc the description; a rule that does not run is Off with the
// reason in State.
func Runtime(i rules.RuleInfo) rule.Rule {
	r := rule.Rule{
		ID:          i.Name,
		Severity:    i.Severity,
		Title:       i.Name,
		Description: i.Desc,
		Doc:         "docs/runtime-rules.md",
		Tags:        append([]string(nil), i.Tags...),
		Scanner:     rule.ScannerRuntime,
		State:       "enabled",
	}
	if i.File != "" {
		r.References = []string{i.File + ":" + strconv.Itoa(i.Line)}
	}
	if !i.Enabled {
		r.Off, r.State = true, "disabled: "+i.Disabled
	}
	return r
}
