package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/store"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
	"github.com/bulkhead-sec/bulkhead/internal/testfixture/langroot"
)

// fleetImage imports a root filesystem holding the helper binary and the
// npm packages pkgs ("name@version") as image name.
func fleetImage(t *testing.T, helper, name string, pkgs ...string) {
	t.Helper()
	root := t.TempDir()
	b, err := os.ReadFile(helper)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "helper"), b, 0o755)
	for _, p := range pkgs {
		n, v, _ := strings.Cut(p, "@")
		dir := filepath.Join(root, "app", "node_modules", n)
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"`+n+`","version":"`+v+`"}`), 0o644)
	}
	imp := exec.Command("docker", "import", "-", name)
	stdin, err := imp.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	imp.Stdout, imp.Stderr = &out, &out
	if err := imp.Start(); err != nil {
		t.Fatal(err)
	}
	werr := langroot.Tar(root, stdin)
	stdin.Close()
	if err := imp.Wait(); err != nil || werr != nil {
		t.Fatalf("docker import %s: %v %v\n%s", name, err, werr, out.String())
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", name).Run() })
}

func dockerRun(t *testing.T, name, image string) {
	t.Helper()
	if out, err := exec.Command("docker", "run", "-d", "--name", name, image, "/helper", "sleep").CombinedOutput(); err != nil {
		t.Fatalf("docker run: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", name).Run() })
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := run(t, args...)
	if code != 0 {
		t.Fatalf("bulkhead %s: exit %d\n%s", strings.Join(args, " "), code, errs)
	}
	return out
}

// TestAgentsAndServer runs a server and two agents (two host ids on the one
// daemon) as separate processes, with images and containers made here; the
// server is killed while a container starts and restarted: the agents'
// queues deliver what happened meanwhile.
func TestAgentsAndServer(t *testing.T) {
	testenv.RequireDocker(t)
	testenv.RequireRoot(t) // the audit reads root-only files
	var rb [4]byte
	rand.Read(rb[:])
	tag := "fleet-agent-" + hex.EncodeToString(rb[:])
	helper := filepath.Join(t.TempDir(), "helper")
	build := exec.Command("go", "build", "-o", helper, "./testdata/helper")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build helper: %v\n%s", err, out)
	}
	fleetImage(t, helper, tag+":1", "lodash@4.17.20", "left-pad@1.3.0")
	fleetImage(t, helper, tag+":2", "lodash@4.17.21")
	dockerRun(t, tag+"-one", tag+":1")

	work := t.TempDir()
	vuln := filepath.Join(work, "osv.db")
	mustRun(t, "db", "import", "--db", vuln, filepath.Join(testenv.RepoRoot(t), "examples", "osv"))
	dbURL := "sqlite://" + filepath.Join(work, "fleet.db")
	read := strings.TrimSpace(mustRun(t, "token", "create", "--database", dbURL, "--scope", "read"))
	agentTok := []string{
		strings.TrimSpace(mustRun(t, "token", "create", "--database", dbURL, "--scope", "agent", "--name", "h1")),
		strings.TrimSpace(mustRun(t, "token", "create", "--database", dbURL, "--scope", "agent", "--name", "h2")),
	}
	addr := freeAddr(t)
	base := "http://" + addr
	serve := func() *proc {
		p := startBulkhead(t, nil, "serve", "--addr", addr, "--database", dbURL, "--db", vuln, "--rematch-interval", "1h")
		waitUntil(t, "the server", time.Minute, func() bool { c, _ := httpGet(t, base+"/healthz", ""); return c == 200 })
		return p
	}
	srv := serve()
	env := []string{"XDG_CACHE_HOME=" + filepath.Join(work, "cache")}
	var agents []*proc
	for i, host := range []string{"fleet-h1", "fleet-h2"} {
		agents = append(agents, startBulkhead(t, append(env, "BULKHEAD_TOKEN="+agentTok[i]), "agent", "--server", base,
			"--host-id", host, "--queue-dir", filepath.Join(work, "queue-"+host), "--filter", "name="+tag, "--resync", "3s"))
	}

	type searchResult struct {
		Running int
		Hits    []store.Hit
	}
	search := func(q string) searchResult {
		var r searchResult
		if c, body := httpGet(t, base+"/api/v1/search?q="+q, read); c == 200 {
			json.Unmarshal([]byte(body), &r)
		}
		return r
	}
	hostsRunning := func(r searchResult) map[string]bool {
		m := map[string]bool{}
		for _, h := range r.Hits {
			if h.ContainerID != "" {
				m[h.HostID] = true
			}
		}
		return m
	}
	waitUntil(t, "the CVE running on both hosts", 3*time.Minute, func() bool {
		m := hostsRunning(search("CVE-2021-23337"))
		return m["fleet-h1"] && m["fleet-h2"]
	})

	// Kill the server; a second container starts meanwhile.
	srv.cmd.Process.Signal(syscall.SIGKILL)
	srv.cmd.Wait()
	dockerRun(t, tag+"-two", tag+":2")
	waitUntil(t, "both agents to queue while the server is down", 2*time.Minute, func() bool {
		for _, host := range []string{"fleet-h1", "fleet-h2"} {
			items, _ := filepath.Glob(filepath.Join(work, "queue-"+host, "*.item"))
			if len(items) == 0 {
				return false
			}
		}
		return true
	})
	serve()
	waitUntil(t, "the second container on both hosts", 3*time.Minute, func() bool {
		r := search("lodash")
		seen := map[string]int{}
		for _, h := range r.Hits {
			if h.PackageVersion == "4.17.21" && h.ContainerID != "" {
				seen[h.HostID]++
			}
		}
		return seen["fleet-h1"] == 1 && seen["fleet-h2"] == 1
	})
	// The hosts carry their audit, and the queues drain.
	waitUntil(t, "audits and empty queues", 2*time.Minute, func() bool {
		_, body := httpGet(t, base+"/api/v1/hosts", read)
		var hs struct{ Hosts []store.Host }
		json.Unmarshal([]byte(body), &hs)
		if len(hs.Hosts) != 2 {
			return false
		}
		for _, h := range hs.Hosts {
			if h.AuditPassed+h.AuditFailed == 0 || h.Containers != 2 {
				return false
			}
		}
		for _, host := range []string{"fleet-h1", "fleet-h2"} {
			if items, _ := filepath.Glob(filepath.Join(work, "queue-"+host, "*.item")); len(items) != 0 {
				return false
			}
		}
		return true
	})
	// A third host with --once: one round, exit 0 once delivered.
	third := strings.TrimSpace(mustRun(t, "token", "create", "--database", dbURL, "--scope", "agent"))
	cmd := exec.Command("bulkhead", "agent", "--server", base, "--host-id", "fleet-h3", "--once", "--no-audit",
		"--queue-dir", filepath.Join(work, "queue-h3"), "--filter", "name="+tag, "--timeout", "2m")
	cmd.Env = append(os.Environ(), append(env, "BULKHEAD_TOKEN="+third)...)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "delivered") {
		t.Fatalf("agent --once: %v\n%s", err, out)
	}
	if m := hostsRunning(search("CVE-2021-23337")); !m["fleet-h3"] {
		t.Errorf("after --once, the CVE runs on %v; want fleet-h3 among them", m)
	}
	// Agent 1's token is bound to fleet-h1: it cannot write fleet-h2.
	cmd = exec.Command("bulkhead", "agent", "--server", base, "--host-id", "fleet-h2", "--once", "--no-audit",
		"--queue-dir", filepath.Join(work, "queue-bad"), "--filter", "name="+tag, "--timeout", "20s")
	cmd.Env = append(os.Environ(), append(env, "BULKHEAD_TOKEN="+agentTok[0])...)
	out, err := cmd.CombinedOutput()
	if !strings.Contains(string(out), "status=403") || err == nil {
		t.Errorf("agent with h1's token as fleet-h2: %v; want exit 1 and the 403 logged\n%s", err, out)
	}
	for _, a := range agents {
		if strings.Contains(a.output(), "panic") {
			t.Errorf("agent panicked:\n%s", a.output())
		}
	}
}
