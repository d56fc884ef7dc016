package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/policy"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/report/format"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/table"
)

// outputFlags are the flags every reporting command shares: format, output
// file, policy and the exit-code threshold.
type outputFlags struct {
	format        string
	output        string
	quiet         bool
	failOn        string
	severity      string
	ignoreUnfixed bool
	ignoreFile    string
	vex           []string
	showPackages  bool
	showIgnored   bool
	failOnKEV     bool
}

func (o *outputFlags) register(fs *pflag.FlagSet, defaultFormat string) {
	fs.StringVarP(&o.format, "format", "f", defaultFormat, "output format: "+strings.Join(format.Names(), ", "))
	fs.StringVarP(&o.output, "output", "o", "", "write the report to this file instead of stdout")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "no progress on stderr")
	fs.StringVar(&o.failOn, "fail-on", "", "exit 3 when a finding at or above this severity remains (CRITICAL, HIGH, MEDIUM, LOW, INFO)")
	fs.StringVar(&o.severity, "severity", "", "report only findings at or above this severity")
	fs.BoolVar(&o.ignoreUnfixed, "ignore-unfixed", false, "leave out vulnerabilities that have no fixed version yet")
	fs.StringVar(&o.ignoreFile, "ignorefile", ".bulkheadignore", "YAML file of ignored findings (id, package, path, reason, expires)")
	fs.StringSliceVar(&o.vex, "vex", nil, "OpenVEX document(s) whose not_affected/fixed statements suppress findings")
	fs.BoolVar(&o.showIgnored, "show-suppressed", false, "list suppressed findings in human formats")
	fs.BoolVar(&o.failOnKEV, "fail-on-kev", false, "exit 3 when a vulnerability in CISA's Known Exploited Vulnerabilities catalog remains")
}

// policy builds the policy from the flags.
func (o *outputFlags) policy() (policy.Policy, error) {
	p := policy.Policy{IgnoreUnfixed: o.ignoreUnfixed, Now: time.Now()}
	if o.severity != "" {
		s, err := finding.ParseSeverity(o.severity)
		if err != nil {
			return p, usageError{fmt.Errorf("--severity: %w", err)}
		}
		p.MinSeverity = s
	}
	if o.ignoreFile != "" {
		if _, err := os.Stat(o.ignoreFile); err == nil {
			ig, err := policy.LoadIgnoreFile(o.ignoreFile)
			if err != nil {
				return p, err
			}
			p.Ignore = ig
		} else if o.ignoreFile != ".bulkheadignore" {
			return p, fmt.Errorf("ignore file %q: %w", o.ignoreFile, err)
		}
	}
	if len(o.vex) > 0 {
		doc, err := policy.LoadVEX(o.vex...)
		if err != nil {
			return p, err
		}
		p.VEX = doc
	}
	return p, nil
}

func (o *outputFlags) validate() error {
	if _, err := format.Lookup(o.format); err != nil {
		return usageError{fmt.Errorf("unknown --format %q (want one of %s)", o.format, strings.Join(format.Names(), ", "))}
	}
	if o.failOn != "" {
		if _, err := finding.ParseSeverity(o.failOn); err != nil {
			return usageError{fmt.Errorf("--fail-on: %w", err)}
		}
	}
	if o.severity != "" {
		if _, err := finding.ParseSeverity(o.severity); err != nil {
			return usageError{fmt.Errorf("--severity: %w", err)}
		}
	}
	return nil
}

// progress returns where progress goes: stderr when it is a terminal and
// --quiet is not set, else nowhere.
func (o *outputFlags) progress(cmd *cobra.Command) io.Writer {
	if o.quiet {
		return nil
	}
	if f, ok := cmd.ErrOrStderr().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return f
	}
	return nil
}

// finish applies policy, writes the report and returns errFindings when
// something at or above --fail-on remains.
func (o *outputFlags) finish(cmd *cobra.Command, r *report.Report) error {
	p, err := o.policy()
	if err != nil {
		return err
	}
	policy.Apply(r, p)
	r.Sort()

	w := cmd.OutOrStdout()
	opts := report.WriteOptions{ShowPackages: o.showPackages, ShowSuppressed: o.showIgnored}
	if o.output != "" {
		f, err := os.Create(o.output) // -o overwrites
		if err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		defer f.Close()
		w = f
		opts.Width = table.Width(nil) // $COLUMNS, else 120
	} else {
		f, _ := w.(*os.File)
		opts.Width = table.Width(f) // the terminal's, else $COLUMNS, else 120
		if f != nil && term.IsTerminal(int(f.Fd())) {
			opts.Color = os.Getenv("NO_COLOR") == ""
		}
	}
	if err := format.Write(w, o.format, r, opts); err != nil {
		return fmt.Errorf("write %s report: %w", o.format, err)
	}
	if o.output != "" {
		if err := w.(*os.File).Close(); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	// A scanner that was asked for and could not run fails the command,
	// whatever was found: a gate never passes on a scan that did not happen.
	for _, sc := range r.Scanners {
		if sc.State == report.StateFailed {
			return scannerFailed{name: sc.Name, reason: sc.Reason}
		}
	}
	if o.failOn != "" {
		sev, _ := finding.ParseSeverity(o.failOn)
		if policy.Exceeds(r, sev) {
			return errFindings
		}
	}
	if o.failOnKEV && policy.HasKEV(r) {
		return errFindings
	}
	return nil
}
