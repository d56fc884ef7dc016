package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/server/api"
	"github.com/bulkhead-sec/bulkhead/internal/store"
	"github.com/bulkhead-sec/bulkhead/internal/testfixture/postgres"
)

// The fleet figures of the issue (bench/fleet.sh runs them):
//
//	go test -run '^$' -bench Fleet -benchtime 1x ./internal/server
//
// Each benchmark op is the whole job (1,000 SBOMs of 500 packages; a
// rematch of all of them; 10,000 alerts), reported as a rate.

const benchImages, benchPackages = 1000, 500

func benchStore(b *testing.B, dialect string) *store.Store {
	b.Helper()
	u := "sqlite://" + filepath.Join(b.TempDir(), "fleet.db")
	if dialect == store.Postgres {
		u = postgres.Start(b).NewDatabase(b)
	}
	st, err := store.Open(context.Background(), u)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// benchSBOM is a CycloneDX SBOM of n npm packages, lodash 4.17.20 among them.
func benchSBOM(i, n int) []byte {
	var sb strings.Builder
	sb.WriteString(`{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[{"type":"library","name":"lodash","version":"4.17.20","purl":"pkg:npm/lodash@4.17.20"}`)
	for j := 1; j < n; j++ {
		// Names shared across images (a fleet runs the same packages).
		fmt.Fprintf(&sb, `,{"type":"library","name":"pkg-%d","version":"1.%d.0","purl":"pkg:npm/pkg-%d@1.%d.0"}`, j, i%7, j, i%7)
	}
	sb.WriteString(`]}`)
	return []byte(sb.String())
}

func benchDigest(i int) string { return fmt.Sprintf("sha256:%064x", i+1) }

// ingest sends the SBOMs through the API handler (4 agents at once), then
// the inventory of 10 hosts running every image.
func ingest(b *testing.B, st *store.Store, srv *Server) {
	ctx := context.Background()
	var toks []string
	for h := range 10 {
		tok, _, err := st.CreateToken(ctx, store.ScopeAgent, fmt.Sprint(h))
		if err != nil {
			b.Fatal(err)
		}
		toks = append(toks, tok)
	}
	send := func(method, path, tok string, body []byte) {
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Errorf("%s %s = %d %s", method, path, w.Code, w.Body)
		}
	}
	var wg sync.WaitGroup
	work := make(chan int)
	for a := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				body, _ := json.Marshal(api.SBOM{Refs: []string{fmt.Sprintf("app%d:1", i)}, SBOM: benchSBOM(i, benchPackages)})
				send("PUT", fmt.Sprintf("/api/v1/agent/hosts/host-%d/images/%s", a, benchDigest(i)), toks[a], body)
			}
		}()
	}
	for i := range benchImages {
		work <- i
	}
	close(work)
	wg.Wait()
	for h := range 10 {
		inv := api.Inventory{}
		for i := h; i < benchImages; i += 10 {
			inv.Containers = append(inv.Containers, api.Container{ID: fmt.Sprintf("c%d", i), Name: fmt.Sprintf("/app%d", i), ImageDigest: benchDigest(i), State: "running"})
		}
		body, _ := json.Marshal(inv)
		send("PUT", fmt.Sprintf("/api/v1/agent/hosts/host-%d/inventory", h), toks[h], body)
	}
}

func BenchmarkFleet(b *testing.B) {
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		b.Run(dialect, func(b *testing.B) {
			st := benchStore(b, dialect)
			m := &Matcher{Store: st, DBPath: vulnDB(b)}
			defer m.Close()
			srv := New(Config{Store: st, RatePerSecond: 1e9, Burst: 1 << 30})
			ctx := context.Background()

			start := time.Now()
			ingest(b, st, srv)
			d := time.Since(start)
			b.ReportMetric(d.Seconds(), "ingest-1000-sboms-s")

			// Rematch all: 4 workers, as `serve` runs by default.
			start = time.Now()
			digests, _ := st.ImageDigests(ctx)
			var wg sync.WaitGroup
			work := make(chan string)
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for dg := range work {
						if _, err := m.MatchImage(ctx, dg); err != nil {
							b.Error(err)
						}
					}
				}()
			}
			for _, dg := range digests {
				work <- dg
			}
			close(work)
			wg.Wait()
			b.ReportMetric(time.Since(start).Seconds(), "rematch-all-s")

			// Where is CVE-X: the search over every image and container.
			req := httptest.NewRequest("GET", "/api/v1/search?q=CVE-2021-23337", nil)
			tok, _, _ := st.CreateToken(ctx, store.ScopeRead, "bench")
			req.Header.Set("Authorization", "Bearer "+tok)
			const queries = 20
			start = time.Now()
			for range queries {
				w := httptest.NewRecorder()
				srv.Handler().ServeHTTP(w, req)
				if w.Code != 200 || !strings.Contains(w.Body.String(), `"running":1000`) {
					b.Fatalf("search = %d %.200s", w.Code, w.Body)
				}
			}
			b.ReportMetric(float64(time.Since(start).Milliseconds())/queries, "where-is-cve-ms")

			// Alert ingest in batches of 1,000.
			st.TouchHost(ctx, store.Host{ID: "alerts"})
			const alerts = 20000
			batch := make([]store.Alert, 1000)
			start = time.Now()
			for k := 0; k < alerts; k += len(batch) {
				for i := range batch {
					batch[i] = store.Alert{ID: fmt.Sprintf("a%d", k+i), At: time.Now(), Rule: "Terminal shell in container",
						Priority: "WARNING", ContainerID: "c1", Output: "A shell was spawned in a container", Fields: map[string]string{"proc.name": "sh"}}
				}
				if _, err := st.PutAlerts(ctx, "alerts", batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(alerts/time.Since(start).Seconds(), "alerts/s")
		})
	}
}
