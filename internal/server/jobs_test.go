package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/server/api"
	"github.com/bulkhead-sec/bulkhead/internal/store"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
	"github.com/bulkhead-sec/bulkhead/internal/testfixture/postgres"
	"github.com/bulkhead-sec/bulkhead/internal/vulndb"
)

// waitFor polls cond until it holds or a minute passes: a readiness wait,
// not a timing assertion.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// leftPadRecord is an advisory the example database lacks, added by the
// "update" in TestJobsMatchAndRematch.
const leftPadRecord = `{"schema_version": "1.6.0", "id": "GHSA-test-left-padd", "modified": "2026-01-01T00:00:00Z",
  "aliases": ["CVE-2099-0001"], "summary": "test advisory for left-pad",
  "database_specific": {"severity": "CRITICAL"},
  "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"},
    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.3.1"}]}]}]}`

func TestJobsMatchAndRematch(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := store.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "fleet.db"))
		if err != nil {
			t.Fatal(err)
		}
		testJobs(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		c := postgres.Start(t)
		st, err := store.Open(context.Background(), c.NewDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		testJobs(t, st)
	})
}

func testJobs(t *testing.T, st *store.Store) {
	ctx := context.Background()
	t.Cleanup(func() { st.Close() })
	dbPath := vulnDB(t)
	m := &Matcher{Store: st, DBPath: dbPath}
	t.Cleanup(func() { m.Close() })
	jobs, err := NewJobs(ctx, st, m, JobsConfig{Work: true, ID: "test", RematchEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := jobs.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		jobs.Stop(sctx)
	})
	f := &fixture{t: t, st: st, tokens: map[string]string{}}
	f.srv = New(Config{Store: st, Queue: jobs})
	ts := newTestServer(t, f.srv)
	f.ts = ts
	tok, _, _ := st.CreateToken(ctx, store.ScopeAgent, "a")
	code, body := f.do("PUT", "/api/v1/agent/hosts/h1/images/"+digestA, tok, api.SBOM{SBOM: cdx("lodash@4.17.20", "left-pad@1.3.0")})
	if code != 200 || !decodeBody[api.Accepted](t, body).Queued {
		t.Fatalf("PUT SBOM = %d %s; want queued", code, body)
	}
	findings := func() []store.Finding {
		fs, _ := st.Findings(ctx, digestA)
		return fs
	}
	waitFor(t, "the match job", func() bool { return len(findings()) == 1 })

	// New data: an advisory for left-pad 1.3.0. The rematch finds it and
	// records it as new, without the SBOM being sent again.
	src := t.TempDir()
	copyTree(t, filepath.Join(testenv.RepoRoot(t), "examples", "osv"), src)
	if err := os.WriteFile(filepath.Join(src, "npm", "GHSA-test-left-padd.json"), []byte(leftPadRecord), 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // a later build time than the first database (milliseconds are stored)
	if _, err := vulndb.Import(ctx, dbPath, src); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Enqueue(ctx, RematchArgs{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the rematch", func() bool { return len(findings()) == 2 })
	cs, err := st.Changes(ctx, time.Now().Add(-time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].VulnID != "GHSA-test-left-padd" || cs[0].Change != store.ChangeNew || cs[0].Severity != "CRITICAL" {
		t.Errorf("changes = %+v; want the left-pad advisory, new, CRITICAL", cs)
	}
	hits, _ := st.SearchVuln(ctx, "CVE-2099-0001")
	if len(hits) != 1 {
		t.Errorf("search of the new CVE = %+v", hits)
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestQueueDepthMetric: jobs queued by an API-only process (no workers)
// show as available in bulkhead_server_jobs.
func TestQueueDepthMetric(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		testQueueDepth(t, "sqlite://"+filepath.Join(t.TempDir(), "fleet.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		testQueueDepth(t, postgres.Start(t).NewDatabase(t))
	})
}

func testQueueDepth(t *testing.T, url string) {
	ctx := context.Background()
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	jobs, err := NewJobs(ctx, st, &Matcher{Store: st, DBPath: filepath.Join(t.TempDir(), "none.db")}, JobsConfig{ID: "api"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { jobs.Stop(context.Background()) })
	m := NewMetrics()
	RegisterQueueDepth(m, st)
	srv := New(Config{Store: st, Metrics: m})
	ts := newTestServer(t, srv)
	tok, _, err := st.CreateToken(ctx, store.ScopeRead, "r")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, st: st, srv: srv, ts: ts}
	for i, want := range []string{`bulkhead_server_jobs{state="available"} 0`, `bulkhead_server_jobs{state="available"} 3`} {
		if i == 1 {
			for _, d := range []string{digestA, digestB, digestA} {
				if err := jobs.EnqueueMatch(ctx, d); err != nil {
					t.Fatal(err)
				}
			}
		}
		code, body := f.do("GET", "/metrics", tok, nil)
		if code != 200 || !strings.Contains(body, want) || !strings.Contains(body, `bulkhead_server_jobs{state="running"} 0`) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
}
