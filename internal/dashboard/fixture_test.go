package dashboard

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/cyclonedx"
	"github.com/bulkhead-sec/bulkhead/internal/server"
	"github.com/bulkhead-sec/bulkhead/internal/store"
)

const (
	adminUser, adminPass   = "alice", "correct horse battery"
	viewerUser, viewerPass = "victor", "read only staple horse"
)

// testKEV is a catalog in CISA's format with two of the fixture's CVEs.
const testKEV = `{"title":"test","count":2,"vulnerabilities":[
 {"cveID":"CVE-2023-44487","vendorProject":"IETF","product":"HTTP/2"},
 {"cveID":"CVE-2024-3094","vendorProject":"Tukaani","product":"xz"},
 {"cveID":"not-a-cve"}]}`

// fixture is what seed loaded, for the tests to compare against.
type fixture struct {
	st      *store.Store
	web     string // image digests
	db      string
	idle    string
	alertID string // an open alert on host-web
}

func openStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "fleet.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// sbom writes the CycloneDX SBOM of an image the way `bulkhead sbom` does,
// from a report with layers and packages.
func sbom(t testing.TB, digest string, refs []string, layers []report.Layer, pkgs []inventory.Package) []byte {
	t.Helper()
	rep := report.New(report.Target{Kind: report.KindImage, Name: refs[0], ImageID: digest, RepoTags: refs, Layers: layers,
		OS: &inventory.OS{ID: "debian", VersionID: "12", PrettyName: "Debian GNU/Linux 12"}}, "test", time.Unix(1_700_000_000, 0))
	rep.Packages = pkgs
	var b bytes.Buffer
	if err := cyclonedx.Write(&b, rep, cyclonedx.Options{}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func toStorePkgs(ps []inventory.Package) []store.Package {
	out := make([]store.Package, len(ps))
	for i, p := range ps {
		out[i] = store.Package{Name: p.Name, Version: p.Version, Type: p.Type, PURL: p.PURL}
	}
	return out
}

// seed loads a small fleet through the store: two hosts, three images (two
// running), findings, audits, alerts, an admin and a read-only user.
func seed(t testing.TB, st *store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{st: st, web: "sha256:" + strings.Repeat("a1", 32), db: "sha256:" + strings.Repeat("b2", 32), idle: "sha256:" + strings.Repeat("c3", 32)}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	l1, l2 := "sha256:"+strings.Repeat("11", 32), "sha256:"+strings.Repeat("22", 32)
	webPkgs := []inventory.Package{
		{Name: "openssl", Version: "3.0.11-1~deb12u1", Type: "deb", Layer: l1},
		{Name: "liblzma5", Version: "5.6.0-0.1", Type: "deb", Layer: l1},
		{Name: "zlib1g", Version: "1:1.2.13.dfsg-1", Type: "deb", Layer: l1},
		{Name: "nghttp2", Version: "1.52.0-1", Type: "deb", Layer: l1},
		{Name: "lodash", Version: "4.17.20", Type: "npm", Layer: l2, Path: "app/node_modules/lodash/package.json"},
	}
	dbPkgs := []inventory.Package{
		{Name: "openssl", Version: "3.0.13-1~deb12u1", Type: "deb", Layer: l1},
		{Name: "postgresql-15", Version: "15.5-0+deb12u1", Type: "deb", Layer: l1},
	}
	idlePkgs := []inventory.Package{{Name: "lodash", Version: "4.17.15", Type: "npm", Layer: l2}}
	put := func(digest string, refs []string, pkgs []inventory.Package) {
		for i := range pkgs {
			p := &pkgs[i]
			if p.PURL == "" {
				p.PURL = "pkg:" + p.Type + "/" + p.Name + "@" + p.Version
			}
		}
		_, err := st.PutImage(ctx, store.Image{Digest: digest, Refs: refs, OS: "debian 12"},
			sbom(t, digest, refs, []report.Layer{{Digest: l1, Size: 77_800_000, CreatedBy: "ADD rootfs.tar.xz /"}, {Digest: l2, Size: 4_200_000, CreatedBy: "COPY app /app"}}, pkgs), toStorePkgs(pkgs))
		must(err)
	}
	put(f.web, []string{"registry.example/shop/web:1.4"}, webPkgs)
	put(f.db, []string{"postgres:15"}, dbPkgs)
	put(f.idle, []string{"registry.example/shop/web:1.3"}, idlePkgs)
	built := time.Unix(1_700_000_000, 0)
	_, err := st.ReplaceFindings(ctx, f.web, []store.Finding{
		{VulnID: "DSA-5532-1", Aliases: []string{"CVE-2023-5363"}, PackageName: "openssl", PackageVersion: "3.0.11-1~deb12u1", PackageType: "deb", Severity: "HIGH", FixedVersion: "3.0.11-1~deb12u2", Title: "openssl: incorrect cipher key and IV length processing"},
		{VulnID: "CVE-2024-3094", PackageName: "liblzma5", PackageVersion: "5.6.0-0.1", PackageType: "deb", Severity: "CRITICAL", FixedVersion: "5.6.1+really5.4.5-1", Title: "xz: malicious code in distributed source"},
		{VulnID: "CVE-2023-44487", PackageName: "nghttp2", PackageVersion: "1.52.0-1", PackageType: "deb", Severity: "HIGH", FixedVersion: "1.52.0-1+deb12u1", Title: "HTTP/2 rapid reset"},
		{VulnID: "CVE-2023-45853", PackageName: "zlib1g", PackageVersion: "1:1.2.13.dfsg-1", PackageType: "deb", Severity: "CRITICAL", Title: "zlib: integer overflow in MiniZip"},
		{VulnID: "GHSA-35jh-r3h4-6jhm", Aliases: []string{"CVE-2021-23337"}, PackageName: "lodash", PackageVersion: "4.17.20", PackageType: "npm", Severity: "HIGH", FixedVersion: "4.17.21", Title: "Command injection in lodash"},
		{VulnID: "GHSA-29mw-wpgm-hmr9", Aliases: []string{"CVE-2020-28500"}, PackageName: "lodash", PackageVersion: "4.17.20", PackageType: "npm", Severity: "MEDIUM", FixedVersion: "4.17.21", Title: "ReDoS in lodash"},
	}, built)
	must(err)
	_, err = st.ReplaceFindings(ctx, f.db, []store.Finding{
		{VulnID: "CVE-2024-0985", PackageName: "postgresql-15", PackageVersion: "15.5-0+deb12u1", PackageType: "deb", Severity: "HIGH", FixedVersion: "15.6-0+deb12u1", Title: "PostgreSQL non-owner REFRESH MATERIALIZED VIEW CONCURRENTLY executes arbitrary SQL"},
		{VulnID: "CVE-2024-2511", PackageName: "openssl", PackageVersion: "3.0.13-1~deb12u1", PackageType: "deb", Severity: "LOW", FixedVersion: "3.0.14-1~deb12u1", Title: "openssl: unbounded memory growth with session handling in TLSv1.3"},
	}, built)
	must(err)
	_, err = st.ReplaceFindings(ctx, f.idle, []store.Finding{
		{VulnID: "GHSA-35jh-r3h4-6jhm", Aliases: []string{"CVE-2021-23337"}, PackageName: "lodash", PackageVersion: "4.17.15", PackageType: "npm", Severity: "HIGH", FixedVersion: "4.17.21", Title: "Command injection in lodash"},
	}, built)
	must(err)
	must(st.PutImageIssues(ctx, f.web, store.ImageIssues{
		Secrets: []store.ImageSecret{
			{RuleID: "BH-SEC-GITHUB-PAT", Severity: "CRITICAL", Title: "GitHub personal access token", Path: "app/deploy.sh", Line: 2, Layer: l2, Evidence: "export GITHUB_TOKEN=ghp_****"},
			{RuleID: "BH-SEC-GITLAB-PAT", Severity: "CRITICAL", Title: "GitLab personal access token", Path: "config.Env[0]", Evidence: "GITLAB_TOKEN=glpa****"},
		},
		Misconfigs: []store.ImageMisconfig{{ID: "BH-IMG-001", Severity: "HIGH", Title: "Image runs as root", Fix: "Create an unprivileged user and end the Dockerfile with USER.", Path: "config User"}},
	}))
	// A rematch fixes one: the trend shows a fixed finding.
	_, err = st.ReplaceFindings(ctx, f.idle, nil, built)
	must(err)

	must(st.TouchHost(ctx, store.Host{ID: "host-web", Name: "web-1.prod", AgentVersion: "0.9.0"}))
	must(st.TouchHost(ctx, store.Host{ID: "host-db", Name: "db-1.prod", AgentVersion: "0.9.0"}))
	must(st.ReplaceContainers(ctx, "host-web", []store.Container{
		{ID: strings.Repeat("e1", 32), Name: "/shop-web-1", ImageRef: "registry.example/shop/web:1.4", ImageDigest: f.web, State: "running",
			Ports: []string{"0.0.0.0:443->8443/tcp", "127.0.0.1:9090->9090/tcp"}, Networks: []string{"shop_front", "bridge"}},
		{ID: strings.Repeat("e2", 32), Name: "/shop-web-2", ImageRef: "registry.example/shop/web:1.4", ImageDigest: f.web, State: "running",
			Networks: []string{"shop_front"}},
	}))
	must(st.ReplaceContainers(ctx, "host-db", []store.Container{
		{ID: strings.Repeat("d1", 32), Name: "/shop-db", ImageRef: "postgres:15", ImageDigest: f.db, State: "running", Networks: []string{"shop_back"}},
		{ID: strings.Repeat("d2", 32), Name: "/web-canary", ImageRef: "registry.example/shop/web:1.4", ImageDigest: f.web, State: "running", Networks: []string{"host"}},
	}))
	must(st.PutAudit(ctx, "host-web", []store.AuditResult{
		{CheckID: "2.2", Status: "fail", Severity: "MEDIUM", Title: "Ensure network traffic is restricted between containers on the default bridge", Detail: "icc is not disabled"},
		{CheckID: "2.14", Status: "pass", Severity: "LOW", Title: "Ensure containers are restricted from acquiring new privileges"},
		{CheckID: "1.1.1", Status: "pass", Severity: "LOW", Title: "Ensure a separate partition for containers has been created"},
		{CheckID: "5.10", Status: "fail", Severity: "MEDIUM", Title: "Ensure that the memory usage for containers is limited", Detail: "shop-web-1: no memory limit; shop-web-2: no memory limit"},
		{CheckID: "5.4", Status: "pass", Severity: "HIGH", Title: "Ensure that privileged containers are not used"},
	}))
	must(st.PutAudit(ctx, "host-db", []store.AuditResult{
		{CheckID: "5.9", Status: "fail", Severity: "HIGH", Title: "Ensure that the host's network namespace is not shared", Detail: "web-canary uses the host network"},
		{CheckID: "5.4", Status: "pass", Severity: "HIGH", Title: "Ensure that privileged containers are not used"},
	}))
	now := time.Now().UTC()
	var alerts []store.Alert
	for i := range 12 {
		alerts = append(alerts, store.Alert{ID: fmt.Sprintf("web-%02d", i), At: now.Add(-time.Duration(i) * 17 * time.Minute),
			Rule: "Terminal shell in container", Priority: "NOTICE", ContainerID: strings.Repeat("e1", 32),
			Output: fmt.Sprintf("A shell was spawned in a container with an attached terminal (user=root shell=bash parent=runc cmdline=bash -i container=shop-web-1 %d)", i),
			Fields: map[string]string{"proc.name": "bash", "proc.cmdline": "bash -i", "proc.pid": fmt.Sprint(4000 + i), "proc.pname": "runc",
				"proc.pcmdline": "runc init", "proc.ppid": "3990", "proc.aname[2]": "containerd-shim", "proc.aname[3]": "systemd", "user.name": "root", "container.name": "shop-web-1"}})
	}
	alerts = append(alerts, store.Alert{ID: "web-crit", At: now.Add(-5 * time.Minute), Rule: "Write below etc", Priority: "CRITICAL", ContainerID: strings.Repeat("e2", 32),
		Output: "File below /etc opened for writing (file=/etc/passwd command=sh -c echo x >> /etc/passwd)",
		Fields: map[string]string{"proc.name": "sh", "proc.cmdline": "sh -c echo x >> /etc/passwd", "fd.name": "/etc/passwd", "proc.pname": "node", "user.name": "root"}})
	_, err = st.PutAlerts(ctx, "host-web", alerts)
	must(err)
	_, err = st.PutAlerts(ctx, "host-db", []store.Alert{{ID: "db-1", At: now.Add(-2 * time.Hour), Rule: "Outbound connection to C2 server", Priority: "WARNING",
		ContainerID: strings.Repeat("d1", 32), Output: "Outbound connection to 203.0.113.9:4444", Fields: map[string]string{"fd.sip": "203.0.113.9", "fd.sport": "4444", "proc.name": "postgres"}}})
	must(err)
	f.alertID = "web-crit"
	must(st.CreateUser(ctx, adminUser, adminPass))
	must(st.SetUserRole(ctx, adminUser, store.RoleAdmin))
	must(st.CreateUser(ctx, viewerUser, viewerPass))
	return f
}

// newServer starts the dashboard over a seeded store.
func newServer(t testing.TB) (*httptest.Server, *fixture) {
	t.Helper()
	st := openStore(t)
	f := seed(t, st)
	kev, err := LoadKEV(strings.NewReader(testKEV))
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(Options{Store: st, KEV: kev})
	if err != nil {
		t.Fatal(err)
	}
	// The dashboard beside the real API, as bulkhead serve mounts it.
	srv := httptest.NewServer(Beside(server.New(server.Config{Store: st}).Handler(), d))
	t.Cleanup(srv.Close)
	return srv, f
}
