package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bulkhead-sec/bulkhead/internal/audit"
	"github.com/bulkhead-sec/bulkhead/internal/audit/netview"
	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/secret"
)

type auditFlags struct {
	host         string
	daemonConfig string
	checks       []string
	skip         []string
	container    string
	noSecrets    bool
	mountSecrets bool
	timeout      time.Duration
}

func (a *auditFlags) register(c *cobra.Command) {
	c.PersistentFlags().StringVar(&a.host, "host", "", "daemon endpoint: unix:///path or a socket path (default $DOCKER_HOST, else /var/run/docker.sock)")
	c.PersistentFlags().StringVar(&a.daemonConfig, "daemon-config", "", "daemon.json path (default: dockerd's --config-file, else /etc/docker/daemon.json)")
	c.PersistentFlags().DurationVar(&a.timeout, "timeout", audit.DefaultTimeout, "give up on a daemon API call after this long")
}

// collect gathers the facts and fails (exit 1, one line) when the daemon
// could not be asked: an audit that judged no container must not pass a
// gate.
func (a *auditFlags) collect(cmd *cobra.Command) (*audit.Facts, error) {
	if a.timeout <= 0 {
		return nil, usageError{fmt.Errorf("--timeout must be positive, not %s", a.timeout)}
	}
	facts, err := audit.Collect(cmd.Context(), audit.CollectOptions{Host: a.host, DaemonConfig: a.daemonConfig, Timeout: a.timeout})
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if facts.Daemon.Error != "" {
		at := facts.Daemon.Endpoint
		if at == "" {
			at = a.host
		}
		if at == "" {
			return nil, fmt.Errorf("audit: the Docker daemon: %s", facts.Daemon.Error)
		}
		return nil, fmt.Errorf("audit: the Docker daemon at %s: %s", at, facts.Daemon.Error)
	}
	return facts, nil
}

// rootOnly says, for an audit run without root, which checks were skipped
// for needing it: a docker group member audits every container, and only
// these host reads need more.
func rootOnly(facts *audit.Facts, fs []finding.Finding) string {
	if facts.Host.Root {
		return ""
	}
	seen := map[string]bool{}
	var ids []string
	for _, f := range fs {
		if f.Status == finding.StatusSkip && strings.Contains(f.Evidence, "needs root") && !seen[f.ID] {
			seen[f.ID] = true
			ids = append(ids, f.ID)
		}
	}
	if len(ids) == 0 {
		return ""
	}
	return fmt.Sprintf("not root (uid %d): %d %s read root-only host files or processes and were skipped (%s); run as root to judge them (docs/audit.md)",
		facts.Host.EUID, len(ids), map[bool]string{true: "check", false: "checks"}[len(ids) == 1], strings.Join(ids, ", "))
}

// checkGlobs refuses a --checks or --skip glob that selects no check: a
// mistyped selection must not make an audit that judges nothing and passes.
func checkGlobs(globs []string, flag string) error {
	ids := []string{audit.SecretsCheck}
	for _, c := range audit.Checks() {
		ids = append(ids, c.ID)
	}
	for _, g := range globs {
		hit := false
		for _, id := range ids {
			if audit.Selected(id, audit.Options{Checks: []string{g}}) {
				hit = true
				break
			}
		}
		if !hit {
			return usageError{fmt.Errorf("%s %q selects no check (ids like 5.4, globs like '5.*', a section like 2, C.5.3.1, BH-AUDIT-001, secrets; see docs/rules/cis/README.md)", flag, g)}
		}
	}
	return nil
}

// checkContainer refuses a --container that names no running container: a
// gate limited to a container that is not there must not pass with every
// check skipped.
func (a *auditFlags) checkContainer(facts *audit.Facts) error {
	if a.container == "" {
		return nil
	}
	var names []string
	for i := range facts.Containers {
		c := &facts.Containers[i]
		if audit.MatchContainer(c, a.container) {
			return nil
		}
		names = append(names, c.DisplayName())
	}
	running := "none is running"
	if len(names) > 0 {
		if len(names) > 10 {
			names = append(names[:10], fmt.Sprintf("and %d more", len(names)-10))
		}
		running = "running: " + strings.Join(names, ", ")
	}
	return usageError{fmt.Errorf("--container %q matches no running container (name, id or id prefix); %s", a.container, running)}
}

func newAuditCmd() *cobra.Command {
	var f auditFlags
	var out outputFlags
	c := &cobra.Command{
		Use:   "audit",
		Short: "Audit the Docker host, daemon and running containers against the CIS Docker Benchmark",
		Long: `Audit the Docker host, daemon and every running container against the CIS Docker Benchmark
v1.6.0: host configuration, daemon flags and daemon.json, file owners and modes, audit rules, the
runtime settings of each container, image and container sprawl, section 7 on a swarm node, and
docker-bench-security's automatable community checks. Each check reports PASS, FAIL, WARN, INFO or
SKIP (with the reason, e.g. "needs root" or "not applicable: ...") and its evidence; the table
shows one row per check with "n of m containers fail" and the failing containers under it.
Container environments are scanned for secrets (redacted; the check id "secrets" for --checks).

A daemon that refuses, does not answer within --timeout or does not speak the Docker API is an
error (exit 1): an audit that judged no container never passes --fail-on. A docker group member
audits every container without root; the checks that read root-only host files are skipped and
named at the end (docs/audit.md).

  bulkhead audit network    networks, containers, published ports and what is reachable from outside

` + exitCodesHelp,
		Example: "  bulkhead audit\n  bulkhead audit --checks '5.*' --container web --fail-on HIGH\n  bulkhead audit --format sarif -o cis.sarif",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			if err := checkGlobs(f.checks, "--checks"); err != nil {
				return err
			}
			if err := checkGlobs(f.skip, "--skip"); err != nil {
				return err
			}
			start := time.Now()
			facts, err := f.collect(cmd)
			if err != nil {
				return err
			}
			if err := f.checkContainer(facts); err != nil {
				return err
			}
			opts := audit.Options{Checks: f.checks, Skip: f.skip, Container: f.container}
			name := facts.Host.Hostname
			if name == "" {
				name, _ = os.Hostname()
			}
			r := report.New(report.Target{Kind: report.KindHost, Name: name}, Version, start)
			r.Findings = audit.Run(facts, opts)
			if w := rootOnly(facts, r.Findings); w != "" {
				r.Warn(w)
			}
			r.SetScanner(report.ScannerStatus{Name: "cis-docker-1.6.0", State: report.StateDone})
			for _, p := range facts.Daemon.Partial {
				r.Warn("daemon API: " + p)
			}
			if !f.noSecrets && audit.Selected(audit.SecretsCheck, opts) {
				sc, err := secret.New(secret.Config{})
				if err != nil {
					return err
				}
				found, warns := audit.Secrets(cmd.Context(), facts, sc, audit.SecretOptions{Mounts: f.mountSecrets, Container: f.container})
				r.Findings = append(r.Findings, found...)
				for _, w := range warns {
					r.Warn(w)
				}
				r.SetScanner(report.ScannerStatus{Name: "secret", State: report.StateDone})
			}
			return out.finish(cmd, r)
		},
	}
	f.register(c)
	out.register(c.Flags(), "table")
	c.Flags().StringSliceVar(&f.checks, "checks", nil, "check ids or globs to run, e.g. '5.*' or 2.1,2.2 ('secrets' for the secret scan; default all)")
	c.Flags().StringSliceVar(&f.skip, "skip", nil, "check ids or globs to leave out")
	c.Flags().StringVar(&f.container, "container", "", "limit container checks to this container (name, id or id prefix)")
	c.Flags().BoolVar(&f.noSecrets, "no-secrets", false, "do not scan container environments for secrets")
	c.Flags().BoolVar(&f.mountSecrets, "secrets-in-mounts", false, "also scan files bind-mounted into containers for secrets")
	c.AddCommand(newAuditNetworkCmd(&f))
	return c
}

func newAuditNetworkCmd(f *auditFlags) *cobra.Command {
	var format, output string
	c := &cobra.Command{
		Use:   "network",
		Short: "Show networks, their containers, published ports and what is reachable from outside the host",
		Long: `Show the Docker networks, the containers on each, the ports they publish and which of those are
reachable from outside the host (bound to all interfaces or a non-loopback address). Flags
inter-container communication on the default bridge and ports on all interfaces.

Containers on the host network are listed with the TCP ports they listen on (reading which
sockets their processes hold needs root; without it their ports are reported unknown).

--format text (default), json, dot (Graphviz) or svg (drawn with Graphviz's dot when installed,
else by bulkhead).`,
		Example: "  bulkhead audit network\n  bulkhead audit network --format svg -o network.svg",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			write := map[string]func(io.Writer, *netview.View) error{
				"text": netview.WriteText,
				"dot":  netview.WriteDOT,
				"svg":  netview.WriteSVG,
				"json": netview.WriteJSON,
			}[format]
			if write == nil {
				return usageError{fmt.Errorf("unknown --format %q (want text, json, dot or svg)", format)}
			}
			facts, err := f.collect(cmd)
			if err != nil {
				return err
			}
			v := netview.Build(facts)
			w := cmd.OutOrStdout()
			if output != "" {
				fh, err := os.Create(output)
				if err != nil {
					return err
				}
				defer fh.Close()
				if err := write(fh, v); err != nil {
					return err
				}
				return fh.Close()
			}
			return write(w, v)
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "text", "text, json, dot or svg")
	c.Flags().StringVarP(&output, "output", "o", "", "write to this file instead of stdout")
	return c
}
