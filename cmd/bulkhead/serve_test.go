package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/server"
	"github.com/bulkhead-sec/bulkhead/internal/store"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
	"github.com/bulkhead-sec/bulkhead/internal/testfixture/postgres"
)

// proc is a bulkhead process started by a test, killed when it ends.
type proc struct {
	cmd *exec.Cmd
	mu  sync.Mutex
	out strings.Builder
}

func (p *proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// startBulkhead runs the bulkhead binary (testscript puts it on PATH) in
// the background.
func startBulkhead(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command("bulkhead", args...)}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p, p
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		p.cmd.Wait()
		if t.Failed() {
			t.Logf("bulkhead %s:\n%s", strings.Join(args, " "), p.output())
		}
	})
	return p
}

func waitUntil(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// bigSBOM returns a CycloneDX SBOM of n npm packages, lodash 4.17.20 among them.
func bigSBOM(n, salt int) []byte {
	var b strings.Builder
	b.WriteString(`{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[`)
	b.WriteString(`{"type":"library","name":"lodash","version":"4.17.20","purl":"pkg:npm/lodash@4.17.20"}`)
	for i := range n - 1 {
		fmt.Fprintf(&b, `,{"type":"library","name":"pkg-%d-%d","version":"1.0.%d","purl":"pkg:npm/pkg-%d-%d@1.0.%d"}`, salt, i, i, salt, i, i)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// TestWorkersShareJobs runs two `bulkhead serve --role worker` processes on
// one PostgreSQL database: they split a batch of match jobs, and the jobs a
// killed worker was running are retried by the other.
func TestWorkersShareJobs(t *testing.T) {
	cluster := postgres.Start(t)
	dbURL := cluster.NewDatabase(t)
	ctx := context.Background()
	vuln := filepath.Join(t.TempDir(), "osv.db")
	if code, _, errs := run(t, "db", "import", "--db", vuln, filepath.Join(testenv.RepoRoot(t), "examples", "osv")); code != 0 {
		t.Fatalf("db import: %s", errs)
	}
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// B starts first and leads (River's maintenance, the rescue of stuck
	// jobs among it, runs on the leader).
	worker := func(id string) *proc {
		return startBulkhead(t, nil, "serve", "--role", "worker", "--database", dbURL, "--db", vuln, "--id", id,
			"--workers", "2", "--job-timeout", "5s", "--rescue-after", "6s", "--rematch-interval", "1h")
	}
	b := worker("worker-b")
	waitUntil(t, "worker-b to lead", time.Minute, func() bool {
		var leader string
		st.DB().QueryRowContext(ctx, `SELECT leader_id FROM river_leader`).Scan(&leader)
		return leader == "worker-b"
	})
	a := worker("worker-a")
	waitUntil(t, "worker-a to start", time.Minute, func() bool { return strings.Contains(a.output(), "working") })

	const n = 24
	jobs, err := server.NewJobs(ctx, st, nil, server.JobsConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer jobs.Stop(ctx)
	digests := make([]string, n)
	for i := range n {
		digests[i] = fmt.Sprintf("sha256:%064x", i+1)
		if _, err := st.PutImage(ctx, store.Image{Digest: digests[i]}, bigSBOM(8000, i), nil); err != nil {
			t.Fatal(err)
		}
		if err := jobs.Enqueue(ctx, server.MatchArgs{Digest: digests[i]}); err != nil {
			t.Fatal(err)
		}
	}
	// Kill worker-a while it runs a job.
	runningOnA := func() []int64 {
		rows, err := st.DB().QueryContext(ctx, `SELECT id FROM river_job WHERE state = 'running' AND attempted_by[array_length(attempted_by, 1)] = 'worker-a'`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ids []int64
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			ids = append(ids, id)
		}
		return ids
	}
	waitUntil(t, "worker-a to run a job", 2*time.Minute, func() bool {
		if len(runningOnA()) > 0 {
			a.cmd.Process.Signal(syscall.SIGKILL)
			return true
		}
		return false
	})
	a.cmd.Wait()
	// The jobs it had not finished when it died (one it completed between
	// the query and the kill is not among them).
	killed := runningOnA()
	if len(killed) == 0 {
		t.Fatal("worker-a finished every job it held in the instant before it was killed; nothing to rescue")
	}
	waitUntil(t, "every job to complete", 3*time.Minute, func() bool {
		var left int
		st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'bulkhead.match' AND state <> 'completed'`).Scan(&left)
		return left == 0
	})
	t.Logf("killed worker-a while it ran jobs %v", killed)
	by := map[string]int{}
	rows, err := st.DB().QueryContext(ctx, `SELECT id, array_to_string(attempted_by, ',') FROM river_job WHERE kind = 'bulkhead.match'`)
	if err != nil {
		t.Fatal(err)
	}
	attempts := map[int64]string{}
	for rows.Next() {
		var id int64
		var who string
		rows.Scan(&id, &who)
		attempts[id] = who
		for _, w := range strings.Split(who, ",") {
			by[w]++
		}
	}
	rows.Close()
	t.Logf("attempts by worker: %v", by)
	if by["worker-a"] == 0 || by["worker-b"] == 0 {
		t.Errorf("jobs attempted by %v; want both workers", by)
	}
	for _, id := range killed {
		if !strings.HasPrefix(attempts[id], "worker-a,") || !strings.Contains(attempts[id], "worker-b") {
			t.Errorf("job %d, running on the killed worker, was attempted by %q; want worker-a then worker-b", id, attempts[id])
		}
	}
	for _, d := range digests {
		fs, err := st.Findings(ctx, d)
		if err != nil || len(fs) != 1 {
			t.Errorf("findings of %s = %d, %v; want lodash's", d, len(fs), err)
		}
	}
	_ = b
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func httpGet(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var _ = json.Marshal
