package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/rules"
	"github.com/bulkhead-sec/bulkhead/internal/server/api"
)

// Alert batching: the runtime sensor's alerts (`bulkhead agent --watch`)
// wait in memory for at most alertFlushEvery or until alertBatch of them
// are there, then go to the on-disk queue as one POST of the alerts route.
// Each alert gets a random id when it is raised, so that a batch delivered
// twice stores each alert once.
const (
	alertBatch      = 500
	alertFlushEvery = time.Second
	// alertPending bounds the alerts waiting for a batch; past it new ones
	// are dropped and counted (the on-disk queue bounds the rest).
	alertPending = api.MaxAlerts
	maxFields    = 64
	// alertBatchBytes bounds a batch's size (api.MaxBody is 8 MiB).
	alertBatchBytes = 2 << 20
)

// alertSize estimates an alert's JSON size.
func alertSize(a api.Alert) int {
	n := 200 + len(a.ID) + len(a.Rule) + len(a.ContainerID) + 2*len(a.Output)
	for k, v := range a.Fields {
		n += 8 + 2*(len(k)+len(v))
	}
	return n
}

type alertBuffer struct {
	mu      sync.Mutex
	pending []api.Alert
	dropped uint64
	full    chan struct{}
}

// SendAlert takes one alert of the runtime pipeline (it is a
// pipeline.Output); it never blocks on the network.
func (a *Agent) SendAlert(al rules.Alert) error {
	var id [16]byte
	rand.Read(id[:])
	out := api.Alert{ID: hex.EncodeToString(id[:]), Time: al.Time.UTC().Format(time.RFC3339Nano), Rule: truncate(al.Rule, 512),
		Priority: al.Priority.String(), ContainerID: al.ContainerID, Output: truncate(al.Output, 8192)}
	if al.Time.IsZero() {
		out.Time = time.Now().UTC().Format(time.RFC3339Nano)
	}
	if len(al.OutputFields) > 0 {
		keys := make([]string, 0, len(al.OutputFields))
		for k := range al.OutputFields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out.Fields = map[string]string{}
		for _, k := range keys[:min(len(keys), maxFields)] {
			if v := al.OutputFields[k]; v != nil {
				out.Fields[truncate(k, 128)] = truncate(fmt.Sprint(v), 1024)
			}
		}
	}
	b := &a.alerts
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.pending) >= alertPending {
		b.dropped++
		if b.dropped == 1 || b.dropped%1000 == 0 {
			a.log.Warn("runtime alerts dropped: the server is not taking them fast enough", "dropped", b.dropped)
		}
		return nil
	}
	b.pending = append(b.pending, out)
	if len(b.pending) >= alertBatch {
		select {
		case b.full <- struct{}{}:
		default:
		}
	}
	return nil
}

// AlertsDropped returns how many alerts were dropped before reaching the
// on-disk queue.
func (a *Agent) AlertsDropped() uint64 {
	a.alerts.mu.Lock()
	defer a.alerts.mu.Unlock()
	return a.alerts.dropped
}

// queueAlerts moves the waiting alerts to the on-disk queue, in batches.
func (a *Agent) queueAlerts() error {
	b := &a.alerts
	b.mu.Lock()
	pending := b.pending
	b.pending = nil
	b.mu.Unlock()
	for len(pending) > 0 {
		// At most alertBatch alerts and about alertBatchBytes, well under
		// the server's body limit.
		n, size := 0, 0
		for n < len(pending) && n < alertBatch && (n == 0 || size < alertBatchBytes) {
			size += alertSize(pending[n])
			n++
		}
		data, err := json.Marshal(api.Alerts{Alerts: pending[:n]})
		if err != nil {
			return err
		}
		if err := a.queue.Push(Item{Method: "POST", Path: a.hostPath("/alerts"), Body: data}); err != nil {
			return err
		}
		pending = pending[n:]
	}
	return nil
}

// batchAlerts queues alerts every alertFlushEvery, or at once when a batch
// is full, until ctx ends (then it queues what is left).
func (a *Agent) batchAlerts(ctx context.Context) {
	t := time.NewTicker(alertFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := a.queueAlerts(); err != nil {
				a.log.Warn("queue alerts", "err", err)
			}
			return
		case <-t.C:
		case <-a.alerts.full:
		}
		if err := a.queueAlerts(); err != nil {
			a.log.Warn("queue alerts", "err", err)
		}
	}
}
