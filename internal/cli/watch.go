package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/output"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/pipeline"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/rules"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/sensor"
)

// loadRules loads bulkhead's default rules (unless noDefault) and then the
// given files, which extend or override them. Warnings go to log.
func loadRules(files []string, noDefault bool, log io.Writer) (*rules.Set, error) {
	var srcs []rules.Source
	if !noDefault {
		srcs = append(srcs, rules.Default())
	}
	for _, f := range files {
		s, err := rules.ReadFile(f)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, s)
	}
	if len(srcs) == 0 {
		return nil, usageError{errors.New("no rules: --no-default-rules needs at least one --rules FILE")}
	}
	set, warns, err := rules.Load(srcs...)
	if err != nil {
		return nil, err
	}
	for _, w := range warns {
		fmt.Fprintf(log, "rules: %s\n", w)
	}
	return set, nil
}

func newWatchCmd() *cobra.Command {
	var (
		ruleFiles   []string
		noDefault   bool
		format      string
		outFile     string
		appendOut   bool
		syslogAddr  string
		webhook     string
		metricsAddr string
		mode        string
		allProcs    bool
		rate        float64
		burst       int
		duration    time.Duration
		repeat      time.Duration
		prefixes    []string
	)
	c := &cobra.Command{
		Use:   "watch",
		Short: "Watch running containers with eBPF and alert on suspicious activity (Falco-compatible rules)",
		Long: `Watch running containers from the kernel (eBPF; the netlink process connector and fanotify
when BPF is not available) and alert on suspicious activity: shells in containers, sensitive file
reads, writes below system folders, package managers, drift, docker.sock access, privilege
escalation, ptrace, module loads, mounts, reverse shells, miners and more.

Rules are bulkhead's defaults plus any Falco-compatible rule files given with --rules (lists,
macros, rules, append/override, exceptions). Alerts go to stdout as Falco-compatible JSON lines
(or text), and optionally to a file, syslog, a webhook and a Prometheus endpoint.
Runs until interrupted (or for --duration). Needs root.`,
		Example: "  sudo bulkhead watch\n  sudo bulkhead watch --rules my_rules.yaml --webhook https://siem.example/hook --metrics-addr 127.0.0.1:9464",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmtKind, err := output.ParseFormat(format)
			if err != nil {
				return usageError{err}
			}
			sm, err := sensor.ParseMode(mode)
			if err != nil {
				return usageError{err}
			}
			if repeat < 0 {
				return usageError{fmt.Errorf("--repeat-window %v: want 0 or more", repeat)}
			}
			var openPrefixes []string
			for _, p := range prefixes {
				if p == "default" {
					openPrefixes = append(openPrefixes, sensor.DefaultOpenPrefixes()...)
				} else {
					openPrefixes = append(openPrefixes, p)
				}
			}
			if err := sensor.CheckOpenPrefixes(openPrefixes); err != nil {
				return usageError{fmt.Errorf("--open-prefixes: %w", err)}
			}
			set, err := loadRules(ruleFiles, noDefault, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			host, _ := os.Hostname()
			set = set.WithHostname(host)

			var outs []output.Output
			w := cmd.OutOrStdout()
			closeW := false
			if outFile != "" {
				mode := os.O_TRUNC // -o overwrites, as everywhere; --append keeps what is there
				if appendOut {
					mode = os.O_APPEND
				}
				f, err := os.OpenFile(outFile, os.O_CREATE|os.O_WRONLY|mode, 0o600)
				if err != nil {
					return fmt.Errorf("watch: %w", err)
				}
				w, closeW = f, true
			}
			outs = append(outs, output.NewWriter(w, fmtKind, host, closeW))
			if syslogAddr != "" {
				network, addr := "", ""
				if syslogAddr != "local" {
					network, addr = "udp", syslogAddr
					if u, a, ok := cutScheme(syslogAddr); ok {
						network, addr = u, a
					}
				}
				s, err := output.NewSyslog(network, addr, "bulkhead", fmtKind, host)
				if err != nil {
					return err
				}
				outs = append(outs, s)
			}
			if webhook != "" {
				outs = append(outs, output.NewWebhook(webhook, output.WebhookOptions{}))
			}
			reg := prometheus.NewRegistry()
			metrics, err := output.NewMetrics(reg)
			if err != nil {
				return err
			}
			outs = append(outs, metrics)
			var fan output.Output = output.NewFanout(outs...)
			if rate > 0 {
				fan = output.NewRateLimit(fan, output.RateLimitOptions{Rate: rate, Burst: burst, OnSuppress: metrics.Suppressed})
			}
			defer fan.Close()

			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if duration > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, duration)
				defer cancel()
			}
			// Once stopping, a second SIGINT or SIGTERM takes the default
			// action (the pipeline itself gives its stages pipeline.StopGrace).
			go func() {
				<-ctx.Done()
				stop()
			}()
			if metricsAddr != "" {
				ln, err := net.Listen("tcp", metricsAddr)
				if err != nil {
					return fmt.Errorf("metrics endpoint: %w", err)
				}
				srv := &http.Server{Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), ReadHeaderTimeout: 5 * time.Second}
				go srv.Serve(ln)
				defer srv.Close()
				fmt.Fprintf(cmd.ErrOrStderr(), "metrics on http://%s/metrics\n", ln.Addr())
			}
			filter := sensor.FilterContainers
			if allProcs {
				filter = sensor.FilterAll
			}
			cfg := pipeline.Config{
				Sensor:  sensor.Options{Mode: sm, Filter: filter, RepeatWindow: repeat, OpenPrefixes: openPrefixes},
				Rules:   set,
				Outputs: []pipeline.Output{pipeline.OutputFunc(fan.Send)},
				Log:     cmd.ErrOrStderr(),
				// The pipeline's own counters (sensor events, lost events,
				// decode errors, queue drops) sit beside the per-type and
				// per-rule counters of the metrics output, under "pipeline".
				Metrics: func(name, help string, value func() float64) {
					name = strings.Replace(name, "bulkhead_runtime_", "bulkhead_runtime_pipeline_", 1)
					reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, value))
				},
				OnEvent: metrics.ObserveEvent,
			}
			p, err := pipeline.New(cfg)
			if err == nil {
				go feedLost(ctx, p, metrics)
				err = p.Run(ctx)
			}
			if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("watch: %w (hint: bulkhead watch needs root; --sensor fallback works without BPF)", err)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringSliceVar(&ruleFiles, "rules", nil, "Falco-compatible rule file(s) loaded after the defaults (they may append or override)")
	f.BoolVar(&noDefault, "no-default-rules", false, "load only the --rules files")
	f.StringVar(&format, "format", "json", "alert format: json (Falco-compatible JSON lines) or text")
	f.StringVarP(&outFile, "output", "o", "", "write alerts to this file instead of stdout (overwritten; see --append)")
	f.BoolVar(&appendOut, "append", false, "append to the --output file instead of overwriting it")
	f.StringVar(&syslogAddr, "syslog", "", "also send alerts to syslog: 'local', HOST:PORT (udp) or tcp://HOST:PORT")
	f.StringVar(&webhook, "webhook", "", "also POST each alert as JSON to this URL (retries, bounded queue)")
	f.StringVar(&metricsAddr, "metrics-addr", "", "serve Prometheus metrics on this address (e.g. 127.0.0.1:9464)")
	f.StringVar(&mode, "sensor", "auto", "event source: auto, bpf or fallback (proc connector + fanotify)")
	f.BoolVar(&allProcs, "all-processes", false, "watch host processes too, not only containers")
	f.Float64Var(&rate, "rate-limit", 10, "alerts per second per rule before alerts are suppressed (0: no limit)")
	f.IntVar(&burst, "burst", 20, "alerts a rule may send at once before the rate limit applies")
	f.DurationVar(&duration, "duration", 0, "stop after this long (default: until interrupted)")
	f.StringSliceVar(&prefixes, "open-prefixes", nil, "send only opens of absolute paths below these prefixes ('default': the folders the default rules watch); others are counted, not sent")
	f.DurationVar(&repeat, "repeat-window", sensor.DefaultRepeatWindow, "send a process's repeated open of the same file (same flags, name, uids; no exec between) once per window and count the rest (0: send every open)")
	return c
}

// feedLost copies the sensor's lost-event count into the metrics output's
// counter every second, so that bulkhead_runtime_events_lost_total says
// what the kernel could not queue.
func feedLost(ctx context.Context, p *pipeline.Pipeline, m *output.Metrics) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	var last uint64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if lost := p.Stats().Sensor.Lost; lost > last {
				m.AddLost(lost - last)
				last = lost
			}
		}
	}
}

func cutScheme(s string) (network, addr string, ok bool) {
	for _, n := range []string{"tcp", "udp"} {
		if len(s) > len(n)+3 && s[:len(n)+3] == n+"://" {
			return n, s[len(n)+3:], true
		}
	}
	return "", "", false
}

func newRulesCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "rules",
		Short: "Validate and list runtime rules (Falco-compatible)",
	}
	var asJSON bool
	check := &cobra.Command{
		Use:   "check FILE...",
		Short: "Validate rule files: every list, macro and rule, and which rules can run",
		Long: `Validate Falco-compatible rule files: every list, macro and rule is parsed and compiled against
the fields bulkhead supports. Problems name the file, line, item and reason. Exits 1 when an item
had to be dropped or a rule cannot run.`,
		Example: "  bulkhead rules check falco_rules.yaml my_rules.yaml",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{fmt.Errorf("rules check takes one or more files")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, err := rules.CheckWith(rules.CheckOptions{Produces: sensor.Produces(sensor.ModeBPF), Sensor: "eBPF"}, args...)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else {
				for _, warn := range rep.Warnings {
					fmt.Fprintln(w, warn.String())
				}
				fmt.Fprintf(w, "%d lists, %d macros, %d rules: %d enabled, %d disabled\n", rep.Lists, rep.Macros, rep.Rules, rep.Enabled, rep.Disabled)
			}
			if !rep.OK() {
				return fmt.Errorf("%d problems in the rule files", rep.Errors())
			}
			return nil
		},
	}
	check.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")

	var ruleFiles []string
	var noDefault bool
	list := &cobra.Command{
		Use:     "list",
		Short:   "List the runtime rules watch would load, with their priority and whether they run",
		Example: "  bulkhead rules list\n  bulkhead rules list --rules my_rules.yaml",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			set, err := loadRules(ruleFiles, noDefault, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			set.Restrict(sensor.Produces(sensor.ModeBPF), "eBPF")
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PRIORITY\tSTATE\tRULE\tSOURCE")
			for _, r := range set.Rules() {
				state := "enabled"
				if !r.Enabled {
					state = "disabled: " + r.Disabled
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s:%d\n", r.Priority, state, r.Name, r.File, r.Line)
			}
			return tw.Flush()
		},
	}
	list.Flags().StringSliceVar(&ruleFiles, "rules", nil, "rule files loaded after the defaults")
	list.Flags().BoolVar(&noDefault, "no-default-rules", false, "list only the --rules files")
	c.AddCommand(check, list)
	return c
}
