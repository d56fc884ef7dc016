package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/bulkhead-sec/bulkhead/internal/server/api"
	"github.com/bulkhead-sec/bulkhead/internal/store"
	"github.com/bulkhead-sec/bulkhead/internal/vulndb"
)

// receiver is a webhook target that passes each body to a channel and
// answers with the statuses of fail (then 200).
type receiver struct {
	bodies chan []byte
	hits   atomic.Int32
	fail   []int
	url    string
}

func newReceiver(t *testing.T, fail ...int) *receiver {
	r := &receiver{bodies: make(chan []byte, 100), fail: fail}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		n := int(r.hits.Add(1))
		b, _ := io.ReadAll(req.Body)
		if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
			t.Errorf("webhook got %s with content type %q", req.Method, req.Header.Get("Content-Type"))
		}
		if n <= len(r.fail) {
			w.WriteHeader(r.fail[n-1])
			return
		}
		r.bodies <- b
	}))
	t.Cleanup(ts.Close)
	r.url = ts.URL + "/hooks/T000/SECRETPATH"
	return r
}

func (r *receiver) next(t *testing.T) Event {
	t.Helper()
	select {
	case b := <-r.bodies:
		var ev Event
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatalf("body %s: %v", b, err)
		}
		return ev
	case <-time.After(20 * time.Second):
		t.Fatal("no notification arrived")
	}
	return Event{}
}

// critDB builds a vulnerability database with one CRITICAL npm advisory
// (evilpkg before 2.0.0).
func critDB(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	rec := `{"id":"GHSA-crit-test-0001","modified":"2026-01-01T00:00:00Z","aliases":["CVE-2099-0001"],"summary":"remote code execution",
"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
"database_specific":{"severity":"CRITICAL"},
"affected":[{"package":{"ecosystem":"npm","name":"evilpkg"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"2.0.0"}]}]}]}`
	if err := os.WriteFile(filepath.Join(dir, "GHSA-crit-test-0001.json"), []byte(rec), 0o644); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "osv.db")
	if _, err := vulndb.Import(context.Background(), p, dir); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestNotifyTriggers: each trigger (a new CRITICAL finding in a running
// image, a new alert at the threshold, an audit getting worse) notifies
// once, and a repeat of the same data notifies nothing.
func TestNotifyTriggers(t *testing.T) {
	rcv := newReceiver(t)
	n := NewNotifier(NotifierConfig{Webhooks: []Webhook{{URL: rcv.url}}, MinPriority: "ERROR", Backoff: time.Millisecond})
	t.Cleanup(n.Close)
	f := newFixture(t, Config{Notify: n})
	m := &Matcher{Store: f.st, DBPath: critDB(t), Notify: n}
	t.Cleanup(func() { m.Close() })
	f.srv.cfg.Queue = Inline{M: m}
	agent := f.tokens["agent"]
	must := func(method, path string, body any) {
		t.Helper()
		if code, b := f.do(method, path, agent, body); code != 200 {
			t.Fatalf("%s %s = %d %s", method, path, code, b)
		}
	}
	// A sentinel sent after each step must be the next body: nothing else
	// was queued before it.
	sentinel := func() {
		t.Helper()
		n.Send(Event{Kind: "sentinel"})
		if ev := rcv.next(t); ev.Kind != "sentinel" {
			t.Fatalf("unexpected notification %+v", ev)
		}
	}

	inv := api.Inventory{Name: "web-1", Containers: []api.Container{{ID: "c1", ImageRef: "shop:1", ImageDigest: digestA, State: "running"}}}
	must("PUT", "/api/v1/agent/hosts/h1/inventory", inv)
	// An image that runs nowhere notifies nothing.
	must("PUT", "/api/v1/agent/hosts/h1/images/"+digestB, api.SBOM{Refs: []string{"idle:1"}, SBOM: cdx("evilpkg@1.0.0")})
	sentinel()

	must("PUT", "/api/v1/agent/hosts/h1/images/"+digestA, api.SBOM{Refs: []string{"shop:1"}, SBOM: cdx("evilpkg@1.0.0", "left-pad@1.3.0")})
	ev := rcv.next(t)
	if ev.Kind != EventFinding || ev.Image != digestA || len(ev.Hosts) != 1 || ev.Hosts[0] != "h1" || len(ev.Findings) != 1 ||
		ev.Findings[0].VulnID != "GHSA-crit-test-0001" || ev.Findings[0].Severity != "CRITICAL" || !strings.Contains(ev.Summary, "shop:1") {
		t.Fatalf("finding notification = %+v", ev)
	}
	// The same SBOM again, and a rematch: no new finding.
	must("PUT", "/api/v1/agent/hosts/h1/images/"+digestA, api.SBOM{Refs: []string{"shop:1"}, SBOM: cdx("evilpkg@1.0.0", "left-pad@1.3.0")})
	if _, err := m.MatchImage(context.Background(), digestA); err != nil {
		t.Fatal(err)
	}
	sentinel()

	// Audit: the first is no worsening; the same again neither; one more
	// failing check is.
	audit := func(fails ...string) api.Audit {
		a := api.Audit{Results: []api.AuditResult{{CheckID: "1.1", Status: "pass"}}}
		for _, c := range fails {
			a.Results = append(a.Results, api.AuditResult{CheckID: c, Status: "fail", Title: "check " + c})
		}
		return a
	}
	must("PUT", "/api/v1/agent/hosts/h1/audit", audit("2.1"))
	must("PUT", "/api/v1/agent/hosts/h1/audit", audit("2.1"))
	sentinel()
	must("PUT", "/api/v1/agent/hosts/h1/audit", audit("2.1", "5.4"))
	ev = rcv.next(t)
	if ev.Kind != EventAudit || ev.Host != "h1" || ev.FailedBefore != 1 || ev.FailedNow != 2 || len(ev.NewlyFailing) != 1 || ev.NewlyFailing[0].CheckID != "5.4" {
		t.Fatalf("audit notification = %+v", ev)
	}
	must("PUT", "/api/v1/agent/hosts/h1/audit", audit("2.1", "5.4"))
	must("PUT", "/api/v1/agent/hosts/h1/audit", audit("5.4")) // better
	sentinel()

	// Alerts: WARNING is under the threshold; CRITICAL is notified once.
	const tok = "ghp_" + "u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d"
	alerts := api.Alerts{Alerts: []api.Alert{
		{ID: "a1", Time: "2026-01-01T00:00:00Z", Rule: "Terminal shell in container", Priority: "WARNING"},
		{ID: "a2", Time: "2026-01-01T00:00:01Z", Rule: "Read sensitive file untrusted", Priority: "CRITICAL", ContainerID: "c1",
			Output: "curl -H 'Authorization: token " + tok + "' read /etc/shadow"},
	}}
	must("POST", "/api/v1/agent/hosts/h1/alerts", alerts)
	ev = rcv.next(t)
	if ev.Kind != EventAlert || ev.Alert == nil || ev.Alert.ID != "a2" || ev.Host != "h1" {
		t.Fatalf("alert notification = %+v", ev)
	}
	if strings.Contains(ev.Alert.Output, tok) || !strings.Contains(ev.Alert.Output, "/etc/shadow") {
		t.Errorf("alert output not redacted: %q", ev.Alert.Output)
	}
	must("POST", "/api/v1/agent/hosts/h1/alerts", alerts) // the agent's resend
	sentinel()
}

func TestNotifyKEV(t *testing.T) {
	rcv := newReceiver(t)
	n := NewNotifier(NotifierConfig{Webhooks: []Webhook{{URL: rcv.url}}})
	t.Cleanup(n.Close)
	high := store.Finding{VulnID: "CVE-1", PackageName: "p", PackageVersion: "1", Severity: "HIGH"}
	kev := high
	kev.KEV = true
	n.Findings(digestA, nil, []string{"h1"}, nil, []store.Finding{high}) // HIGH, not KEV: nothing
	n.Findings(digestA, nil, []string{"h1"}, []store.Finding{high}, []store.Finding{kev})
	ev := rcv.next(t)
	if ev.Kind != EventFinding || len(ev.Findings) != 1 || !ev.Findings[0].KEV {
		t.Fatalf("KEV notification = %+v", ev)
	}
	n.Findings(digestA, nil, []string{"h1"}, []store.Finding{kev}, []store.Finding{kev})
	n.Send(Event{Kind: "sentinel"})
	if ev := rcv.next(t); ev.Kind != "sentinel" {
		t.Fatalf("a known KEV finding notified again: %+v", ev)
	}
}

func TestNotifyRetries(t *testing.T) {
	rcv := newReceiver(t, 500, 503)
	reg := prometheus.NewRegistry()
	n := NewNotifier(NotifierConfig{Webhooks: []Webhook{{URL: rcv.url}}, Backoff: time.Millisecond, Registry: reg})
	t.Cleanup(n.Close)
	n.Send(Event{Kind: EventAudit, Summary: "x"})
	if ev := rcv.next(t); ev.Summary != "x" {
		t.Fatalf("got %+v", ev)
	}
	if h := rcv.hits.Load(); h != 3 {
		t.Errorf("%d requests, want 3 (two 5xx, then 200)", h)
	}

	// A target that always fails: Attempts requests, then given up.
	bad := newReceiver(t, 500, 500, 500, 500, 500, 500)
	n2 := NewNotifier(NotifierConfig{Webhooks: []Webhook{{URL: bad.url}}, Backoff: time.Millisecond, Attempts: 2})
	n2.Send(Event{Kind: EventAudit})
	n2.Send(Event{Kind: EventAudit})
	deadline := time.Now().Add(20 * time.Second)
	for testutil.ToFloat64(n2.sent.WithLabelValues(n2.targets[0].name, EventAudit, "failed")) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	n2.Close()
	if h := bad.hits.Load(); h != 4 {
		t.Errorf("%d requests, want 4 (2 events × 2 attempts)", h)
	}
	// A 4xx other than 429 is not retried.
	gone := newReceiver(t, 404, 404)
	n3 := NewNotifier(NotifierConfig{Webhooks: []Webhook{{URL: gone.url}}, Backoff: time.Millisecond})
	n3.Send(Event{Kind: EventAudit})
	n3.Send(Event{Kind: "sentinel"})
	for gone.hits.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	n3.Close()
	if h := gone.hits.Load(); h != 2 {
		t.Errorf("%d requests, want 2 (a 404 is not retried)", h)
	}
}

// TestNotifyRateLimitAndQueue: over the rate limit events wait in the
// bounded queue; past it they are dropped and counted, and Send never
// blocks.
func TestNotifyRateLimitAndQueue(t *testing.T) {
	rcv := newReceiver(t)
	reg := prometheus.NewRegistry()
	n := NewNotifier(NotifierConfig{Webhooks: []Webhook{{URL: rcv.url}}, PerMinute: 1, Burst: 1, Queue: 1, Registry: reg})
	n.Send(Event{Kind: EventAudit})
	rcv.next(t)
	for range 4 {
		n.Send(Event{Kind: EventAudit})
	}
	dropped := testutil.ToFloat64(n.dropped.WithLabelValues(n.targets[0].name))
	if dropped < 2 || dropped > 3 {
		t.Errorf("dropped %v of 4 events, want 2 or 3 (1 waiting for the rate limit, at most 1 queued)", dropped)
	}
	n.Close()
	if h := rcv.hits.Load(); h != 1 {
		t.Errorf("%d deliveries within the rate limit of 1/min, want 1", h)
	}
	// The metric names the target by scheme and host, never its path.
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if strings.Contains(l.GetValue(), "SECRETPATH") {
					t.Errorf("%s has the webhook's path in label %s", mf.GetName(), l.GetName())
				}
				if l.GetName() == "target" && strings.HasPrefix(l.GetValue(), "http://127.0.0.1:") {
					found = true
				}
			}
		}
	}
	if !found {
		t.Error("no target label of scheme://host")
	}
}

func TestSlackBody(t *testing.T) {
	ev := Event{Kind: EventFinding, Summary: "1 new findings in shop:1 <script>", Image: digestA,
		Findings: []store.Finding{{VulnID: "CVE-2099-0001", PackageName: "evilpkg", PackageVersion: "1.0.0", Severity: "CRITICAL", KEV: true, FixedVersion: "2.0.0"}}}
	b, err := Body(FormatSlack, ev)
	if err != nil {
		t.Fatal(err)
	}
	var msg struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type string `json:"type"`
			Text struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"text"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(b, &msg); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg.Text, "shop:1 &lt;script&gt;") || len(msg.Blocks) != 2 || msg.Blocks[0].Type != "header" ||
		msg.Blocks[0].Text.Type != "plain_text" || msg.Blocks[1].Type != "section" || msg.Blocks[1].Text.Type != "mrkdwn" ||
		!strings.Contains(msg.Blocks[1].Text.Text, "CVE-2099-0001 *KEV* in evilpkg 1.0.0, fixed in 2.0.0") {
		t.Fatalf("slack body: %s", b)
	}
	for _, kind := range []Event{
		{Kind: EventAlert, Summary: "a", Alert: &store.Alert{Rule: "r", Priority: "CRITICAL", Output: "o"}},
		{Kind: EventAudit, Summary: "b", NewlyFailing: []store.AuditResult{{CheckID: "5.4", Title: "t"}}},
	} {
		b, err := Body(FormatSlack, kind)
		if err != nil || !json.Valid(b) || !strings.Contains(string(b), `"section"`) {
			t.Errorf("%s: %s %v", kind.Kind, b, err)
		}
	}
}

func TestParseWebhook(t *testing.T) {
	for in, want := range map[string]Webhook{
		"https://example.com/h":                             {URL: "https://example.com/h", Format: FormatJSON},
		"json=http://10.0.0.1:8080/x?a=b":                   {URL: "http://10.0.0.1:8080/x?a=b", Format: FormatJSON},
		"slack=https://hooks.slack.com/services/T/B/SECRET": {URL: "https://hooks.slack.com/services/T/B/SECRET", Format: FormatSlack},
	} {
		got, err := ParseWebhook(in)
		if err != nil || got != want {
			t.Errorf("ParseWebhook(%q) = %+v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "ftp://x/y", "slack=", "teams=https://x/SECRET", "https:///nohost"} {
		if _, err := ParseWebhook(bad); err == nil || strings.Contains(err.Error(), "SECRET") {
			t.Errorf("ParseWebhook(%q) = %v", bad, err)
		}
	}
}
