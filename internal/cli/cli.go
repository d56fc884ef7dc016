// Package cli holds bulkhead's commands: each parses its flags and calls one
// library function, then hands the report to policy and a writer. It owns the
// exit codes and the hinted, one-line errors users see.
package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
)

// Exit codes, documented in --help and the README.
const (
	ExitOK       = 0 // nothing at or above the --fail-on threshold
	ExitError    = 1 // an operational error
	ExitUsage    = 2 // a usage error
	ExitFindings = 3 // findings at or above the threshold remain
)

// Version is set at build time with -ldflags "-X .../internal/cli.Version=...".
var Version = "dev"

// usageError marks errors caused by the command line itself.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

// errFindings is returned when findings at or above the threshold remain.
var errFindings = errors.New("findings at or above the --fail-on threshold")

// scannerFailed is the error of a report whose scanner could not run
// (exit 1); a command with a more precise message may replace it.
type scannerFailed struct{ name, reason string }

func (e scannerFailed) Error() string {
	return fmt.Sprintf("the %s scanner failed: %s", e.name, e.reason)
}

const exitCodesHelp = `Exit codes:
  0  nothing at or above the --fail-on threshold
  1  an operational error (missing image, daemon down, unreadable file)
  2  a usage error (unknown command or flag, bad argument or configuration)
  3  findings at or above the --fail-on threshold remain`

// Main runs bulkhead with args and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// compose-go logs through the global logrus logger; bulkhead reports
	// what matters in its own report instead.
	logrus.SetOutput(io.Discard)
	root := newRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errFindings):
		return ExitFindings
	}
	fmt.Fprintf(stderr, "bulkhead: %v\n", err)
	var u usageError
	if errors.As(err, &u) {
		return ExitUsage
	}
	return ExitError
}

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "bulkhead",
		Short:         "Container security from Dockerfile to runtime, in one binary",
		Long:          "bulkhead scans images and source trees, lints Dockerfiles and compose files,\naudits the Docker host and watches running containers.\n\n" + exitCodesHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())}
	})
	root.AddCommand(newScanCmd(), newSBOMCmd(), newLintCmd(), newAuditCmd(), newWatchCmd(), newRulesCmd(), newDBCmd(), newConfigCmd(), newVersionCmd())
	root.AddCommand(newServeCmd())
	root.AddCommand(newTokenCmd())
	root.AddCommand(newAgentCmd())
	root.AddCommand(newUserCmd()) // dashboard users (internal/dashboard)
	prepare(root)
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print bulkhead's version",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(cmd.OutOrStdout(), "bulkhead %s\n", Version)
			return nil
		},
	}
}
