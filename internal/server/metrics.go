package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/bulkhead-sec/bulkhead/internal/store"
)

// Metrics are the server's Prometheus metrics: its own (requests, ingests,
// job latencies) and the fleet's (findings by severity, hosts, failed
// audit checks), the latter read from the store at each scrape.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	ingest   *prometheus.CounterVec
	// Jobs observes job run times by kind and outcome.
	Jobs *prometheus.HistogramVec
}

// NewMetrics returns the server's metrics in their own registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bulkhead_server_requests_total",
			Help: "API requests by route, method and status."}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "bulkhead_server_request_seconds",
			Help: "API request durations by route.", Buckets: prometheus.DefBuckets}, []string{"route"}),
		ingest: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bulkhead_server_ingested_total",
			Help: "Items ingested from agents by kind (inventory, sbom, audit, alerts)."}, []string{"kind"}),
		Jobs: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "bulkhead_server_job_seconds",
			Help: "Job run times by kind and outcome.", Buckets: prometheus.DefBuckets}, []string{"kind", "outcome"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.ingest, m.Jobs)
	return m
}

// Registry returns the registry, for collectors added by the caller (the
// job queue's depth).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

func (m *Metrics) request(route, method string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

func (m *Metrics) ingested(kind string, n int) { m.ingest.WithLabelValues(kind).Add(float64(n)) }

// fleetCollector reads the fleet's figures from the store at each scrape.
type fleetCollector struct {
	st                          *store.Store
	findings, hosts, auditFails *prometheus.Desc
}

func (c *fleetCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.findings
	ch <- c.hosts
	ch <- c.auditFails
}

func (c *fleetCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if imgs, err := c.st.Images(ctx); err == nil {
		by := map[string]int{}
		for _, img := range imgs {
			for sev, n := range img.Findings {
				by[sev] += n
			}
		}
		for _, sev := range []string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO", "UNKNOWN"} {
			ch <- prometheus.MustNewConstMetric(c.findings, prometheus.GaugeValue, float64(by[sev]), sev)
		}
	}
	if hs, err := c.st.Hosts(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(c.hosts, prometheus.GaugeValue, float64(len(hs)))
		for _, h := range hs {
			ch <- prometheus.MustNewConstMetric(c.auditFails, prometheus.GaugeValue, float64(h.AuditFailed), h.ID)
		}
	}
}

func (m *Metrics) serve(st *store.Store) handlerFunc {
	m.reg.MustRegister(&fleetCollector{st: st,
		findings:   prometheus.NewDesc("bulkhead_fleet_findings", "Vulnerability findings in stored images by severity.", []string{"severity"}, nil),
		hosts:      prometheus.NewDesc("bulkhead_fleet_hosts", "Hosts known to the server.", nil, nil),
		auditFails: prometheus.NewDesc("bulkhead_fleet_audit_failed_checks", "Failed CIS checks per host (lower is better).", []string{"host"}, nil),
	})
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return func(w http.ResponseWriter, r *http.Request) error {
		h.ServeHTTP(w, r)
		return nil
	}
}

// RegisterQueueDepth adds bulkhead_server_jobs{state}: River's jobs that
// are available (waiting for a worker) and running, read from the job table
// at each scrape.
func RegisterQueueDepth(m *Metrics, st *store.Store) {
	m.reg.MustRegister(&queueCollector{st: st,
		desc: prometheus.NewDesc("bulkhead_server_jobs", "Jobs in the queue by state (available: waiting for a worker; running).", []string{"state"}, nil)})
}

type queueCollector struct {
	st   *store.Store
	desc *prometheus.Desc
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := QueueDepth(ctx, c.st)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for _, s := range []string{"available", "running"} {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n[s]), s)
	}
}

// QueueDepth counts River's available and running jobs.
func QueueDepth(ctx context.Context, st *store.Store) (map[string]int, error) {
	rows, err := st.DB().QueryContext(ctx, `SELECT state, COUNT(*) FROM river_job WHERE state IN ('available', 'running') GROUP BY state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}
