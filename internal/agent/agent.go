// Package agent is `bulkhead agent`: it runs on each Docker host, follows
// the daemon's event stream and sends `bulkhead serve` what runs where (the
// containers, their image digests, ports and networks), the SBOM of every
// image a container runs or that arrives (computed here with the layer
// cache: never the image itself), and CIS audit results, on a schedule and
// when containers change.
//
// Every request goes through a bounded on-disk queue (the oldest items are
// dropped, and counted, past its size) and is retried with backoff until the
// server takes it, so a server restart loses nothing. The server's writes
// are idempotent (replace-by-host, SBOM by digest and hash, alerts by id),
// so delivering twice is harmless.
package agent

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"

	"github.com/bulkhead-sec/bulkhead/internal/audit"
	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/pipeline"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/cyclonedx"
	"github.com/bulkhead-sec/bulkhead/internal/server/api"
)

// Config configures an Agent.
type Config struct {
	// Server is the base URL of bulkhead serve; Token an agent-scope token.
	Server, Token string
	// HostID names this host to the server (default: the daemon's ID);
	// HostName is shown beside it (default: the daemon's host name).
	HostID, HostName string
	// DockerHost is the daemon endpoint (default $DOCKER_HOST, else the
	// local socket).
	DockerHost string
	// QueueDir holds undelivered requests; QueueBytes bounds them (default 256 MiB).
	QueueDir   string
	QueueBytes int64
	// AuditEvery runs the audit on a schedule (default 6 h); container
	// changes run it too, at most every AuditMinGap (default 1 min).
	AuditEvery, AuditMinGap time.Duration
	// Resync sends a full inventory this often even without events (default 5 min).
	Resync time.Duration
	// Pipeline configures the SBOM computation (cache dir, limits).
	Pipeline pipeline.Config
	// Filters limit the containers reported, as `docker ps --filter`
	// does: "label=team=web", "name=^web-".
	Filters []string
	// NoAudit leaves the audit out.
	NoAudit bool
	Version string
	Logger  *slog.Logger
	// HTTP is the client for the server (default: 60 s timeout).
	HTTP *http.Client
}

// Agent is one running agent.
type Agent struct {
	cfg    Config
	docker *client.Client
	queue  *Queue
	log    *slog.Logger

	mu        sync.Mutex
	known     map[string]bool // image digests the server holds
	lastAudit time.Time
	rejected  int // requests the server refused for good

	alerts alertBuffer // runtime alerts waiting for a batch (alerts.go)
}

// New connects to the daemon and opens the queue.
func New(ctx context.Context, cfg Config) (*Agent, error) {
	if cfg.Server == "" || cfg.Token == "" {
		return nil, errors.New("agent: a server URL and a token are needed (bulkhead token create --scope agent)")
	}
	if u, err := url.Parse(cfg.Server); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("agent: server %q: want http(s)://HOST:PORT", cfg.Server)
	}
	cfg.Server = strings.TrimRight(cfg.Server, "/")
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 60 * time.Second}
	}
	if cfg.QueueBytes <= 0 {
		cfg.QueueBytes = 256 << 20
	}
	if cfg.AuditEvery <= 0 {
		cfg.AuditEvery = 6 * time.Hour
	}
	if cfg.AuditMinGap <= 0 {
		cfg.AuditMinGap = time.Minute
	}
	if cfg.Resync <= 0 {
		cfg.Resync = 5 * time.Minute
	}
	opts := []client.Opt{client.FromEnv} // the client negotiates the API version by default
	if cfg.DockerHost != "" {
		opts = append(opts, client.WithHost(cfg.DockerHost))
	}
	dc, err := client.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("agent: docker client: %w", err)
	}
	if cfg.HostID == "" || cfg.HostName == "" {
		info, err := dc.Info(ctx, client.InfoOptions{})
		if err != nil {
			dc.Close()
			return nil, fmt.Errorf("agent: ask the Docker daemon: %w (is it running? pass --docker-host)", err)
		}
		if cfg.HostID == "" {
			cfg.HostID = info.Info.ID
		}
		if cfg.HostName == "" {
			cfg.HostName = info.Info.Name
		}
	}
	if cfg.QueueDir == "" {
		dc.Close()
		return nil, errors.New("agent: no queue dir")
	}
	q, err := OpenQueue(cfg.QueueDir, cfg.QueueBytes)
	if err != nil {
		dc.Close()
		return nil, err
	}
	return &Agent{cfg: cfg, docker: dc, queue: q, log: cfg.Logger, known: map[string]bool{}, alerts: alertBuffer{full: make(chan struct{}, 1)}}, nil
}

// Close releases the daemon connection.
func (a *Agent) Close() error { return a.docker.Close() }

// HostID returns the host id the agent reports under.
func (a *Agent) HostID() string { return a.cfg.HostID }

// Queue returns the agent's queue.
func (a *Agent) Queue() *Queue { return a.queue }

func (a *Agent) hostPath(rest string) string {
	return api.Prefix + "/agent/hosts/" + url.PathEscape(a.cfg.HostID) + rest
}

// Once runs one inventory (with the SBOMs the server lacks) and, unless
// disabled, one audit, then delivers the queue; it fails when the queue is
// not empty when ctx ends.
func (a *Agent) Once(ctx context.Context) error {
	if err := a.inventory(ctx); err != nil {
		return err
	}
	if !a.cfg.NoAudit {
		if err := a.audit(ctx); err != nil {
			return err
		}
	}
	for {
		n, err := a.flush(ctx)
		if err == nil && n == 0 {
			a.mu.Lock()
			rejected := a.rejected
			a.mu.Unlock()
			if rejected > 0 {
				return fmt.Errorf("agent: the server rejected %d requests (see the log above)", rejected)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("agent: %d requests not delivered (%v); they stay queued in %s", a.queue.Len(), err, a.cfg.QueueDir)
		case <-time.After(backoff(1)):
		}
	}
}

// Run follows the daemon's events until ctx ends: inventories on container
// and image changes and every Resync, audits every AuditEvery and after
// container changes, delivery in the background.
func (a *Agent) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.deliver(ctx)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.batchAlerts(ctx)
	}()
	changes := make(chan string, 64)
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.follow(ctx, changes)
	}()
	a.round(ctx, true)
	resync := time.NewTicker(a.cfg.Resync)
	auditT := time.NewTicker(a.cfg.AuditEvery)
	defer resync.Stop()
	defer auditT.Stop()
	var debounce <-chan time.Time
	auditWanted := false
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return nil
		case kind := <-changes:
			if kind == "container" {
				auditWanted = true
			}
			if debounce == nil {
				debounce = time.After(time.Second)
			}
		case <-debounce:
			debounce = nil
			a.mu.Lock()
			doAudit := auditWanted && time.Since(a.lastAudit) >= a.cfg.AuditMinGap
			a.mu.Unlock()
			a.round(ctx, doAudit)
			if doAudit {
				auditWanted = false
			}
		case <-resync.C:
			a.round(ctx, auditWanted)
		case <-auditT.C:
			a.round(ctx, true)
		}
	}
}

func (a *Agent) round(ctx context.Context, withAudit bool) {
	if err := a.inventory(ctx); err != nil {
		a.log.Warn("inventory", "err", err)
	}
	if withAudit && !a.cfg.NoAudit {
		if err := a.audit(ctx); err != nil {
			a.log.Warn("audit", "err", err)
		}
	}
	// The agent idles between rounds: give the memory an SBOM or an audit
	// took back to the host instead of keeping it for the next round.
	debug.FreeOSMemory()
}

// follow sends "container" or "image" on changes, reconnecting to the
// event stream with backoff.
func (a *Agent) follow(ctx context.Context, changes chan<- string) {
	for attempt := 0; ctx.Err() == nil; attempt++ {
		f := make(client.Filters).Add("type", "container", "image")
		res := a.docker.Events(ctx, client.EventsListOptions{Filters: f})
	read:
		for {
			select {
			case <-ctx.Done():
				return
			case m, ok := <-res.Messages:
				if !ok {
					break read
				}
				attempt = 0
				if kind := relevant(m); kind != "" {
					select {
					case changes <- kind:
					default:
					}
				}
			case err := <-res.Err:
				if ctx.Err() == nil {
					a.log.Warn("docker events", "err", err)
				}
				break read
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff(attempt)):
		}
	}
}

// relevant tells which events change what runs where.
func relevant(m events.Message) string {
	switch m.Type {
	case events.ContainerEventType:
		switch m.Action {
		case events.ActionCreate, events.ActionStart, events.ActionDie, events.ActionStop, events.ActionDestroy,
			events.ActionRename, events.ActionPause, events.ActionUnPause, events.ActionConnect, events.ActionDisconnect:
			return "container"
		}
	case events.ImageEventType:
		switch m.Action {
		case events.ActionPull, events.ActionTag, events.ActionImport, events.ActionLoad, events.ActionDelete, events.ActionUnTag:
			return "image"
		}
	}
	return ""
}

// inventory queues the host's containers and the SBOMs the server lacks.
func (a *Agent) inventory(ctx context.Context) error {
	filters := make(client.Filters)
	for _, f := range a.cfg.Filters {
		k, v, _ := strings.Cut(f, "=")
		filters.Add(k, v)
	}
	res, err := a.docker.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: filters})
	if err != nil {
		return fmt.Errorf("list containers: %w", err)
	}
	inv := api.Inventory{Name: a.cfg.HostName, AgentVersion: a.cfg.Version, Containers: []api.Container{}}
	images := map[string][]string{}
	for _, c := range res.Items {
		ct := api.Container{ID: c.ID, ImageRef: c.Image, ImageDigest: c.ImageID, State: string(c.State)}
		if len(c.Names) > 0 {
			ct.Name = c.Names[0]
		}
		for _, p := range c.Ports {
			s := fmt.Sprintf("%d/%s", p.PrivatePort, p.Type)
			if p.PublicPort != 0 {
				s = fmt.Sprintf("%s:%d->%s", p.IP, p.PublicPort, s)
			}
			ct.Ports = append(ct.Ports, s)
		}
		if c.NetworkSettings != nil {
			for n := range c.NetworkSettings.Networks {
				ct.Networks = append(ct.Networks, n)
			}
			sort.Strings(ct.Networks)
		}
		inv.Containers = append(inv.Containers, ct)
		if c.ImageID != "" && !strings.HasPrefix(c.Image, "sha256:") {
			images[c.ImageID] = append(images[c.ImageID], c.Image)
		} else if _, ok := images[c.ImageID]; c.ImageID != "" && !ok {
			images[c.ImageID] = nil // listed, with no name
		}
	}
	body, err := json.Marshal(inv)
	if err != nil {
		return err
	}
	if err := a.queue.Push(Item{Method: "PUT", Path: a.hostPath("/inventory"), Body: body, Key: "inventory"}); err != nil {
		return err
	}
	digests := make([]string, 0, len(images))
	for d := range images {
		digests = append(digests, d)
	}
	sort.Strings(digests)
	for _, d := range digests {
		if err := a.sendSBOM(ctx, d, images[d]); err != nil {
			a.log.Warn("sbom", "image", d, "err", err)
		}
	}
	return nil
}

// sendSBOM computes and queues the SBOM of image digest unless the server
// holds it or one is queued already.
func (a *Agent) sendSBOM(ctx context.Context, digest string, refs []string) error {
	a.mu.Lock()
	known := a.known[digest]
	a.mu.Unlock()
	key := "image/" + digest
	if known || a.queue.Pending(key) {
		return nil
	}
	if code, err := a.do(ctx, "HEAD", a.hostPath("/images/"+url.PathEscape(digest)), nil); err == nil && code == http.StatusOK {
		a.mu.Lock()
		a.known[digest] = true
		a.mu.Unlock()
		return nil
	}
	// One pass over the layers gives the packages, the secrets and the
	// image checks (what `scan image --scanners secret,misconfig` runs);
	// the layer cache makes a rescan cheap.
	pc := a.cfg.Pipeline
	pc.Scanners = []string{pipeline.ScanSecret, pipeline.ScanMisconfig}
	r, err := pipeline.ScanImage(ctx, "docker:"+digest, pc)
	if err != nil {
		return err
	}
	issues := imageIssues(r.Findings)
	inv := *r
	inv.Findings = nil // the SBOM is the inventory alone
	var sb bytes.Buffer
	if err := cyclonedx.Write(&sb, &inv, cyclonedx.Options{}); err != nil {
		return err
	}
	body, err := json.Marshal(api.SBOM{Refs: refs, SBOM: sb.Bytes()})
	if err != nil {
		return err
	}
	path := a.hostPath("/images/" + url.PathEscape(digest))
	if err := a.queue.Push(Item{Method: "PUT", Path: path, Body: body, Key: key}); err != nil {
		return err
	}
	// After the SBOM in the queue: the server takes an image's findings
	// only once it holds the image.
	ibody, err := marshalIssues(issues)
	if err != nil {
		return err
	}
	return a.queue.Push(Item{Method: "PUT", Path: path + "/findings", Body: ibody, Key: "findings/" + digest})
}

// Field bounds of the findings body, below the server's (it answers 400
// above 4096 bytes of text, 256 of an id).
const (
	maxIssueText = 4000
	maxIssueID   = 250
)

// imageIssues keeps the secret and misconfiguration findings of a scan.
// Secret evidence is already redacted by internal/secret (its only form
// in a report); the server redacts it again.
func imageIssues(fs []finding.Finding) api.ImageFindings {
	out := api.ImageFindings{Secrets: []api.ImageSecret{}, Misconfigs: []api.ImageMisconfig{}}
	for _, f := range fs {
		switch f.Kind {
		case finding.Secret:
			out.Secrets = append(out.Secrets, api.ImageSecret{RuleID: truncate(f.ID, maxIssueID), Severity: f.Severity.String(),
				Title: truncate(f.Title, maxIssueText), Path: truncate(cmp.Or(f.Location.Path, f.Location.Object, "-"), maxIssueText),
				Line: max(f.Location.Line, 0), Layer: truncate(f.Location.Layer, maxIssueID), Evidence: truncate(f.Evidence, maxIssueText)})
		case finding.Misconfiguration:
			if f.Status != "" && f.Status != finding.StatusFail && f.Status != finding.StatusWarn {
				continue
			}
			out.Misconfigs = append(out.Misconfigs, api.ImageMisconfig{ID: truncate(f.ID, maxIssueID), Severity: f.Severity.String(),
				Title: truncate(cmp.Or(f.Title, f.ID), maxIssueText), Fix: truncate(f.Fix, maxIssueText),
				Path: truncate(cmp.Or(f.Location.Path, f.Location.Object), maxIssueText)})
		}
	}
	return out
}

// marshalIssues encodes is within the server's limits: at most
// api.MaxItems findings and api.MaxBody bytes, dropping from the end of
// the longer list (secrets and misconfigurations come sorted by the
// scanners, so what is dropped is the least of each).
func marshalIssues(is api.ImageFindings) ([]byte, error) {
	for {
		n := len(is.Secrets) + len(is.Misconfigs)
		var body []byte
		var err error
		if n <= api.MaxItems {
			if body, err = json.Marshal(is); err != nil || len(body) <= api.MaxBody {
				return body, err
			}
		}
		cut := max(1, n/10)
		if len(is.Secrets) >= len(is.Misconfigs) {
			is.Secrets = is.Secrets[:len(is.Secrets)-min(cut, len(is.Secrets))]
		} else {
			is.Misconfigs = is.Misconfigs[:len(is.Misconfigs)-min(cut, len(is.Misconfigs))]
		}
	}
}

var statusOrder = map[finding.Status]int{finding.StatusFail: 5, finding.StatusWarn: 4, finding.StatusPass: 3, finding.StatusInfo: 2, finding.StatusSkip: 1, finding.StatusNotRun: 0}

// audit runs the CIS checks and queues one result per check: the worst
// outcome over its containers.
func (a *Agent) audit(ctx context.Context) error {
	a.mu.Lock()
	a.lastAudit = time.Now()
	a.mu.Unlock()
	facts, err := audit.Collect(ctx, audit.CollectOptions{Host: a.cfg.DockerHost})
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	byCheck := map[string]*api.AuditResult{}
	worst := map[string]int{}
	var order []string
	for _, f := range audit.Run(facts, audit.Options{}) {
		st := statusOrder[f.Status]
		r, ok := byCheck[f.ID]
		if !ok {
			r = &api.AuditResult{CheckID: f.ID, Title: f.Title}
			byCheck[f.ID] = r
			order = append(order, f.ID)
			worst[f.ID] = -1
		}
		if st > worst[f.ID] {
			worst[f.ID] = st
			r.Status = auditStatus(f.Status)
			r.Severity = f.Severity.String()
			r.Detail = truncate(f.Evidence, 1024)
			if f.Location.ContainerName != "" {
				r.Detail = truncate(f.Location.ContainerName+": "+f.Evidence, 1024)
			}
		}
	}
	body := api.Audit{Results: make([]api.AuditResult, 0, len(order))}
	for _, id := range order {
		body.Results = append(body.Results, *byCheck[id])
	}
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	return a.queue.Push(Item{Method: "PUT", Path: a.hostPath("/audit"), Body: data, Key: "audit"})
}

func auditStatus(s finding.Status) string {
	switch s {
	case finding.StatusFail:
		return "fail"
	case finding.StatusWarn:
		return "warn"
	case finding.StatusPass:
		return "pass"
	case finding.StatusInfo:
		return "info"
	}
	return "skip"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "..."
}

// deliver sends the queue until ctx ends, with backoff while the server
// does not answer.
func (a *Agent) deliver(ctx context.Context) {
	attempt := 0
	for ctx.Err() == nil {
		n, err := a.flush(ctx)
		wait := time.Duration(0)
		switch {
		case err != nil:
			attempt++
			wait = backoff(attempt)
			a.log.Warn("deliver", "err", err, "queued", a.queue.Len(), "retry_in", wait.Round(time.Millisecond))
		case n == 0:
			attempt = 0
			wait = time.Minute
		default:
			attempt = 0
		}
		if wait > 0 {
			select {
			case <-ctx.Done():
			case <-a.queue.wake:
				if err != nil {
					// New data does not shorten a backoff by much: the server is down.
					select {
					case <-ctx.Done():
					case <-time.After(wait / 2):
					}
				}
			case <-time.After(wait):
			}
		}
	}
}

// flush sends queued items, oldest first, until the queue is empty or one
// fails to go; it returns how many remain.
func (a *Agent) flush(ctx context.Context) (int, error) {
	for {
		it, name, err := a.queue.Peek()
		if errors.Is(err, errEmpty) {
			return 0, nil
		}
		if err != nil {
			return a.queue.Len(), err
		}
		code, err := a.do(ctx, it.Method, it.Path, it.Body)
		switch {
		case err != nil:
			return a.queue.Len(), err
		case code >= 200 && code < 300:
			a.queue.Remove(name)
			if strings.HasPrefix(it.Key, "image/") {
				a.mu.Lock()
				a.known[strings.TrimPrefix(it.Key, "image/")] = true
				a.mu.Unlock()
			}
		case code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code >= 500:
			return a.queue.Len(), fmt.Errorf("server answered %d", code)
		case code == http.StatusUnauthorized:
			return a.queue.Len(), errors.New("server refused the token (401): check --token")
		default:
			// 400, 403, 404, 413: resending cannot help; drop and count it.
			a.log.Error("server rejected a request; dropped", "path", it.Path, "status", code)
			a.queue.Remove(name)
			a.queue.mu.Lock()
			a.queue.addDropped(1)
			a.queue.mu.Unlock()
			a.mu.Lock()
			a.rejected++
			a.mu.Unlock()
		}
	}
}

// do sends one request and returns the status.
func (a *Agent) do(ctx context.Context, method, path string, body []byte) (int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.cfg.Server+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+a.cfg.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.cfg.HTTP.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// backoff returns the wait before retry attempt n: 1 s doubling to 60 s,
// with jitter so that a fleet does not retry in step.
func backoff(n int) time.Duration {
	d := time.Second << min(max(n-1, 0), 6)
	d = min(d, time.Minute)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}
