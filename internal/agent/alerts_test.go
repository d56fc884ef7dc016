package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/rules"
	"github.com/bulkhead-sec/bulkhead/internal/server"
	"github.com/bulkhead-sec/bulkhead/internal/server/api"
	"github.com/bulkhead-sec/bulkhead/internal/store"
)

// TestAlertsReachTheServer: alerts of the runtime pipeline are batched into
// the on-disk queue and stored once by a real server, even when a batch
// is delivered twice.
func TestAlertsReachTheServer(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "fleet.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	agentTok, _, _ := st.CreateToken(ctx, store.ScopeAgent, "a")
	readTok, _, _ := st.CreateToken(ctx, store.ScopeRead, "r")
	ts := httptest.NewServer(server.New(server.Config{Store: st}).Handler())
	defer ts.Close()

	a, err := New(ctx, Config{Server: ts.URL, Token: agentTok, HostID: "h1", HostName: "h1",
		DockerHost: "unix:///nonexistent.sock", QueueDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range alertBatch + 2 {
		pr := rules.PriorityWarning
		if i == 0 {
			pr = rules.PriorityCritical
		}
		a.SendAlert(rules.Alert{Rule: "Sensitive file read", Priority: pr, Time: when, ContainerID: "c0ffee",
			Output: "read /etc/shadow", OutputFields: map[string]any{"fd.name": "/etc/shadow", "proc.pid": int64(42), "user.name": nil}})
	}
	if err := a.queueAlerts(); err != nil {
		t.Fatal(err)
	}
	if n := a.queue.Len(); n != 2 {
		t.Fatalf("%d queued requests, want 2 batches (%d alerts at most each)", n, alertBatch)
	}
	// The first batch goes twice (a delivery whose answer was lost).
	it, _, err := a.queue.Peek()
	if err != nil {
		t.Fatal(err)
	}
	if code, err := a.do(ctx, it.Method, it.Path, it.Body); err != nil || code != 200 {
		t.Fatalf("first delivery: %d %v", code, err)
	}
	if n, err := a.flush(ctx); err != nil || n != 0 {
		t.Fatalf("flush: %d left, %v", n, err)
	}
	req, _ := http.NewRequest("GET", ts.URL+"/api/v1/alerts?limit=10000", nil)
	req.Header.Set("Authorization", "Bearer "+readTok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct{ Alerts []store.Alert }
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if len(got.Alerts) != alertBatch+2 {
		t.Fatalf("server holds %d alerts, want %d", len(got.Alerts), alertBatch+2)
	}
	crit := 0
	for _, al := range got.Alerts {
		if al.HostID != "h1" || al.Rule != "Sensitive file read" || al.ContainerID != "c0ffee" || !al.At.Equal(when) ||
			al.Fields["fd.name"] != "/etc/shadow" || al.Fields["proc.pid"] != "42" {
			t.Fatalf("alert %+v", al)
		}
		if _, ok := al.Fields["user.name"]; ok {
			t.Errorf("a field without value was sent: %+v", al.Fields)
		}
		if al.Priority == "CRITICAL" {
			crit++
		}
	}
	if crit != 1 {
		t.Errorf("%d CRITICAL alerts, want 1", crit)
	}
}

// TestAlertBufferBounded: past alertPending waiting alerts, new ones are
// dropped and counted, never queued without bound.
func TestAlertBufferBounded(t *testing.T) {
	a, err := New(context.Background(), Config{Server: "http://127.0.0.1:1", Token: "x", HostID: "h1", HostName: "h1",
		DockerHost: "unix:///nonexistent.sock", QueueDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for range alertPending + 7 {
		a.SendAlert(rules.Alert{Rule: "r", Priority: rules.PriorityNotice})
	}
	if d := a.AlertsDropped(); d != 7 {
		t.Errorf("dropped %d, want 7", d)
	}
	var body api.Alerts
	if err := a.queueAlerts(); err != nil {
		t.Fatal(err)
	}
	it, _, _ := a.queue.Peek()
	json.Unmarshal(it.Body, &body)
	if len(body.Alerts) != alertBatch || body.Alerts[0].Time == "" {
		t.Errorf("first batch: %d alerts, time %q", len(body.Alerts), body.Alerts[0].Time)
	}
}

// TestAlertBatchBytes: big alerts are split into batches the server takes.
func TestAlertBatchBytes(t *testing.T) {
	a, err := New(context.Background(), Config{Server: "http://127.0.0.1:1", Token: "x", HostID: "h1", HostName: "h1",
		DockerHost: "unix:///nonexistent.sock", QueueDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	big := strings.Repeat("x", 8192)
	fields := map[string]any{}
	for i := range 64 {
		fields[fmt.Sprintf("f%02d", i)] = strings.Repeat("\"", 1024) // JSON doubles each
	}
	for range alertBatch {
		a.SendAlert(rules.Alert{Rule: "r", Priority: rules.PriorityNotice, Output: big, OutputFields: fields})
	}
	if err := a.queueAlerts(); err != nil {
		t.Fatal(err)
	}
	total := 0
	for a.queue.Len() > 0 {
		it := pop(t, a.queue)
		if len(it.Body) > int(api.MaxBody) {
			t.Fatalf("a batch of %d bytes exceeds the server's limit of %d", len(it.Body), api.MaxBody)
		}
		var b api.Alerts
		json.Unmarshal(it.Body, &b)
		total += len(b.Alerts)
	}
	if total != alertBatch {
		t.Errorf("%d alerts queued, want %d", total, alertBatch)
	}
}
