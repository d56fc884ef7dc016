package cli

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/bulkhead-sec/bulkhead/internal/lint/compose"
	"github.com/bulkhead-sec/bulkhead/internal/lint/dockerfile"
	"github.com/bulkhead-sec/bulkhead/internal/pipeline"
	"github.com/bulkhead-sec/bulkhead/internal/report"
)

// maxLintFile bounds a file given to bulkhead lint.
const maxLintFile = 1 << 20

func newLintCmd() *cobra.Command {
	var out outputFlags
	var fix bool
	c := &cobra.Command{
		Use:   "lint FILE...",
		Short: "Lint Dockerfiles and compose files",
		Long: `Lint Dockerfiles and compose files: non-root USER, pinned and current base images, package
manager hygiene, secrets in ENV/ARG, privileged services, mounted docker.sock and more.
A file named like a compose file (compose*.yml, docker-compose*.yaml) is linted as one; any other
as a Dockerfile. Suppress a rule on the next instruction with "# bulkhead ignore=ID".

With --fix, the fixes that are certain are written back and the diff is shown on stderr.

` + exitCodesHelp,
		Example: "  bulkhead lint Dockerfile docker-compose.yml\n  bulkhead lint --fix Dockerfile\n  bulkhead lint Dockerfile --format sarif -o lint.sarif --fail-on MEDIUM",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{fmt.Errorf("lint takes one or more files (see '%s --help')", cmd.CommandPath())}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			kind := report.KindDockerfile
			for _, a := range args {
				if compose.IsComposeFile(a) {
					kind = report.KindConfig
				}
			}
			r := report.New(report.Target{Kind: kind, Name: args[0]}, Version, time.Now())
			if len(args) > 1 {
				r.Target.Name = fmt.Sprintf("%s (+%d more)", args[0], len(args)-1)
			}
			for _, name := range args {
				src, err := readBounded(name, maxLintFile)
				if err != nil {
					return err
				}
				if fix && !compose.IsComposeFile(name) {
					if src, err = fixFile(cmd.ErrOrStderr(), name, src); err != nil {
						return err
					}
				}
				found, err := pipeline.LintFile(name, src, pipeline.LintOptions{})
				if err != nil {
					return fmt.Errorf("lint %s: %w", name, err)
				}
				r.Findings = append(r.Findings, found...)
			}
			r.SetScanner(report.ScannerStatus{Name: "misconfig", State: report.StateDone})
			return out.finish(cmd, r)
		},
	}
	out.register(c.Flags(), "table")
	c.Flags().BoolVar(&fix, "fix", false, "apply the fixes that are certain to the files and show the diff")
	return c
}

// fixFile applies the certain fixes to one Dockerfile, writes it back and
// prints the diff, returning the new content.
func fixFile(diffOut io.Writer, name string, src []byte) ([]byte, error) {
	fixed, applied, err := dockerfile.Fix(src)
	if err != nil {
		return nil, fmt.Errorf("fix %s: %w", name, err)
	}
	if len(applied) == 0 {
		return src, nil
	}
	st, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(name, fixed, st.Mode().Perm()); err != nil {
		return nil, fmt.Errorf("fix %s: %w", name, err)
	}
	fmt.Fprint(diffOut, dockerfile.Diff(name, src, fixed))
	for _, a := range applied {
		fmt.Fprintf(diffOut, "fixed: %s\n", a)
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
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("read %s: larger than %d bytes (hint: is this really a Dockerfile?)", name, max)
	}
	return b, nil
}
