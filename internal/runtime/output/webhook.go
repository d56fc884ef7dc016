package output

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/rules"
)

// WebhookOptions tune a Webhook. Zero values take the defaults shown.
type WebhookOptions struct {
	Client       *http.Client      // default: 10 s timeout
	Headers      map[string]string // extra request headers (e.g. Authorization)
	QueueSize    int               // alerts waiting to be posted; default 1024
	MaxAttempts  int               // tries per alert, first included; default 5
	Backoff      time.Duration     // wait after the first failure, doubled each time; default 500 ms
	MaxBackoff   time.Duration     // cap of the wait; default 30 s
	DrainTimeout time.Duration     // how long Close keeps posting queued alerts; default 5 s
	Hostname     string            // record hostname when alerts carry none
}

// WebhookStats counts what a Webhook did.
type WebhookStats struct {
	Sent    uint64 // alerts posted with a 2xx answer
	Failed  uint64 // alerts given up after their attempts, or refused with a 4xx
	Retries uint64 // extra attempts
	Dropped uint64 // alerts dropped because the queue was full (oldest first) or Close timed out
}

// Webhook posts each alert as one Falco-format JSON object to a URL. Send
// never blocks: alerts wait in a bounded queue; when it is full the oldest
// is dropped and counted. Failed posts (network errors, 5xx, 429) are
// retried with exponential backoff.
type Webhook struct {
	url  string
	opts WebhookOptions

	mu     sync.Mutex
	queue  [][]byte // ring buffer
	head   int
	n      int
	closed bool
	wake   chan struct{}

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	sent, failed, retries, dropped atomic.Uint64
}

// NewWebhook starts a webhook output posting to url.
func NewWebhook(url string, opts WebhookOptions) *Webhook {
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 1024
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 5
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 500 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 30 * time.Second
	}
	if opts.DrainTimeout <= 0 {
		opts.DrainTimeout = 5 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &Webhook{url: url, opts: opts, queue: make([][]byte, opts.QueueSize), wake: make(chan struct{}, 1),
		ctx: ctx, cancel: cancel, done: make(chan struct{})}
	go w.run()
	return w
}

// Send queues an alert. It fails only after Close.
func (w *Webhook) Send(a rules.Alert) error {
	body, err := jsonRecord(a, w.opts.Hostname)
	if err != nil {
		return err
	}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return fmt.Errorf("send alert %q to webhook: output closed", a.Rule)
	}
	if w.n == len(w.queue) { // full: drop the oldest
		w.queue[w.head] = nil
		w.head = (w.head + 1) % len(w.queue)
		w.n--
		w.dropped.Add(1)
	}
	w.queue[(w.head+w.n)%len(w.queue)] = body
	w.n++
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return nil
}

func (w *Webhook) pop() ([]byte, bool, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.n == 0 {
		return nil, false, w.closed
	}
	b := w.queue[w.head]
	w.queue[w.head] = nil
	w.head = (w.head + 1) % len(w.queue)
	w.n--
	return b, true, w.closed
}

func (w *Webhook) run() {
	defer close(w.done)
	for {
		body, ok, closed := w.pop()
		if !ok {
			if closed {
				return
			}
			select {
			case <-w.wake:
			case <-w.ctx.Done():
				return
			}
			continue
		}
		if w.ctx.Err() != nil {
			w.dropped.Add(1)
			continue
		}
		w.deliver(body)
	}
}

func (w *Webhook) deliver(body []byte) {
	wait := w.opts.Backoff
	for attempt := 1; ; attempt++ {
		retry, err := w.post(body)
		if err == nil {
			w.sent.Add(1)
			return
		}
		if !retry || attempt >= w.opts.MaxAttempts {
			w.failed.Add(1)
			return
		}
		w.retries.Add(1)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-w.ctx.Done():
			t.Stop()
			w.dropped.Add(1)
			return
		}
		wait = min(2*wait, w.opts.MaxBackoff)
	}
}

// post makes one attempt; retry says whether another attempt may succeed.
func (w *Webhook) post(body []byte) (retry bool, err error) {
	req, err := http.NewRequestWithContext(w.ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "bulkhead")
	for k, v := range w.opts.Headers {
		req.Header.Set(k, v)
	}
	resp, err := w.opts.Client.Do(req)
	if err != nil {
		return true, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return false, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return true, fmt.Errorf("webhook answered %s", resp.Status)
	}
	return false, fmt.Errorf("webhook answered %s", resp.Status)
}

// Stats returns the counters so far.
func (w *Webhook) Stats() WebhookStats {
	return WebhookStats{Sent: w.sent.Load(), Failed: w.failed.Load(), Retries: w.retries.Load(), Dropped: w.dropped.Load()}
}

// Close stops accepting alerts, keeps posting the queued ones for up to
// DrainTimeout, then drops (and counts) whatever is left.
func (w *Webhook) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.mu.Unlock()
	before := w.dropped.Load()
	select {
	case w.wake <- struct{}{}:
	default:
	}
	t := time.NewTimer(w.opts.DrainTimeout)
	defer t.Stop()
	select {
	case <-w.done:
	case <-t.C:
		w.cancel()
		<-w.done
	}
	w.cancel()
	w.mu.Lock()
	left := w.n
	w.n = 0
	w.mu.Unlock()
	w.dropped.Add(uint64(left))
	if lost := w.dropped.Load() - before; lost > 0 {
		return fmt.Errorf("close webhook: %d alerts not delivered within %s", lost, w.opts.DrainTimeout)
	}
	return nil
}

var _ Output = (*Webhook)(nil)
