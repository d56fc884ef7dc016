package dashboard

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/store"
)

// Fleet size of the page benchmark (the target: every page in
// ≤ 200 ms server time at this size).
const (
	benchImages   = 1000
	benchHosts    = 50
	benchPerHost  = 20 // containers per host
	benchAlerts   = 100_000
	benchPkgs     = 200 // packages per image
	benchFindings = 30  // findings per image
	benchChecks   = 100 // CIS results per host
)

// loadFleet fills st through the store's write calls, as the API does.
func loadFleet(b *testing.B, st *store.Store) (digests []string) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	sevs := []string{"CRITICAL", "HIGH", "HIGH", "MEDIUM", "MEDIUM", "MEDIUM", "LOW", "LOW", "UNKNOWN"}
	layers := []report.Layer{{Digest: "sha256:" + fmt.Sprintf("%064x", 1)}, {Digest: "sha256:" + fmt.Sprintf("%064x", 2)}}
	built := time.Now()
	for i := range benchImages {
		digest := fmt.Sprintf("sha256:%064x", 1000+i)
		digests = append(digests, digest)
		pkgs := make([]inventory.Package, benchPkgs)
		for j := range pkgs {
			typ := "deb"
			if j%4 == 0 {
				typ = "npm"
			}
			pkgs[j] = inventory.Package{Name: fmt.Sprintf("pkg%03d", (i*7+j)%400), Version: fmt.Sprintf("1.%d.%d", j%9, i%13), Type: typ, Layer: layers[j%2].Digest}
			pkgs[j].PURL = "pkg:" + typ + "/" + pkgs[j].Name + "@" + pkgs[j].Version
		}
		refs := []string{fmt.Sprintf("registry.example/team%d/app%d:%d", i%20, i, i%5)}
		if _, err := st.PutImage(ctx, store.Image{Digest: digest, Refs: refs, OS: "debian 12"}, sbom(b, digest, refs, layers, pkgs), toStorePkgs(pkgs)); err != nil {
			b.Fatal(err)
		}
		fs := make([]store.Finding, benchFindings)
		for j := range fs {
			p := pkgs[(j*5)%len(pkgs)]
			fs[j] = store.Finding{VulnID: fmt.Sprintf("CVE-2024-%05d", (i*3+j*11)%5000), PackageName: p.Name, PackageVersion: p.Version, PackageType: p.Type,
				Severity: sevs[rng.IntN(len(sevs))], Title: "a vulnerability"}
			if j%3 != 0 {
				fs[j].FixedVersion = "9.9.9"
			}
		}
		if _, err := st.ReplaceFindings(ctx, digest, fs, built); err != nil {
			b.Fatal(err)
		}
	}
	now := time.Now()
	for h := range benchHosts {
		id := fmt.Sprintf("host-%02d", h)
		if err := st.TouchHost(ctx, store.Host{ID: id, Name: fmt.Sprintf("node%02d.prod", h)}); err != nil {
			b.Fatal(err)
		}
		var cs []store.Container
		for c := range benchPerHost {
			d := digests[rng.IntN(len(digests))]
			cs = append(cs, store.Container{ID: fmt.Sprintf("%02d%062x", h, c), Name: fmt.Sprintf("/svc-%d", c), ImageDigest: d, ImageRef: "app", State: "running",
				Ports: []string{fmt.Sprintf("0.0.0.0:%d->80/tcp", 8000+c)}, Networks: []string{"bridge", fmt.Sprintf("net%d", c%3)}})
		}
		if err := st.ReplaceContainers(ctx, id, cs); err != nil {
			b.Fatal(err)
		}
		var rs []store.AuditResult
		for k := range benchChecks {
			status := "pass"
			if rng.IntN(4) == 0 {
				status = "fail"
			}
			rs = append(rs, store.AuditResult{CheckID: fmt.Sprintf("%d.%d", 1+k%7, k), Status: status, Severity: "MEDIUM", Title: "a check", Detail: "svc-1 svc-2"})
		}
		if err := st.PutAudit(ctx, id, rs); err != nil {
			b.Fatal(err)
		}
	}
	rules := []string{"Terminal shell in container", "Write below etc", "Outbound connection", "Read sensitive file", "Launch privileged container"}
	prios := []string{"NOTICE", "WARNING", "CRITICAL", "ERROR", "INFORMATIONAL"}
	per := benchAlerts / benchHosts
	for h := range benchHosts {
		as := make([]store.Alert, per)
		for k := range as {
			as[k] = store.Alert{ID: fmt.Sprintf("a%06d", k), At: now.Add(-time.Duration(rng.Int64N(int64(30 * 24 * time.Hour)))),
				Rule: rules[rng.IntN(len(rules))], Priority: prios[rng.IntN(len(prios))], ContainerID: fmt.Sprintf("%02d%062x", h, rng.IntN(benchPerHost)),
				Output: "something happened", Fields: map[string]string{"proc.name": "sh", "proc.pname": "node", "proc.cmdline": "sh -c id"}}
		}
		if _, err := st.PutAlerts(ctx, fmt.Sprintf("host-%02d", h), as); err != nil {
			b.Fatal(err)
		}
	}
	return digests
}

// benchFleet opens the benchmark's fleet: loaded into a new store, or, when
// BULKHEAD_BENCH_DB names a file, loaded there once and reused by later runs.
func benchFleet(b *testing.B) (*store.Store, []string) {
	path := os.Getenv("BULKHEAD_BENCH_DB")
	reuse := false
	if path == "" {
		path = filepath.Join(b.TempDir(), "fleet.db")
	} else if _, err := os.Stat(path); err == nil {
		reuse = true
	}
	st, err := store.Open(context.Background(), "sqlite://"+path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if reuse {
		digests, err := st.ImageDigests(context.Background())
		if err != nil || len(digests) != benchImages {
			b.Fatalf("%s holds %d images (%v): remove it to reload", path, len(digests), err)
		}
		return st, digests
	}
	start := time.Now()
	digests := loadFleet(b, st)
	b.Logf("loaded the fleet in %s", time.Since(start).Round(time.Millisecond))
	return st, digests
}

// BenchmarkPages measures the server time of each page over a fleet of
// 1,000 images (200 packages, 30 findings each), 50 hosts of 20 containers
// and 100,000 alerts in SQLite:
//
//	go test -run '^$' -bench Pages -benchtime 20x ./internal/dashboard/
func BenchmarkPages(b *testing.B) {
	st, digests := benchFleet(b)
	d, err := New(Options{Store: st, KEV: KEV{"CVE-2024-00042": true}})
	if err != nil {
		b.Fatal(err)
	}
	s := d.sessions.create("bench", store.RoleAdmin)
	pages := []struct{ name, path string }{
		{"overview", "/"},
		{"image", "/images/" + digests[17]},
		{"host", "/hosts/host-07"},
		{"network.svg", "/hosts/host-07/network.svg"},
		{"alerts", "/alerts"},
		{"alerts-all", "/alerts?state=all"},
		{"alerts-filtered", "/alerts?priority=CRITICAL&rule=Write+below+etc&host=host-03"},
		{"alerts-container", "/alerts?container=svc-3&state=all"},
		{"alerts-page-back", fmt.Sprintf("/alerts?before=%d", time.Now().Add(-15*24*time.Hour).UnixMilli())},
		{"search-cve", "/search?q=CVE-2024-00042"},
		{"search-package", "/search?q=pkg007"},
		{"search-image", "/search?q=registry.example/team3/"},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			// The machine may be shared: the process's CPU time per page
			// says what the page costs when wall time is inflated.
			cpu0 := cpuTime()
			defer func() { b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu-ms/op") }()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, p.path, nil)
				req.AddCookie(&http.Cookie{Name: sessionCookie, Value: s.id})
				w := httptest.NewRecorder()
				d.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("GET %s: %d %s", p.path, w.Code, w.Body.String()[:min(300, w.Body.Len())])
				}
			}
		})
	}
}
