package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bulkhead-sec/bulkhead/internal/secret"
	"github.com/bulkhead-sec/bulkhead/internal/store"
)

// Webhook formats.
const (
	FormatJSON  = "json"
	FormatSlack = "slack"
)

// Event kinds a notification carries.
const (
	EventFinding = "finding" // new KEV or CRITICAL findings in a running image
	EventAlert   = "alert"   // a new runtime alert at or above the threshold
	EventAudit   = "audit"   // a host's audit has more failing checks than before
)

// Webhook is one notification target.
type Webhook struct {
	URL    string
	Format string // FormatJSON (default) or FormatSlack
}

// ParseWebhook reads a --webhook value: URL, json=URL or slack=URL (an
// http or https URL).
func ParseWebhook(v string) (Webhook, error) {
	w := Webhook{Format: FormatJSON, URL: v}
	for _, f := range []string{FormatJSON, FormatSlack} {
		if rest, ok := strings.CutPrefix(v, f+"="); ok {
			w = Webhook{Format: f, URL: rest}
		}
	}
	u, err := url.Parse(w.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// The value may hold a secret (Slack's URLs do): never echo it.
		return Webhook{}, fmt.Errorf("webhook: want URL, json=URL or slack=URL with an http(s) URL")
	}
	return w, nil
}

// Event is one notification, the JSON body of a json webhook.
type Event struct {
	Kind    string    `json:"event"`
	At      time.Time `json:"at"`
	Summary string    `json:"summary"`
	Host    string    `json:"host,omitempty"`
	// EventFinding
	Image    string          `json:"image,omitempty"`
	Refs     []string        `json:"refs,omitempty"`
	Hosts    []string        `json:"hosts,omitempty"`
	Findings []store.Finding `json:"findings,omitempty"`
	// EventAlert
	Alert *store.Alert `json:"alert,omitempty"`
	// EventAudit
	FailedBefore int                 `json:"failed_before,omitempty"`
	FailedNow    int                 `json:"failed_now,omitempty"`
	NewlyFailing []store.AuditResult `json:"newly_failing,omitempty"`
}

// NotifierConfig configures a Notifier.
type NotifierConfig struct {
	Webhooks []Webhook
	// MinPriority is the lowest alert priority notified (default CRITICAL).
	MinPriority string
	// PerMinute and Burst rate-limit each target (defaults 30, 10): an event
	// over the limit waits in the target's queue.
	PerMinute float64
	Burst     int
	// Queue bounds each target's waiting events (default 1000); an event
	// arriving at a full queue is dropped and counted.
	Queue int
	// Attempts bounds the deliveries of one event (default 5); Backoff is
	// the first wait between them, doubled each time up to 5 min (default
	// 2 s), with jitter.
	Attempts int
	Backoff  time.Duration
	Timeout  time.Duration // per request (default 10 s)
	Client   *http.Client
	Logger   *slog.Logger
	// Registry, when set, receives the notification metrics.
	Registry prometheus.Registerer
}

// Notifier sends events to webhooks without blocking its callers: each
// target has a bounded queue and a goroutine that rate-limits, delivers
// and retries.
type Notifier struct {
	cfg     NotifierConfig
	targets []*target
	minPrio int
	sent    *prometheus.CounterVec
	dropped *prometheus.CounterVec
	wg      sync.WaitGroup
	stop    chan struct{}
	once    sync.Once
}

type target struct {
	Webhook
	name string // scheme://host, what logs and metrics show (a URL's path may be a secret)
	q    chan Event
}

// NewNotifier starts a notifier; Close stops it.
func NewNotifier(cfg NotifierConfig) *Notifier {
	if cfg.MinPriority == "" || store.PriorityRank(cfg.MinPriority) < 0 {
		cfg.MinPriority = "CRITICAL"
	}
	if cfg.PerMinute <= 0 {
		cfg.PerMinute = 30
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 10
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 1000
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 5
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 2 * time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: cfg.Timeout}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	n := &Notifier{cfg: cfg, minPrio: store.PriorityRank(cfg.MinPriority), stop: make(chan struct{}),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bulkhead_server_notifications_total",
			Help: "Webhook notifications by target (scheme://host), event and outcome (sent, failed)."}, []string{"target", "event", "outcome"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bulkhead_server_notifications_dropped_total",
			Help: "Notifications dropped because a target's queue was full, by target."}, []string{"target"}),
	}
	if cfg.Registry != nil {
		cfg.Registry.MustRegister(n.sent, n.dropped)
	}
	for i, w := range cfg.Webhooks {
		name := fmt.Sprintf("webhook-%d", i+1)
		if u, err := url.Parse(w.URL); err == nil {
			name = u.Scheme + "://" + u.Host
		}
		t := &target{Webhook: w, name: name, q: make(chan Event, cfg.Queue)}
		n.targets = append(n.targets, t)
		n.wg.Add(1)
		go n.run(t)
	}
	return n
}

// Close stops the targets' goroutines (events still queued are dropped)
// and waits for them.
func (n *Notifier) Close() {
	if n == nil {
		return
	}
	n.once.Do(func() { close(n.stop) })
	n.wg.Wait()
}

// Send queues ev for every target; it never blocks.
func (n *Notifier) Send(ev Event) {
	if n == nil {
		return
	}
	if ev.At.IsZero() {
		ev.At = time.Now().UTC()
	}
	for _, t := range n.targets {
		select {
		case t.q <- ev:
		default:
			n.dropped.WithLabelValues(t.name).Inc()
			n.cfg.Logger.Warn("notification dropped: the target's queue is full", "target", t.name, "event", ev.Kind)
		}
	}
}

// Alerts notifies the new alerts of a host at or above the threshold.
func (n *Notifier) Alerts(host string, as []store.Alert) {
	if n == nil {
		return
	}
	for _, a := range as {
		if store.PriorityRank(a.Priority) < n.minPrio {
			continue
		}
		a := a
		a.HostID = host
		a.Output = secret.RedactText(truncate(a.Output, 2000))
		fields := make(map[string]string, len(a.Fields))
		for k, v := range a.Fields {
			if secret.IsSecretName(k) {
				v = secret.Redact(v)
			}
			fields[k] = secret.RedactText(truncate(v, 500))
		}
		a.Fields = fields
		ctr := ""
		if a.ContainerID != "" {
			ctr = " in container " + truncate(a.ContainerID, 12)
		}
		n.Send(Event{Kind: EventAlert, Host: host, Alert: &a,
			Summary: fmt.Sprintf("%s alert on host %s%s: %s", strings.ToUpper(a.Priority), host, ctr, a.Rule)})
	}
}

// WantsAlert reports whether an alert of priority p is notified.
func (n *Notifier) WantsAlert(p string) bool {
	return n != nil && len(n.targets) > 0 && store.PriorityRank(p) >= n.minPrio
}

// Audit notifies a host's audit when it fails more checks than the one
// before (a first audit is no worsening).
func (n *Notifier) Audit(host string, before, after []store.AuditResult) {
	if n == nil || len(before) == 0 {
		return
	}
	failed := map[string]bool{}
	for _, r := range before {
		if r.Status == "fail" {
			failed[r.CheckID] = true
		}
	}
	now := 0
	var newly []store.AuditResult
	for _, r := range after {
		if r.Status != "fail" {
			continue
		}
		now++
		if !failed[r.CheckID] {
			r.Detail = secret.RedactText(truncate(r.Detail, 500))
			newly = append(newly, r)
		}
	}
	if now <= len(failed) {
		return
	}
	n.Send(Event{Kind: EventAudit, Host: host, FailedBefore: len(failed), FailedNow: now, NewlyFailing: newly[:min(len(newly), 50)],
		Summary: fmt.Sprintf("Host %s's CIS audit got worse: %d failing checks, %d before", host, now, len(failed))})
}

// Findings notifies the findings of an image that are KEV or CRITICAL now
// and were neither before, when the image runs on some host.
func (n *Notifier) Findings(digest string, refs, hosts []string, before, after []store.Finding) {
	if n == nil || len(hosts) == 0 {
		return
	}
	was := map[string]bool{}
	for _, f := range before {
		if notable(f) {
			was[findingKey(f)] = true
		}
	}
	var fs []store.Finding
	kev, crit := 0, 0
	for _, f := range after {
		if !notable(f) || was[findingKey(f)] {
			continue
		}
		if f.KEV {
			kev++
		}
		if f.Severity == "CRITICAL" {
			crit++
		}
		if f.FirstSeen.IsZero() {
			f.FirstSeen = time.Now().UTC()
		}
		fs = append(fs, f)
	}
	if len(fs) == 0 {
		return
	}
	name := digest
	if len(refs) > 0 {
		name = refs[0]
	}
	n.Send(Event{Kind: EventFinding, Image: digest, Refs: refs, Hosts: hosts, Findings: fs[:min(len(fs), 50)],
		Summary: fmt.Sprintf("%d new findings (%d CRITICAL, %d known exploited) in %s, running on %s",
			len(fs), crit, kev, name, strings.Join(hosts[:min(len(hosts), 10)], ", "))})
}

func findingKey(f store.Finding) string {
	return f.VulnID + "\x00" + f.PackageName + "\x00" + f.PackageVersion
}

func notable(f store.Finding) bool { return f.KEV || f.Severity == "CRITICAL" }

func (n *Notifier) run(t *target) {
	defer n.wg.Done()
	interval := time.Duration(float64(time.Minute) / n.cfg.PerMinute)
	tokens := float64(n.cfg.Burst)
	last := time.Now()
	for {
		var ev Event
		select {
		case <-n.stop:
			return
		case ev = <-t.q:
		}
		// Token bucket: wait for a token (the queue absorbs the wait).
		now := time.Now()
		tokens = min(float64(n.cfg.Burst), tokens+float64(now.Sub(last))/float64(interval))
		last = now
		if tokens < 1 {
			wait := time.Duration((1 - tokens) * float64(interval))
			select {
			case <-n.stop:
				return
			case <-time.After(wait):
			}
			tokens, last = 1, time.Now()
		}
		tokens--
		outcome := "failed"
		if n.deliver(t, ev) {
			outcome = "sent"
		}
		n.sent.WithLabelValues(t.name, ev.Kind, outcome).Inc()
	}
}

// deliver posts ev, retrying network errors, 429 and 5xx with backoff.
func (n *Notifier) deliver(t *target, ev Event) bool {
	body, err := Body(t.Format, ev)
	if err != nil {
		n.cfg.Logger.Error("notification body", "err", err)
		return false
	}
	wait := n.cfg.Backoff
	for attempt := 1; ; attempt++ {
		status, err := n.post(t, body)
		if err == nil && status < 300 {
			return true
		}
		retry := err != nil || status == http.StatusTooManyRequests || status >= 500
		if !retry || attempt >= n.cfg.Attempts {
			n.cfg.Logger.Warn("notification not delivered", "target", t.name, "event", ev.Kind, "status", status, "err", redactURLErr(err), "attempts", attempt)
			return false
		}
		d := wait/2 + rand.N(wait/2+1)
		select {
		case <-n.stop:
			return false
		case <-time.After(d):
		}
		wait = min(2*wait, 5*time.Minute)
	}
}

func (n *Notifier) post(t *target, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), n.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "bulkhead-serve")
	resp, err := n.cfg.Client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// redactURLErr keeps a *url.Error's cause without its URL (whose path
// may be a secret).
func redactURLErr(err error) string {
	if err == nil {
		return ""
	}
	if ue, ok := err.(*url.Error); ok {
		return ue.Op + ": " + ue.Err.Error()
	}
	return err.Error()
}

// Body returns the request body of ev in a format: the event as JSON, or
// a Slack message (text, and blocks with the details).
func Body(format string, ev Event) ([]byte, error) {
	if format != FormatSlack {
		return json.Marshal(ev)
	}
	var b strings.Builder
	switch ev.Kind {
	case EventFinding:
		for i, f := range ev.Findings {
			if i == 20 {
				fmt.Fprintf(&b, "… and %d more\n", len(ev.Findings)-i)
				break
			}
			kev := ""
			if f.KEV {
				kev = " *KEV*"
			}
			fix := ""
			if f.FixedVersion != "" {
				fix = ", fixed in " + f.FixedVersion
			}
			fmt.Fprintf(&b, "• %s %s%s in %s %s%s\n", f.Severity, slackEscape(f.VulnID), kev, slackEscape(f.PackageName), slackEscape(f.PackageVersion), slackEscape(fix))
		}
		fmt.Fprintf(&b, "image `%s`", ev.Image)
	case EventAlert:
		a := ev.Alert
		fmt.Fprintf(&b, "*%s* (%s)\n%s", slackEscape(a.Rule), a.Priority, slackEscape(truncate(a.Output, 2500)))
	case EventAudit:
		for i, r := range ev.NewlyFailing {
			if i == 20 {
				fmt.Fprintf(&b, "… and %d more\n", len(ev.NewlyFailing)-i)
				break
			}
			fmt.Fprintf(&b, "• %s %s\n", slackEscape(r.CheckID), slackEscape(r.Title))
		}
	}
	type text struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	type block struct {
		Type string `json:"type"`
		Text *text  `json:"text,omitempty"`
	}
	msg := struct {
		Text   string  `json:"text"`
		Blocks []block `json:"blocks"`
	}{Text: slackEscape(ev.Summary), Blocks: []block{
		{Type: "header", Text: &text{"plain_text", truncate(ev.Summary, 140)}},
	}}
	if d := b.String(); d != "" {
		msg.Blocks = append(msg.Blocks, block{Type: "section", Text: &text{"mrkdwn", truncate(d, 2900)}})
	}
	return json.Marshal(msg)
}

// slackEscape escapes the three characters Slack's mrkdwn reserves.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
