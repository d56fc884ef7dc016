package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/bulkhead-sec/bulkhead/internal/agent"
	"github.com/bulkhead-sec/bulkhead/internal/pipeline"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/output"
	rtpipeline "github.com/bulkhead-sec/bulkhead/internal/runtime/pipeline"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/rules"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/sensor"
)

type agentFlags struct {
	server, token, tokenFile string
	hostID, hostName         string
	dockerHost, queueDir     string
	queueMiB                 int64
	once, noAudit            bool
	auditEvery, resync       time.Duration
	timeout                  time.Duration
	cacheDir                 string
	filters                  []string
	watch                    bool
	rules                    []string
	sensorMode               string
	alertRate                float64
	alertBurst               int
}

var hostIDFlagRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)

func newAgentCmd() *cobra.Command {
	var f agentFlags
	c := &cobra.Command{
		Use:   "agent",
		Short: "Send this Docker host's containers, image SBOMs and audit results to bulkhead serve",
		Long: `Run on each Docker host (docs/deployment.md). The agent follows the daemon's
events and sends bulkhead serve what runs where, the SBOM of every image a
container runs (computed here with the layer cache; the image never leaves the
host) and CIS audit results, on a schedule and when containers change.

Requests wait in a bounded on-disk queue (--queue-dir, --queue-size; the oldest
are dropped, and counted, past the size) and are retried with backoff, so a
server restart loses nothing. The token comes from --token, --token-file or
$BULKHEAD_TOKEN (an agent-scope token: bulkhead token create --scope agent).`,
		Example: "  bulkhead agent --server https://bulkhead.example:7700 --token-file /etc/bulkhead/agent.token\n  bulkhead agent --server http://127.0.0.1:7700 --token $TOKEN --once",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			tok, err := agentToken(f)
			if err != nil {
				return err
			}
			if f.server == "" {
				return usageError{errors.New("--server is required (the URL of bulkhead serve)")}
			}
			for _, fl := range f.filters {
				if k, _, ok := strings.Cut(fl, "="); !ok || k == "" {
					return usageError{fmt.Errorf("--filter %q: want KEY=VALUE (label=team=web, name=^web-)", fl)}
				}
			}
			sm, err := sensor.ParseMode(f.sensorMode)
			if err != nil {
				return usageError{err}
			}
			if f.watch && f.once {
				return usageError{errors.New("--watch runs until interrupted; it does not go with --once")}
			}
			if f.hostID != "" && !hostIDFlagRe.MatchString(f.hostID) {
				return usageError{fmt.Errorf("--host-id %q: want 1-128 of A-Z a-z 0-9 . _ : - (starting with a letter or digit)", f.hostID)}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			cfg := agent.Config{Server: f.server, Token: tok, HostID: f.hostID, HostName: f.hostName, DockerHost: f.dockerHost,
				QueueBytes: f.queueMiB << 20, Filters: f.filters, AuditEvery: f.auditEvery, Resync: f.resync, NoAudit: f.noAudit,
				Version: Version, Logger: log, Pipeline: pipeline.Config{CacheDir: f.cacheDir, ToolVersion: Version}}
			a, err := agent.New(ctx, withQueueDir(cfg, f.queueDir))
			if err != nil {
				return err
			}
			defer a.Close()
			log.Info("agent", "host", a.HostID(), "server", f.server, "queued", a.Queue().Len(), "dropped", a.Queue().Dropped())
			if f.once {
				octx, cancel := context.WithTimeout(ctx, f.timeout)
				defer cancel()
				if err := a.Once(octx); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "delivered (host %s)\n", a.HostID())
				return nil
			}
			if !f.watch {
				return a.Run(ctx)
			}
			return runAgentWatch(ctx, cmd, a, f, sm, log)
		},
	}
	c.Flags().StringVar(&f.server, "server", "", "URL of bulkhead serve (http(s)://HOST:PORT)")
	c.Flags().StringVar(&f.token, "token", "", "agent token (prefer --token-file or $BULKHEAD_TOKEN: a flag shows in the process list)")
	c.Flags().StringVar(&f.tokenFile, "token-file", "", "file holding the agent token")
	c.Flags().SetAnnotation("token", secretFlag, []string{"token"})
	c.Flags().StringVar(&f.hostID, "host-id", "", "this host's id on the server (default: the Docker daemon's id)")
	c.Flags().StringVar(&f.hostName, "host-name", "", "this host's name on the server (default: the daemon's host name)")
	c.Flags().StringVar(&f.dockerHost, "docker-host", "", "Docker daemon endpoint (default $DOCKER_HOST, else the local socket)")
	c.Flags().StringVar(&f.queueDir, "queue-dir", "", "where undelivered requests wait (default: the user cache dir/bulkhead/agent/HOST)")
	c.Flags().Int64Var(&f.queueMiB, "queue-size", 256, "bound of the queue in MiB; the oldest requests are dropped past it")
	c.Flags().BoolVar(&f.once, "once", false, "one inventory and audit round, then exit 0 when delivered")
	c.Flags().DurationVar(&f.timeout, "timeout", 5*time.Minute, "with --once: give up delivering after this long (exit 1; the queue is kept)")
	c.Flags().BoolVar(&f.noAudit, "no-audit", false, "do not run the CIS audit")
	c.Flags().DurationVar(&f.auditEvery, "audit-interval", 6*time.Hour, "run the audit this often (and after container changes)")
	c.Flags().DurationVar(&f.resync, "resync", 5*time.Minute, "send a full inventory this often even without events")
	c.Flags().StringArrayVar(&f.filters, "filter", nil, "report only the containers docker ps --filter selects (label=KEY=VALUE, name=REGEX; repeatable)")
	c.Flags().StringVar(&f.cacheDir, "cache-dir", "", "layer cache for SBOMs (default: the user cache dir)")
	c.Flags().BoolVar(&f.watch, "watch", false, "also run the runtime sensor (as bulkhead watch does; needs root) and send its alerts to the server")
	c.Flags().StringSliceVar(&f.rules, "rules", nil, "with --watch: Falco-compatible rule file(s) loaded after the defaults")
	c.Flags().StringVar(&f.sensorMode, "sensor", "auto", "with --watch: event source: auto, bpf or fallback (proc connector + fanotify)")
	c.Flags().Float64Var(&f.alertRate, "alert-rate-limit", 10, "with --watch: alerts per second per rule before alerts are suppressed (0: no limit)")
	c.Flags().IntVar(&f.alertBurst, "alert-burst", 20, "with --watch: alerts a rule may send at once before the rate limit applies")
	return c
}

// agentAlerts hands the runtime pipeline's alerts to the agent's batches.
type agentAlerts struct{ a *agent.Agent }

func (o agentAlerts) Send(al rules.Alert) error { return o.a.SendAlert(al) }
func (o agentAlerts) Close() error              { return nil }

// runAgentWatch runs the agent and the runtime sensor together: alerts go
// through the agent's on-disk queue to the server. A sensor that fails
// stops the agent with its error (the user asked for --watch).
func runAgentWatch(ctx context.Context, cmd *cobra.Command, a *agent.Agent, f agentFlags, sm sensor.Mode, log *slog.Logger) error {
	set, err := loadRules(f.rules, false, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	set = set.WithHostname(host)
	var out output.Output = agentAlerts{a}
	if f.alertRate > 0 {
		out = output.NewRateLimit(out, output.RateLimitOptions{Rate: f.alertRate, Burst: f.alertBurst})
	}
	defer out.Close()
	p, err := rtpipeline.New(rtpipeline.Config{
		Sensor:  sensor.Options{Mode: sm, Filter: sensor.FilterContainers, RepeatWindow: sensor.DefaultRepeatWindow},
		Rules:   set,
		Outputs: []rtpipeline.Output{rtpipeline.OutputFunc(out.Send)},
		Log:     cmd.ErrOrStderr(),
	})
	if err != nil {
		return fmt.Errorf("agent --watch: %w (the sensor needs root; --sensor fallback works without BPF)", err)
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	log.Info("watching containers", "sensor", f.sensorMode)
	perr := p.Run(ctx)
	cancel()
	aerr := <-done
	if parent.Err() == nil {
		if perr == nil {
			perr = errors.New("its event stream ended")
		}
		return fmt.Errorf("agent --watch: the sensor stopped: %w", perr)
	}
	return aerr
}

func agentToken(f agentFlags) (string, error) {
	tok := f.token
	if f.tokenFile != "" {
		b, err := os.ReadFile(f.tokenFile)
		if err != nil {
			return "", fmt.Errorf("--token-file: %w", err)
		}
		tok = strings.TrimSpace(string(b))
	}
	if tok == "" {
		tok = os.Getenv("BULKHEAD_TOKEN")
	}
	if tok == "" {
		return "", usageError{errors.New("no token: pass --token-file, --token or set $BULKHEAD_TOKEN (bulkhead token create --scope agent)")}
	}
	return tok, nil
}

// withQueueDir fills the default queue dir, which depends on the host id.
func withQueueDir(cfg agent.Config, dir string) agent.Config {
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		host := cfg.HostID
		if host == "" {
			host = "default"
		}
		dir = filepath.Join(base, "bulkhead", "agent", host)
	}
	cfg.QueueDir = dir
	return cfg
}
