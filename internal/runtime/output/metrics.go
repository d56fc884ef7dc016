package output

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/rules"
)

// Metrics are bulkhead's runtime Prometheus counters. It is also an Output:
// every alert sent to it is counted by rule and priority.
type Metrics struct {
	events     *prometheus.CounterVec
	byType     [event.NumTypes]prometheus.Counter
	alerts     *prometheus.CounterVec
	dropped    *prometheus.CounterVec
	lost       prometheus.Counter
	suppressed *prometheus.CounterVec
}

// NewMetrics creates the counters and registers them on reg:
//
//	bulkhead_runtime_events_total{type}              events seen, by evt.type
//	bulkhead_runtime_alerts_total{rule,priority}     alerts raised
//	bulkhead_runtime_alerts_dropped_total{output}    alerts an output dropped
//	bulkhead_runtime_alerts_suppressed_total{rule}   alerts held back by the rate limiter
//	bulkhead_runtime_events_lost_total               events the sensor lost (ring buffer full)
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bulkhead_runtime_events_total",
			Help: "Runtime events seen by the rule engine, by event type."}, []string{"type"}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bulkhead_runtime_alerts_total",
			Help: "Runtime alerts raised, by rule and priority."}, []string{"rule", "priority"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bulkhead_runtime_alerts_dropped_total",
			Help: "Alerts an output dropped (queue full or undeliverable), by output."}, []string{"output"}),
		lost: prometheus.NewCounter(prometheus.CounterOpts{Name: "bulkhead_runtime_events_lost_total",
			Help: "Events the sensor lost before the rule engine saw them."}),
		suppressed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bulkhead_runtime_alerts_suppressed_total",
			Help: "Alerts held back by the per-rule rate limiter, by rule."}, []string{"rule"}),
	}
	for _, c := range []prometheus.Collector{m.events, m.alerts, m.dropped, m.lost, m.suppressed} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register runtime metrics: %w", err)
		}
	}
	for t := event.Type(0); t < event.NumTypes; t++ {
		m.byType[t] = m.events.WithLabelValues(t.String())
	}
	return m, nil
}

// ObserveEvent counts one event (cheap: no label lookup).
func (m *Metrics) ObserveEvent(e *event.Event) {
	t := e.Type
	if t >= event.NumTypes {
		t = event.Unknown
	}
	m.byType[t].Inc()
}

// AddLost counts events the sensor lost.
func (m *Metrics) AddLost(n uint64) { m.lost.Add(float64(n)) }

// AddDropped counts alerts an output dropped.
func (m *Metrics) AddDropped(output string, n uint64) {
	m.dropped.WithLabelValues(output).Add(float64(n))
}

// Suppressed counts one alert held back by the rate limiter; pass it as
// RateLimitOptions.OnSuppress.
func (m *Metrics) Suppressed(rule string) { m.suppressed.WithLabelValues(rule).Inc() }

// Send counts an alert.
func (m *Metrics) Send(a rules.Alert) error {
	m.alerts.WithLabelValues(a.Rule, a.Priority.String()).Inc()
	return nil
}

// Close does nothing: the counters stay registered.
func (m *Metrics) Close() error { return nil }

var _ Output = (*Metrics)(nil)
