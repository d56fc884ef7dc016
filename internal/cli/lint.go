package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/lint/compose"
	"github.com/bulkhead-sec/bulkhead/internal/lint/dockerfile"
	"github.com/bulkhead-sec/bulkhead/internal/report"
)

// maxLintFile bounds a file given to bulkhead lint.
const maxLintFile = 1 << 20

// lintErrorID is the id of the row that reports a file that could not be
// read or parsed.
const lintErrorID = "LINT-ERROR"

type lintFlags struct {
	fix, dryRun bool
	kind        string
	ignore      []string
	enable      []string
	config      string
}

func newLintCmd() *cobra.Command {
	var out outputFlags
	var lf lintFlags
	c := &cobra.Command{
		Use:   "lint FILE...",
		Short: "Lint Dockerfiles and compose files",
		Long: `Lint Dockerfiles and compose files: non-root USER, pinned and current base images, package
manager hygiene, secrets in ENV/ARG, privileged services, mounted docker.sock and more. Every
hadolint DL rule has a bulkhead rule with the DL id as its alias.

Each file is recognised by its content, whatever its name: a YAML mapping with a services key
is a compose file, instructions (FROM, RUN, ...) make a Dockerfile, fragments without FROM
included; --type dockerfile|compose forces it. "-" reads standard input.

A file that cannot be read or parsed is reported as an error row; the others are still linted,
the report is written, and the exit code is 1.

Suppress a rule with "# bulkhead ignore=ID" or hadolint's "# hadolint ignore=DL3008" on the line
before the instruction ("# hadolint global ignore=..." for the whole file), or with --ignore ID
(repeatable; ids or DL aliases). A .hadolint.yaml (.yml) in the current directory, else
hadolint.yaml in $XDG_CONFIG_HOME (~/.config), is read when present, or the file given with
--hadolint-config (--config names bulkhead's own configuration file): its ignored, trustedRegistries,
label-schema, strict-labels, override (enables off-by-default rules such as DL1001 and DL3066),
disable-ignore-pragma and failure-threshold keys apply.

By default the run fails (exit 3) when a finding of HIGH severity or above remains (hadolint's
error level); the configuration's failure-threshold, or --fail-on, sets another threshold.

With --fix, the fixes that cannot change what the build produces are written back and the diff
is shown on stderr; --fix --dry-run shows the diff without writing. ADD becomes COPY only when
the build context (the Dockerfile's directory) shows that no source is an archive.

` + exitCodesHelp,
		Example: "  bulkhead lint Dockerfile docker-compose.yml\n  bulkhead lint --fix --dry-run Dockerfile\n  cat Dockerfile | bulkhead lint -\n  bulkhead lint --ignore DL3008 --ignore DL3059 Dockerfile\n  bulkhead lint --type compose stack.yml --format sarif -o lint.sarif --fail-on MEDIUM",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{fmt.Errorf("lint takes one or more files, or - for standard input (see '%s --help')", cmd.CommandPath())}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			switch lf.kind {
			case "", "auto", "dockerfile", "compose":
			default:
				return usageError{fmt.Errorf("--type %q: want dockerfile or compose", lf.kind)}
			}
			if lf.dryRun && !lf.fix {
				return usageError{errors.New("--dry-run only goes with --fix")}
			}
			for _, list := range [][]string{lf.ignore, lf.enable} {
				if unknown := unknownLintRules(list); len(unknown) > 0 {
					return usageError{fmt.Errorf("no rule is named %s (ids such as BH-DF-008 or BH-CP-001, or DL aliases)", strings.Join(unknown, ", "))}
				}
			}
			cfg, err := loadHadolintConfig(lf.config)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("fail-on") {
				out.failOn = defaultFailOn(cfg)
			}
			dopts := dockerfile.Options{Disabled: lf.ignore, Enabled: lf.enable}
			cfg.Apply(&dopts)
			copts := compose.Options{Disabled: append(append([]string(nil), lf.ignore...), dopts.Disabled...)}

			kind := report.KindDockerfile
			r := report.New(report.Target{Kind: kind, Name: displayName(args[0])}, Version, time.Now())
			if len(args) > 1 {
				r.Target.Name = fmt.Sprintf("%s (+%d more)", displayName(args[0]), len(args)-1)
			}
			failed := 0
			for _, name := range args {
				found, isCompose, err := lintOne(cmd, name, lf, dopts, copts)
				if isCompose {
					r.Target.Kind = report.KindConfig
				}
				if err != nil {
					failed++
					fmt.Fprintf(cmd.ErrOrStderr(), "bulkhead: lint %s: %v\n", displayName(name), err)
					r.Findings = append(r.Findings, lintErrorRow(name, err))
					continue
				}
				r.Findings = append(r.Findings, found...)
			}
			state := report.StateDone
			if failed > 0 {
				state = report.StateFailed
			}
			r.SetScanner(report.ScannerStatus{Name: "misconfig", State: state, Reason: failedReason(failed, len(args))})
			ferr := out.finish(cmd, r)
			if failed > 0 {
				if sf := (scannerFailed{}); ferr != nil && !errors.Is(ferr, errFindings) && !errors.As(ferr, &sf) {
					return ferr
				}
				return fmt.Errorf("%d of %d files could not be linted (see the %s rows)", failed, len(args), lintErrorID)
			}
			return ferr
		},
	}
	out.register(c.Flags(), "table")
	c.Flags().BoolVar(&lf.fix, "fix", false, "apply the fixes that cannot change the build's result and show the diff")
	c.Flags().BoolVar(&lf.dryRun, "dry-run", false, "with --fix: show the diff, write nothing")
	c.Flags().StringVar(&lf.kind, "type", "auto", "file type: auto (by content), dockerfile or compose")
	c.Flags().StringArrayVar(&lf.ignore, "ignore", nil, "rule id or alias not to report (repeatable), such as DL3008")
	c.Flags().StringArrayVar(&lf.enable, "enable", nil, "turn on an off-by-default rule (repeatable), such as DL1001 or DL3066")
	c.Flags().StringVar(&lf.config, "hadolint-config", "", "hadolint configuration file (default: .hadolint.yaml/.yml in the current directory, else hadolint.yaml in $XDG_CONFIG_HOME or ~/.config, when present)")
	return c
}

// unknownLintRules returns the ids that name no Dockerfile or compose rule.
func unknownLintRules(ids []string) []string {
	var out []string
	for _, id := range ids {
		if len(dockerfile.UnknownRules([]string{id})) > 0 && len(compose.UnknownRules([]string{id})) > 0 {
			out = append(out, id)
		}
	}
	return out
}

// defaultFailOn is the --fail-on in effect when the flag is not given: the
// configuration's failure-threshold, else HIGH (hadolint's error level).
func defaultFailOn(cfg *dockerfile.Config) string {
	switch {
	case cfg != nil && cfg.NoFail:
		return ""
	case cfg != nil && cfg.FailureThreshold != finding.Unknown:
		return cfg.FailureThreshold.String()
	}
	return finding.High.String()
}

// loadHadolintConfig reads the file named by --hadolint-config, or the first of
// .hadolint.yaml (.yml) in the current directory and hadolint.yaml (.yml)
// in $XDG_CONFIG_HOME (~/.config) that exists; nil when there is none.
func loadHadolintConfig(name string) (*dockerfile.Config, error) {
	explicit := name != ""
	candidates := []string{name}
	if !explicit {
		// Where hadolint looks: the current directory, then the user's
		// configuration directory.
		candidates = []string{".hadolint.yaml", ".hadolint.yml"}
		cfgHome := os.Getenv("XDG_CONFIG_HOME")
		if cfgHome == "" {
			if home, err := os.UserHomeDir(); err == nil {
				cfgHome = filepath.Join(home, ".config")
			}
		}
		if cfgHome != "" {
			candidates = append(candidates, filepath.Join(cfgHome, "hadolint.yaml"), filepath.Join(cfgHome, "hadolint.yml"))
		}
	}
	for _, c := range candidates {
		src, err := readBounded(c, dockerfile.MaxConfigSize)
		if err != nil {
			if !explicit && errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("read %s: %w", c, err)
		}
		cfg, err := dockerfile.ParseConfig(src)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c, err)
		}
		return cfg, nil
	}
	return nil, nil
}

func displayName(name string) string {
	if name == "-" {
		return "stdin"
	}
	return name
}

// lintOne reads, recognises, fixes (when asked) and lints one file.
func lintOne(cmd *cobra.Command, name string, lf lintFlags, dopts dockerfile.Options, copts compose.Options) ([]finding.Finding, bool, error) {
	var src []byte
	var err error
	if name == "-" {
		src, err = readAllBounded(cmd.InOrStdin(), maxLintFile, "standard input")
	} else {
		src, err = readBounded(name, maxLintFile)
	}
	if err != nil {
		return nil, false, err
	}
	shown := displayName(name)
	isCompose := fileIsCompose(name, src, lf.kind)
	if isCompose {
		found, err := compose.Lint(shown, src, copts)
		return found, true, err
	}
	if lf.fix {
		dry := lf.dryRun || name == "-"
		if src, err = fixFile(cmd.ErrOrStderr(), name, src, dry); err != nil {
			return nil, false, err
		}
	}
	found, err := dockerfile.Lint(shown, src, dopts)
	return found, false, err
}

// fileIsCompose decides a file's type: forced by --type, else by content,
// else by name (a YAML name is a compose file, so that its parse error is
// reported as such).
func fileIsCompose(name string, src []byte, kind string) bool {
	switch kind {
	case "compose":
		return true
	case "dockerfile":
		return false
	}
	switch {
	case compose.LooksLikeCompose(src):
		return true
	case dockerfile.LooksLikeDockerfile(src):
		return false
	}
	ext := strings.ToLower(path.Ext(name))
	return compose.IsComposeFile(name) || ext == ".yml" || ext == ".yaml"
}

// lintErrorRow is the report row of a file that could not be linted.
func lintErrorRow(name string, err error) finding.Finding {
	return finding.Finding{
		Kind:        finding.Misconfiguration,
		ID:          lintErrorID,
		Severity:    finding.Unknown,
		Title:       "File could not be linted: " + err.Error(),
		Description: err.Error(),
		Location:    finding.Location{Path: displayName(name)},
		Fix:         "Check that the file exists, is readable, and is a Dockerfile or compose file (or force one with --type).",
		Source:      "bulkhead-lint",
	}
}

// fixFile applies the certain fixes to one Dockerfile and prints the diff;
// unless dry, it writes the result back. It returns the content to lint:
// the fixed one when written, the original on a dry run.
func fixFile(diffOut io.Writer, name string, src []byte, dry bool) ([]byte, error) {
	ctx := ""
	if name != "-" {
		ctx = filepath.Dir(name)
	}
	fixed, applied, err := dockerfile.FixWith(src, dockerfile.FixOptions{Context: ctx})
	if err != nil {
		return nil, fmt.Errorf("fix %s: %w", displayName(name), err)
	}
	if len(applied) == 0 {
		return src, nil
	}
	fmt.Fprint(diffOut, dockerfile.Diff(displayName(name), src, fixed))
	verb := "fixed"
	if dry {
		verb = "would fix"
	}
	for _, a := range applied {
		fmt.Fprintf(diffOut, "%s: %s\n", verb, a)
	}
	if dry {
		return src, nil
	}
	st, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(name, fixed, st.Mode().Perm()); err != nil {
		return nil, fmt.Errorf("fix %s: %w", name, err)
	}
	return fixed, nil
}

// readBounded reads a whole file of at most max bytes.
func readBounded(name string, max int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s is a directory (hint: bulkhead scan fs %s lints every Dockerfile and compose file in a tree)", name, name)
	}
	return readAllBounded(f, max, name)
}

func readAllBounded(r io.Reader, max int64, name string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("read %s: larger than %d bytes (hint: is this really a Dockerfile or compose file?)", name, max)
	}
	return b, nil
}

func failedReason(failed, total int) string {
	if failed == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d files could not be read or parsed", failed, total)
}
