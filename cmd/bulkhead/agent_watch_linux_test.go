//go:build linux

package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/store"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// TestAgentWatch runs `bulkhead serve` (with a webhook) and `bulkhead agent
// --watch` as processes; a container reads /etc/shadow: the default rule's
// alert reaches GET /api/v1/alerts through the agent's queue, and the
// server's webhook is told once.
func TestAgentWatch(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireDocker(t)

	root := t.TempDir()
	helper := filepath.Join(t.TempDir(), "helper")
	build := exec.Command("go", "build", "-o", helper, "./testdata/helper")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build helper: %v\n%s", err, out)
	}
	os.MkdirAll(filepath.Join(root, "bin"), 0o755)
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	b, _ := os.ReadFile(helper)
	os.WriteFile(filepath.Join(root, "helper"), b, 0o755)
	os.WriteFile(filepath.Join(root, "bin", "sh"), b, 0o755)
	os.WriteFile(filepath.Join(root, "etc", "shadow"), []byte("root:*:19000:0:99999:7:::\n"), 0o640)
	image := dockerImport(t, root)
	name := "fleet2-agentwatch-" + strings.TrimPrefix(image, "bulkhead-e2e:")
	if out, err := exec.Command("docker", "run", "-d", "--name", name, image, "/helper", "sleep").CombinedOutput(); err != nil {
		t.Fatalf("docker run: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", name).Run() })

	var mu sync.Mutex
	var hooks []map[string]any
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev map[string]any
		json.Unmarshal(body, &ev)
		mu.Lock()
		hooks = append(hooks, ev)
		mu.Unlock()
	}))
	defer rcv.Close()

	work := t.TempDir()
	dbURL := "sqlite://" + filepath.Join(work, "fleet.db")
	read := strings.TrimSpace(mustRun(t, "token", "create", "--database", dbURL, "--scope", "read"))
	agentTok := strings.TrimSpace(mustRun(t, "token", "create", "--database", dbURL, "--scope", "agent"))
	addr := freeAddr(t)
	base := "http://" + addr
	startBulkhead(t, nil, "serve", "--addr", addr, "--database", dbURL, "--db", filepath.Join(work, "none.db"),
		"--rematch-interval", "1h", "--webhook", "json="+rcv.URL+"/hook", "--notify-priority", "WARNING")
	waitUntil(t, "the server", time.Minute, func() bool { c, _ := httpGet(t, base+"/healthz", ""); return c == 200 })
	ag := startBulkhead(t, []string{"BULKHEAD_TOKEN=" + agentTok, "XDG_CACHE_HOME=" + filepath.Join(work, "cache")},
		"agent", "--server", base, "--host-id", "fleet2-watch", "--queue-dir", filepath.Join(work, "queue"),
		"--no-audit", "--filter", "name="+name, "--watch", "--sensor", "bpf")
	waitUntil(t, "the sensor", time.Minute, func() bool { return strings.Contains(ag.output(), "eBPF sensor") })
	time.Sleep(500 * time.Millisecond)
	if out, err := exec.Command("docker", "exec", name, "/helper", "spawn", "/bin/sh", "read", "/etc/shadow").CombinedOutput(); err != nil {
		t.Fatalf("docker exec: %v\n%s", err, out)
	}
	var got []store.Alert
	waitUntil(t, "the alert on the server", time.Minute, func() bool {
		_, body := httpGet(t, base+"/api/v1/alerts?host=fleet2-watch", read)
		var r struct{ Alerts []store.Alert }
		json.Unmarshal([]byte(body), &r)
		got = nil
		for _, a := range r.Alerts {
			if a.Rule == "Sensitive file read" {
				got = append(got, a)
			}
		}
		return len(got) > 0
	})
	a := got[0]
	if a.ContainerID == "" || !strings.Contains(a.Output, "/etc/shadow") || a.Priority != "WARNING" {
		t.Errorf("alert %+v", a)
	}
	cid := strings.TrimSpace(mustDocker(t, "inspect", "-f", "{{.Id}}", name))
	if !strings.HasPrefix(cid, a.ContainerID) {
		t.Errorf("alert container %q, want the container %s", a.ContainerID, cid)
	}
	waitUntil(t, "the webhook", time.Minute, func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, h := range hooks {
			if h["event"] == "alert" && strings.Contains(h["summary"].(string), "Sensitive file read") {
				return true
			}
		}
		return false
	})
	if strings.Contains(ag.output(), "panic") {
		t.Errorf("agent:\n%s", ag.output())
	}
}

func mustDocker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %v: %v\n%s", args, err, out)
	}
	return string(out)
}
