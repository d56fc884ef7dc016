package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/report/format"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/output"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/pipeline"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/rules"
)

// watchReport is what watch shares with the scanning commands: alerts
// become findings of the one report model, written at the end of the run
// in any report format, with --severity, ignore files, VEX, --fail-on and
// --disable/--enable applied as for scans.
type watchReport struct {
	out   outputFlags
	col   *output.Findings
	start time.Time
}

func (wr *watchReport) register(fs *pflag.FlagSet) {
	o := &wr.out
	fs.StringVar(&o.failOn, "fail-on", "", "with a report --format: exit 3 when a finding at or above this severity remains")
	fs.StringVar(&o.severity, "severity", "", "with a report --format: report only findings at or above this severity")
	fs.StringVar(&o.ignoreFile, "ignorefile", ".bulkheadignore", "YAML file of ignored findings (id, path, reason, expires), with a report --format")
	fs.StringSliceVar(&o.vex, "vex", nil, "OpenVEX document(s) whose statements suppress findings, with a report --format")
	fs.BoolVar(&o.showIgnored, "show-suppressed", false, "list suppressed findings in human formats")
	o.rules.register(fs)
}

// watchFormats says which --format values stream alerts.
const watchFormatsHelp = "falco (Falco-compatible JSON lines, streamed), text (streamed), or a report written when the run ends: "

// parseFormat tells the streaming format of name (falco or text), or that
// name is a report format: then alerts are collected as findings.
func (wr *watchReport) parseFormat(name string) (output.Format, bool, error) {
	switch strings.ToLower(name) {
	case "falco", "text":
		f, err := output.ParseFormat(strings.Replace(strings.ToLower(name), "falco", "json", 1))
		return f, true, err
	}
	if _, err := format.Lookup(name); err != nil {
		return output.JSON, false, usageError{fmt.Errorf("unknown --format %q (want %s%s)", name, watchFormatsHelp, strings.Join(format.Names(), ", "))}
	}
	for _, s := range []string{wr.out.failOn, wr.out.severity} {
		if _, err := finding.ParseSeverity(s); err != nil {
			return output.JSON, false, usageError{err}
		}
	}
	wr.out.format, wr.col, wr.start = name, &output.Findings{}, time.Now()
	return output.JSON, false, nil
}

// selectRules applies --disable and --enable to the loaded set.
func (wr *watchReport) selectRules(set *rules.Set, log io.Writer) error {
	if err := wr.out.rules.resolve(set); err != nil {
		return err
	}
	sel := wr.out.rules.sel
	if sel.Empty() {
		return nil
	}
	for _, c := range set.Select(sel.Off, func(name string) bool { return sel.Enabled[name] }) {
		fmt.Fprintf(log, "rules: --enable %s: cannot run\n", c)
	}
	return nil
}

// outputs adds the findings collector, in report mode, beside the streamed
// outputs (before their rate limit: the report counts every alert).
func (wr *watchReport) outputs(streamed output.Output) []pipeline.Output {
	outs := []pipeline.Output{pipeline.OutputFunc(streamed.Send)}
	if wr.col != nil {
		outs = append(outs, wr.col)
	}
	return outs
}

// finish writes the report of the run, in report mode, to outFile or stdout.
func (wr *watchReport) finish(cmd *cobra.Command, host, outFile string) error {
	if wr.col == nil {
		return nil
	}
	wr.out.output = outFile
	return wr.out.finish(cmd, wr.col.Report(host, Version, wr.start))
}
