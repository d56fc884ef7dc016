package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/rule"
	"github.com/bulkhead-sec/bulkhead/internal/rule/catalog"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/rules"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/sensor"
)

// ruleFlags are --disable and --enable, shared by every scanner command and
// checked against the rule catalogue.
type ruleFlags struct {
	disable, enable []string
	// extra are rules of this run beside the catalogue's (custom secret
	// rules), so that they can be selected too.
	extra []rule.Rule
	// sel is what resolve made of them.
	sel rule.Selection
}

func (rf *ruleFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVar(&rf.disable, "disable", nil, "turn off a rule: its id, an alias (DL3008, CIS-DOCKER-5.4) or a tag (repeatable; see 'bulkhead rules list')")
	fs.StringArrayVar(&rf.enable, "enable", nil, "turn on a rule that is off by default, or back on after --disable: id, alias or tag (repeatable)")
}

// selection resolves the flags against the catalogue of every scanner's
// rules (the runtime ones from set, or the default rules when set is nil).
// A selector naming no rule is a usage error naming the closest one.
func (rf *ruleFlags) selection(set *rules.Set) (rule.Selection, error) {
	if len(rf.disable) == 0 && len(rf.enable) == 0 {
		return rule.Selection{}, nil
	}
	if set == nil {
		var err error
		if set, err = loadRules(nil, false, io.Discard); err != nil {
			return rule.Selection{}, err
		}
	}
	cat := catalog.Build(set)
	if len(rf.extra) > 0 {
		cat = rule.NewCatalogue(append(cat.Rules(""), rf.extra...))
	}
	sel, err := cat.Select(rf.disable, rf.enable)
	var unknown *rule.UnknownError
	if errors.As(err, &unknown) {
		return sel, usageError{fmt.Errorf("--disable/--enable: %w", err)}
	}
	return sel, err
}

// resolve checks the flags and keeps the selection for dropDisabled.
func (rf *ruleFlags) resolve(set *rules.Set) error {
	sel, err := rf.selection(set)
	rf.sel = sel
	return err
}

// dropDisabled removes the findings of rules the selection turns off.
func dropDisabled(r *report.Report, sel rule.Selection) {
	if sel.Empty() {
		return
	}
	kept := r.Findings[:0]
	for _, f := range r.Findings {
		if !sel.Off(f.ID) {
			kept = append(kept, f)
		}
	}
	clear(r.Findings[len(kept):])
	r.Findings = kept
}

// writeRules prints rules as a table, JSON or a markdown table.
func writeRules(w io.Writer, format string, rs []rule.Rule) error {
	switch format {
	case "json":
		if rs == nil {
			rs = []rule.Rule{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rs)
	case "markdown":
		fmt.Fprintln(w, "| Scanner | ID | Severity | Title | Also known as | State |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|")
		for _, r := range rs {
			id := r.ID
			if r.Doc != "" {
				id = fmt.Sprintf("[%s](%s)", r.ID, r.Doc)
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", r.Scanner, mdCell(id), r.Severity, mdCell(r.Title), mdCell(strings.Join(r.Aliases, ", ")), mdCell(state(r)))
		}
		return nil
	case "table":
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SCANNER\tID\tSEVERITY\tSTATE\tALIASES\tTITLE")
		for _, r := range rs {
			title := r.Title
			if r.Scanner == rule.ScannerRuntime && len(r.References) > 0 {
				title = r.References[0] // the rule's id is its title; say where it is defined
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Scanner, r.ID, r.Severity, state(r), strings.Join(r.Aliases, ","), title)
		}
		return tw.Flush()
	}
	return usageError{fmt.Errorf("unknown --format %q (want table, json or markdown)", format)}
}

func state(r rule.Rule) string {
	switch {
	case r.State != "":
		return r.State
	case r.Off:
		return "off by default (--enable)"
	}
	return "enabled"
}

func mdCell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

// listRules is `bulkhead rules list`.
func listRules(cmd *cobra.Command, ruleFiles []string, noDefault bool, scanner, format string) error {
	switch format {
	case "table", "json", "markdown":
	default:
		return usageError{fmt.Errorf("unknown --format %q (want table, json or markdown)", format)}
	}
	if scanner != "" && !slices.Contains(rule.Scanners(), scanner) {
		return usageError{fmt.Errorf("unknown --scanner %q (want one of %s)", scanner, strings.Join(rule.Scanners(), ", "))}
	}
	var set *rules.Set
	if scanner == "" || scanner == rule.ScannerRuntime {
		var err error
		if set, err = loadRules(ruleFiles, noDefault, cmd.ErrOrStderr()); err != nil {
			return err
		}
		set.Restrict(sensor.Produces(sensor.ModeBPF), "eBPF")
	}
	return writeRules(cmd.OutOrStdout(), format, catalog.Build(set).Rules(scanner))
}
