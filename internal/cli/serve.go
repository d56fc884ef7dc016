package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/bulkhead-sec/bulkhead/internal/server"
	"github.com/bulkhead-sec/bulkhead/internal/store"
	"github.com/bulkhead-sec/bulkhead/internal/vulndb"
)

type serveFlags struct {
	addr, database, vulnDB string
	tlsCert, tlsKey        string
	rate                   float64
	burst                  int
	role, id, mirror       string
	workers                int
	jobTimeout, rescue     time.Duration
	updateEvery, rematch   time.Duration
	keep, keepHosts        time.Duration
	keepImages             time.Duration
	dash                   dashboardFlags // the web dashboard (serve_dashboard.go)
	webhooks               []string
	notifyPriority         string
	webhookRate            float64
	webhookQueue           int
}

func newServeCmd() *cobra.Command {
	var f serveFlags
	c := &cobra.Command{
		Use:   "serve",
		Short: "Serve the fleet API: hosts, images, findings, audits and alerts sent by bulkhead agents",
		Long: `Serve the fleet API (docs/deployment.md). Agents (bulkhead agent) send what runs
on their host, image SBOMs, audit results and alerts; the server matches SBOMs
against the vulnerability database and answers where a CVE or package runs.

The database is SQLite by default (one file under the user's data dir) or
PostgreSQL (--database postgres://...); migrations run at start. Every route
but /healthz needs a token: bulkhead token create --scope admin|read|agent.`,
		Example: "  bulkhead serve\n  bulkhead serve --addr 0.0.0.0:7700 --database postgres://bulkhead@db/bulkhead --tls-cert cert.pem --tls-key key.pem",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch f.role {
			case "all", "api", "worker":
			default:
				return usageError{fmt.Errorf("--role %q: want all, api or worker", f.role)}
			}
			if store.PriorityRank(f.notifyPriority) < 0 {
				return usageError{fmt.Errorf("--notify-priority %q: want EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFORMATIONAL or DEBUG", f.notifyPriority)}
			}
			for _, w := range f.webhooks {
				if _, err := server.ParseWebhook(w); err != nil {
					return usageError{err}
				}
			}
			if (f.tlsCert == "") != (f.tlsKey == "") {
				return usageError{errors.New("--tls-cert and --tls-key go together")}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runServe(ctx, cmd, f)
		},
	}
	c.Flags().StringVar(&f.addr, "addr", "127.0.0.1:7700", "address to listen on (HOST:PORT)")
	c.Flags().StringVar(&f.database, "database", "", "database URL: sqlite:///path/fleet.db or postgres://... (default: sqlite under the user's data dir)")
	c.Flags().SetAnnotation("database", secretFlag, []string{"url"})
	c.Flags().StringVar(&f.vulnDB, "db", "", "vulnerability database file (default: the user cache dir/bulkhead/db/osv.db)")
	c.Flags().StringVar(&f.tlsCert, "tls-cert", "", "serve HTTPS with this PEM certificate (with --tls-key)")
	c.Flags().StringVar(&f.tlsKey, "tls-key", "", "the PEM private key of --tls-cert")
	c.Flags().Float64Var(&f.rate, "rate-limit", 50, "requests per second allowed to each token")
	c.Flags().IntVar(&f.burst, "burst", 200, "requests a token may make at once above --rate-limit")
	c.Flags().StringVar(&f.role, "role", "all", "all (API and jobs), api (API only; jobs go to the workers) or worker (jobs only; PostgreSQL lets several share them)")
	c.Flags().StringVar(&f.id, "id", "", "this process's name among the workers (default: hostname-pid)")
	c.Flags().IntVar(&f.workers, "workers", 4, "jobs this process runs at once")
	c.Flags().DurationVar(&f.jobTimeout, "job-timeout", 10*time.Minute, "longest a match job may run")
	c.Flags().DurationVar(&f.rescue, "rescue-after", 15*time.Minute, "retry a job left running this long (by a worker that died); at least --job-timeout")
	c.Flags().DurationVar(&f.updateEvery, "db-update-interval", 0, "run db update in the server this often, then rematch (0: never; a database changed by `bulkhead db update` is rematched anyway)")
	c.Flags().StringVar(&f.mirror, "mirror", "", "base URL db update fetches from (default osv.dev)")
	c.Flags().DurationVar(&f.rematch, "rematch-interval", 5*time.Minute, "how often to look for a changed vulnerability database")
	c.Flags().DurationVar(&f.keep, "keep", 90*24*time.Hour, "keep alerts, finding changes and the admin log this long")
	c.Flags().DurationVar(&f.keepHosts, "keep-hosts", 30*24*time.Hour, "forget hosts silent this long")
	f.dash.register(c) // the web dashboard's flags (serve_dashboard.go)
	c.Flags().StringArrayVar(&f.webhooks, "webhook", nil, "notify this webhook (repeatable): URL or json=URL for a JSON body, slack=URL for a Slack message; on new KEV or CRITICAL findings in running images, alerts at --notify-priority or above, audits getting worse")
	c.Flags().SetAnnotation("webhook", secretFlag, []string{"token"})
	c.Flags().StringVar(&f.notifyPriority, "notify-priority", "CRITICAL", "lowest runtime alert priority sent to the webhooks (EMERGENCY ... DEBUG)")
	c.Flags().Float64Var(&f.webhookRate, "webhook-rate", 30, "notifications per minute to each webhook (bursts of 10); more wait in its queue")
	c.Flags().IntVar(&f.webhookQueue, "webhook-queue", 1000, "notifications waiting per webhook; more are dropped and counted in bulkhead_server_notifications_dropped_total")
	c.Flags().DurationVar(&f.keepImages, "keep-images", 30*24*time.Hour, "forget images neither running nor reported this long")
	return c
}

func runServe(ctx context.Context, cmd *cobra.Command, f serveFlags) error {
	log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
	u, err := databaseURL(f.database)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, u)
	if err != nil {
		return err
	}
	defer st.Close()
	vpath := f.vulnDB
	if vpath == "" {
		if vpath, err = vulndb.DefaultPath(); err != nil {
			return err
		}
	}
	metrics := server.NewMetrics()
	var notify *server.Notifier
	if len(f.webhooks) > 0 {
		var hooks []server.Webhook
		for _, w := range f.webhooks {
			h, err := server.ParseWebhook(w)
			if err != nil {
				return err
			}
			hooks = append(hooks, h)
		}
		notify = server.NewNotifier(server.NotifierConfig{Webhooks: hooks, MinPriority: f.notifyPriority,
			PerMinute: f.webhookRate, Queue: f.webhookQueue, Logger: log, Registry: metrics.Registry()})
		defer notify.Close()
	}
	matcher := &server.Matcher{Store: st, DBPath: vpath, Notify: notify}
	defer matcher.Close()
	server.RegisterQueueDepth(metrics, st)
	id := f.id
	if id == "" {
		h, _ := os.Hostname()
		id = fmt.Sprintf("%s-%d", h, os.Getpid())
	}
	jobs, err := server.NewJobs(ctx, st, matcher, server.JobsConfig{
		Work: f.role != "api", ID: id, Workers: f.workers, JobTimeout: f.jobTimeout, RescueAfter: f.rescue,
		UpdateEvery: f.updateEvery, Update: vulndb.UpdateOptions{BaseURL: f.mirror}, RematchEvery: f.rematch,
		Keep: f.keep, KeepHosts: f.keepHosts, KeepImages: f.keepImages, Metrics: metrics,
		// River reports each poll at INFO: keep its warnings and errors.
		Logger: slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return err
	}
	if err := jobs.Start(ctx); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		jobs.Stop(sctx)
	}()
	if f.role == "worker" {
		log.Info("working", "id", id, "database", st.Dialect(), "workers", f.workers)
		<-ctx.Done()
		return nil
	}
	srv := server.New(server.Config{Store: st, Queue: jobs, RatePerSecond: f.rate, Burst: f.burst, Logger: log, Metrics: metrics, Notify: notify})
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (another process may hold the port; pick another with --addr)", f.addr, err)
	}
	// The web dashboard (internal/dashboard) at "/", beside the API.
	handler, err := f.dash.handler(st, srv.Handler(), log)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if f.tlsCert != "" {
		scheme = "https"
		hs.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	} else if host, _, _ := net.SplitHostPort(f.addr); !isLoopback(host) {
		log.Warn("serving plain HTTP on a non-loopback address: tokens and data travel in clear; use --tls-cert/--tls-key or a TLS proxy")
	}
	log.Info("serving", "url", scheme+"://"+ln.Addr().String(), "database", st.Dialect(), "role", f.role)
	errc := make(chan error, 1)
	go func() {
		if f.tlsCert != "" {
			errc <- hs.ServeTLS(ln, f.tlsCert, f.tlsKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return hs.Shutdown(sctx)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
