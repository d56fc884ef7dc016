// Package pipeline wires the runtime stages together: the sensor (source and
// decode) feeds a bounded event channel, one goroutine enriches each event
// (process tree, container) and evaluates the rules, and alerts go through a
// bounded channel to the outputs. Nothing is dropped silently: the kernel
// counts events it could not queue, the decoder counts malformed records,
// and the alert queue counts what it drops when the outputs fall behind.
//
// A command calls Run(ctx, cfg) and blocks until ctx ends.
package pipeline

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/enrich"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/rules"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/sensor"
)

// Output receives alerts, one at a time, from one goroutine. Every
// output.Output (internal/runtime/output) is one.
type Output interface {
	Send(a rules.Alert) error
}

// OutputFunc adapts a function to Output.
type OutputFunc func(rules.Alert) error

// Send calls f.
func (f OutputFunc) Send(a rules.Alert) error { return f(a) }

// Default channel sizes.
const (
	DefaultEventBuffer = 16384
	DefaultAlertBuffer = 1024
)

// Config is everything Run needs.
type Config struct {
	Sensor sensor.Options
	Enrich enrich.Options
	// Rules is the compiled rule set; nil evaluates nothing (events are
	// still enriched and passed to OnEvent).
	Rules   *rules.Set
	Outputs []Output
	// Metrics, when set, is called once per pipeline counter
	// (bulkhead_runtime_*) with a function that reads it; a Prometheus
	// registry adapts with prometheus.NewCounterFunc.
	Metrics func(name, help string, value func() float64)
	// EventBuffer and AlertBuffer size the channels between the stages.
	EventBuffer, AlertBuffer int
	// OnEvent, when set, sees every enriched event (for --dump-events and
	// tests) from the enrichment goroutine; it must not keep the event.
	OnEvent func(*event.Event)
	// Log receives start-up lines (which sensor, what it covers) and
	// output errors. Nil: silent.
	Log io.Writer

	// open replaces sensor.Open in tests.
	open func(sensor.Options) (source, error)
}

// source is what the pipeline needs from a sensor.
type source interface {
	Run(ctx context.Context, out chan<- *event.Event) error
	Stats() sensor.Stats
	Close() error
}

// Stats count the pipeline's work.
type Stats struct {
	Sensor        sensor.Stats
	Enrich        enrich.Stats
	Events        uint64 // events enriched and evaluated
	Alerts        uint64 // rule matches
	AlertsDropped uint64 // alerts dropped because the alert queue was full
	OutputErrors  uint64 // failed Output.Send calls
	// Held counts events that waited for their container's metadata,
	// HeldTimeouts those evaluated without it (MetadataWait passed, or
	// too many waiting).
	Held, HeldTimeouts uint64
}

// Pipeline is a configured, opened pipeline.
type Pipeline struct {
	cfg Config
	src source
	en  *enrich.Enricher

	events, alerts, dropped, outErrs atomic.Uint64
	held, heldTimeouts               atomic.Uint64
}

// New opens the sensor and the enricher.
func New(cfg Config) (*Pipeline, error) {
	if cfg.EventBuffer <= 0 {
		cfg.EventBuffer = DefaultEventBuffer
	}
	if cfg.AlertBuffer <= 0 {
		cfg.AlertBuffer = DefaultAlertBuffer
	}
	if cfg.Sensor.Log == nil {
		cfg.Sensor.Log = cfg.Log
	}
	if cfg.Enrich.Log == nil {
		cfg.Enrich.Log = cfg.Log
	}
	open := cfg.open
	if open == nil {
		open = func(o sensor.Options) (source, error) { return sensor.Open(o) }
	}
	en, err := enrich.New(cfg.Enrich)
	if err != nil {
		return nil, fmt.Errorf("start runtime pipeline: %w", err)
	}
	src, err := open(cfg.Sensor)
	if err != nil {
		return nil, fmt.Errorf("start runtime pipeline: %w", err)
	}
	if pr, ok := src.(interface {
		Produces(event.Type) bool
		Kind() sensor.Mode
	}); ok && cfg.Rules != nil {
		// rules this sensor can never fire are disabled, and said so
		if off := cfg.Rules.Restrict(pr.Produces, string(pr.Kind())); len(off) > 0 && cfg.Log != nil {
			fmt.Fprintf(cfg.Log, "rules: %d rules disabled, the %s sensor produces none of their event types: %s\n",
				len(off), pr.Kind(), strings.Join(off, ", "))
		}
	}
	p := &Pipeline{cfg: cfg, src: src, en: en}
	if cfg.Metrics != nil {
		p.register(cfg.Metrics)
	}
	return p, nil
}

// nameRefresh is how often the host names of fd.sip.name are resolved again.
const nameRefresh = 5 * time.Minute

// StopGrace is how long Run waits, once ctx has ended, for the stages to
// finish what they are doing (an event being evaluated, an alert being
// sent). A stage still busy after it is left behind and Run returns, so
// that SIGINT, SIGTERM and --duration always stop `bulkhead watch`.
var StopGrace = 2 * time.Second

// Run runs the stages until ctx ends or the sensor fails, then closes the
// sensor. It returns nil when ctx ended. It returns at most StopGrace after
// ctx ends, whatever the stages are doing.
func (p *Pipeline) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events := make(chan *event.Event, p.cfg.EventBuffer)
	alerts := make(chan rules.Alert, p.cfg.AlertBuffer)

	var wg sync.WaitGroup
	var srcErr atomic.Pointer[error]
	wg.Add(3)
	go func() {
		defer wg.Done()
		if err := p.src.Run(ctx, events); err != nil {
			srcErr.Store(&err)
		}
		cancel()
	}()
	go func() {
		defer wg.Done()
		p.en.Run(ctx)
	}()
	if p.cfg.Rules != nil && len(p.cfg.Rules.Names()) > 0 {
		// fd.sip.name: resolve the names the rules mention, then every
		// few minutes; until then those comparisons are false
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(nameRefresh)
			defer t.Stop()
			for {
				errs := p.cfg.Rules.ResolveNames(ctx, nil)
				if line := nameFailures(len(p.cfg.Rules.Names()), errs); line != "" && p.cfg.Log != nil && ctx.Err() == nil {
					fmt.Fprintln(p.cfg.Log, line)
				}
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
	go func() {
		defer wg.Done()
		defer close(alerts)
		p.loop(ctx, events, alerts)
	}()
	outDone := make(chan struct{})
	go func() {
		defer close(outDone)
		for a := range alerts {
			p.output(a)
		}
	}()
	all := make(chan struct{})
	go func() {
		wg.Wait()
		<-outDone
		close(all)
	}()
	<-ctx.Done()
	t := time.NewTimer(StopGrace)
	defer t.Stop()
	select {
	case <-all:
		p.src.Close()
	case <-t.C:
		// A stage is stuck (a rule evaluation, an output, the sensor's
		// reader): stop without it. The sensor is closed in the
		// background, as closing may wait for its reader.
		if p.cfg.Log != nil {
			fmt.Fprintf(p.cfg.Log, "runtime pipeline: a stage was still busy %v after the stop; stopping without it\n", StopGrace)
		}
		go p.src.Close()
	}
	if e := srcErr.Load(); e != nil {
		return *e
	}
	return nil
}

// nameFailures says in one line how many of the fd.sip.name lookups failed,
// with the first error; "" when none did.
func nameFailures(total int, errs []error) string {
	if len(errs) == 0 {
		return ""
	}
	return fmt.Sprintf("rules: fd.sip.name: %d of %d names did not resolve (first: %v); comparisons with them stay false until they do", len(errs), total, errs[0])
}

// MetadataWait bounds how long an event of a container still being
// inspected waits for the container's name, image and labels before it is
// evaluated without them; at most maxHeld events wait at once (beyond that
// the oldest goes on without).
var MetadataWait = 2 * time.Second

// afterEnrich, when set (tests), runs between an event's enrichment and
// the check whether its container is still being inspected.
var afterEnrich func(*event.Event)

const maxHeld = 4096

type heldEvent struct {
	e     *event.Event
	until time.Time
}

// loop enriches each event and evaluates it, holding (in order, per
// container) the events whose container is still being inspected: the
// stream goes on for everything else.
func (p *Pipeline) loop(ctx context.Context, events <-chan *event.Event, alerts chan<- rules.Alert) {
	var held []heldEvent
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	arm := func() {
		if len(held) > 0 {
			timer.Reset(time.Until(held[0].until))
		}
	}
	release := func(match func(heldEvent) bool) {
		kept := held[:0]
		for _, h := range held {
			if match(h) {
				p.en.Refresh(h.e)
				p.finish(h.e, alerts)
			} else {
				kept = append(kept, h)
			}
		}
		clear(held[len(kept):])
		held = kept
		arm()
	}
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-events:
			if ctx.Err() != nil {
				return
			}
			p.en.Enrich(ctx, e)
			if afterEnrich != nil {
				afterEnrich(e)
			}
			if c := e.Container; c != nil && c.Name == "" && p.en.Pending(c.ID) == nil && !waitingOn(held, c.ID) {
				// the inspection Enrich started may have ended before
				// Pending was asked: attach what it found rather than
				// evaluate the event with the id alone
				p.en.Refresh(e)
			} else if c != nil && c.Name == "" {
				if len(held) >= maxHeld {
					first := held[0].e
					release(func(h heldEvent) bool { return h.e == first })
					p.heldTimeouts.Add(1)
				}
				held = append(held, heldEvent{e, time.Now().Add(MetadataWait)})
				p.held.Add(1)
				if len(held) == 1 {
					arm()
				}
				continue
			}
			p.finish(e, alerts)
		case id := <-p.en.Ready():
			release(func(h heldEvent) bool { return h.e.Container.ID == id })
		case <-timer.C:
			now := time.Now()
			n := 0
			release(func(h heldEvent) bool {
				if h.until.After(now) {
					return false
				}
				n++
				return true
			})
			p.heldTimeouts.Add(uint64(n))
		}
	}
}

// waitingOn reports whether an event of container id is held (a later
// one waits behind it, in order).
func waitingOn(held []heldEvent, id string) bool {
	for _, h := range held {
		if h.e.Container.ID == id {
			return true
		}
	}
	return false
}

// finish evaluates an enriched event.
func (p *Pipeline) finish(e *event.Event, alerts chan<- rules.Alert) {
	p.events.Add(1)
	if p.cfg.OnEvent != nil {
		p.cfg.OnEvent(e)
	}
	if p.cfg.Rules == nil {
		return
	}
	p.cfg.Rules.Eval(e, func(a rules.Alert) {
		p.alerts.Add(1)
		select {
		case alerts <- a:
		default:
			p.dropped.Add(1)
		}
	})
}

func (p *Pipeline) output(a rules.Alert) {
	for _, o := range p.cfg.Outputs {
		if err := o.Send(a); err != nil {
			p.outErrs.Add(1)
			if p.cfg.Log != nil {
				fmt.Fprintf(p.cfg.Log, "runtime output: %v\n", err)
			}
		}
	}
}

// Stats returns the counters so far.
func (p *Pipeline) Stats() Stats {
	return Stats{
		Sensor: p.src.Stats(), Enrich: p.en.Stats(),
		Events: p.events.Load(), Alerts: p.alerts.Load(), AlertsDropped: p.dropped.Load(), OutputErrors: p.outErrs.Load(),
		Held: p.held.Load(), HeldTimeouts: p.heldTimeouts.Load(),
	}
}

func (p *Pipeline) register(reg func(name, help string, value func() float64)) {
	counter := func(name, help string, f func() uint64) {
		reg("bulkhead_runtime_"+name, help, func() float64 { return float64(f()) })
	}
	counter("sensor_events_total", "Events the sensor delivered.", func() uint64 { return p.src.Stats().Events })
	counter("sensor_lost_events_total", "Events the kernel could not queue (ring buffer full).", func() uint64 { return p.src.Stats().Lost })
	counter("sensor_decode_errors_total", "Sensor records that did not decode.", func() uint64 { return p.src.Stats().DecodeErrors })
	counter("sensor_opens_skipped_total", "Opens outside the configured path prefixes, counted in the kernel and not sent.", func() uint64 { return p.src.Stats().OpensSkipped })
	counter("sensor_opens_repeated_total", "Opens repeating one sent within the repeat window, counted in the kernel and not sent.", func() uint64 { return p.src.Stats().OpensRepeated })
	counter("events_total", "Events enriched and evaluated.", p.events.Load)
	counter("alerts_total", "Rule matches.", p.alerts.Load)
	counter("alerts_dropped_total", "Alerts dropped because the outputs fell behind.", p.dropped.Load)
	counter("output_errors_total", "Failed alert deliveries.", p.outErrs.Load)
	counter("events_held_total", "Events that waited for their container's metadata.", p.held.Load)
	counter("events_held_timeouts_total", "Events evaluated without their container's metadata (the wait ran out).", p.heldTimeouts.Load)
}
