package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/testfixture/postgres"
)

// opener opens a fresh, empty store.
type opener func(t *testing.T) *Store

func sqliteOpener(t *testing.T) *Store {
	u := "sqlite://" + filepath.Join(t.TempDir(), "fleet.db")
	st, err := Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestConformance runs the same suite against SQLite and PostgreSQL.
func TestConformance(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { conformance(t, sqliteOpener) })
	t.Run("postgres", func(t *testing.T) {
		c := postgres.Start(t)
		conformance(t, func(t *testing.T) *Store {
			st, err := Open(context.Background(), c.NewDatabase(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		})
	})
}

func conformance(t *testing.T, open opener) {
	tests := []struct {
		name string
		f    func(t *testing.T, st *Store)
	}{
		{"migrations", testMigrations},
		{"hosts and containers", testHostsContainers},
		{"images", testImages},
		{"findings and changes", testFindings},
		{"search", testSearch},
		{"audit", testAudit},
		{"alerts", testAlerts},
		{"tokens", testTokens},
		{"users", testUsers},
		{"admin log", testAdminLog},
		{"metacharacters", testMetacharacters},
		{"retention", testRetention},
		{"image issues", testImageIssues},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.f(t, open(t)) })
	}
}

var ctx = context.Background()

func testMigrations(t *testing.T, st *Store) {
	v, err := st.SchemaVersion(ctx)
	if err != nil || v < 1 {
		t.Fatalf("SchemaVersion = %d, %v; want >= 1", v, err)
	}
	// Migrating again is a no-op.
	if err := st.migrate(ctx); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
}

func mustHost(t *testing.T, st *Store, id string) {
	t.Helper()
	if err := st.TouchHost(ctx, Host{ID: id, Name: id + ".example"}); err != nil {
		t.Fatal(err)
	}
}

func testHostsContainers(t *testing.T, st *Store) {
	mustHost(t, st, "h1")
	if err := st.TouchHost(ctx, Host{ID: "h1", AgentVersion: "1.2"}); err != nil {
		t.Fatal(err)
	}
	cs := []Container{
		{ID: "c1", Name: "/web", ImageRef: "nginx:1", ImageDigest: "sha256:aa", State: "running", Ports: []string{"0.0.0.0:80->80/tcp"}, Networks: []string{"bridge"}},
		{ID: "c2", Name: "/db", ImageDigest: "sha256:bb", State: "running"},
		{ID: "c2", Name: "/dup"}, // a duplicate id keeps the first
	}
	if err := st.ReplaceContainers(ctx, "h1", cs); err != nil {
		t.Fatal(err)
	}
	got, err := st.Containers(ctx, "h1")
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, c := range got {
		names = append(names, c.Name)
	}
	if diff := cmp.Diff([]string{"/db", "/web"}, names); diff != "" {
		t.Errorf("containers (-want +got):\n%s", diff)
	}
	if got[1].Ports[0] != "0.0.0.0:80->80/tcp" || got[0].Ports == nil {
		t.Errorf("ports not kept: %+v", got)
	}
	// A new snapshot replaces the old one.
	if err := st.ReplaceContainers(ctx, "h1", cs[:1]); err != nil {
		t.Fatal(err)
	}
	hosts, err := st.Hosts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(hosts) != 1 || hosts[0].Containers != 1 || hosts[0].Name != "h1.example" || hosts[0].AgentVersion != "1.2" {
		t.Errorf("hosts = %+v; want h1 with 1 container, name kept, agent version 1.2", hosts)
	}
}

func testImages(t *testing.T, st *Store) {
	pkgs := []Package{{Name: "openssl", Version: "3.0.1", Type: "deb"}, {Name: "zlib", Version: "1.2", Type: "deb"}}
	changed, err := st.PutImage(ctx, Image{Digest: "sha256:aa", Refs: []string{"app:1"}, OS: "debian 12"}, []byte(`{"a":1}`), pkgs)
	if err != nil || !changed {
		t.Fatalf("first PutImage = %v, %v; want changed", changed, err)
	}
	changed, err = st.PutImage(ctx, Image{Digest: "sha256:aa", Refs: []string{"app:latest"}}, []byte(`{"a":1}`), pkgs)
	if err != nil || changed {
		t.Fatalf("same SBOM again = %v, %v; want unchanged", changed, err)
	}
	imgs, err := st.Images(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"app:1", "app:latest"}, imgs[0].Refs); diff != "" {
		t.Errorf("refs (-want +got):\n%s", diff)
	}
	changed, err = st.PutImage(ctx, Image{Digest: "sha256:aa"}, []byte(`{"a":2}`), pkgs[:1])
	if err != nil || !changed {
		t.Fatalf("new SBOM = %v, %v; want changed", changed, err)
	}
	got, err := st.Packages(ctx, "sha256:aa")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(pkgs[:1], got); diff != "" {
		t.Errorf("packages after new SBOM (-want +got):\n%s", diff)
	}
	sb, err := st.ImageSBOM(ctx, "sha256:aa")
	if err != nil || string(sb) != `{"a":2}` {
		t.Errorf("ImageSBOM = %q, %v", sb, err)
	}
	if _, err := st.ImageSBOM(ctx, "sha256:none"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing image: %v; want ErrNotFound", err)
	}
	// Many packages go in several statements.
	many := make([]Package, 12000)
	for i := range many {
		many[i] = Package{Name: fmt.Sprintf("p%d", i), Version: "1", Type: "npm"}
	}
	if _, err := st.PutImage(ctx, Image{Digest: "sha256:big"}, []byte(`{}`), many); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Packages(ctx, "sha256:big"); len(got) != len(many) {
		t.Errorf("stored %d packages; want %d", len(got), len(many))
	}
}

func putImage(t *testing.T, st *Store, digest string, pkgs ...Package) {
	t.Helper()
	if _, err := st.PutImage(ctx, Image{Digest: digest}, []byte(digest), pkgs); err != nil {
		t.Fatal(err)
	}
}

func testFindings(t *testing.T, st *Store) {
	putImage(t, st, "sha256:aa", Package{Name: "openssl", Version: "3.0.1", Type: "deb"})
	start := time.Now().Add(-time.Second)
	first := []Finding{
		{VulnID: "DSA-1", PackageName: "openssl", PackageVersion: "3.0.1", Severity: "HIGH", Aliases: []string{"CVE-2024-0001"}},
		{VulnID: "DSA-2", PackageName: "openssl", PackageVersion: "3.0.1", Severity: "LOW"},
		{VulnID: "DSA-3", PackageName: "openssl", PackageVersion: "3.0.1", Severity: "MEDIUM"},
	}
	ch, err := st.ReplaceFindings(ctx, "sha256:aa", first, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(ch) != 0 {
		t.Errorf("first match recorded changes %+v; want none", ch)
	}
	second := []Finding{
		{VulnID: "DSA-1", PackageName: "openssl", PackageVersion: "3.0.1", Severity: "CRITICAL", Aliases: []string{"CVE-2024-0001"}},
		{VulnID: "DSA-3", PackageName: "openssl", PackageVersion: "3.0.1", Severity: "MEDIUM"},
		{VulnID: "DSA-4", PackageName: "openssl", PackageVersion: "3.0.1", Severity: "HIGH"},
	}
	ch, err = st.ReplaceFindings(ctx, "sha256:aa", second, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, c := range ch {
		kinds[c.VulnID] = c.Change + ":" + c.OldSeverity + ">" + c.Severity
	}
	want := map[string]string{"DSA-1": "severity:HIGH>CRITICAL", "DSA-2": "fixed:LOW>", "DSA-4": "new:>HIGH"}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	stored, err := st.Changes(ctx, start, 100)
	if err != nil || len(stored) != 3 {
		t.Errorf("Changes since start = %d, %v; want 3", len(stored), err)
	}
	if later, _ := st.Changes(ctx, time.Now().Add(time.Hour), 100); len(later) != 0 {
		t.Errorf("Changes since the future = %d; want 0", len(later))
	}
	fs, err := st.Findings(ctx, "sha256:aa")
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 3 || fs[0].VulnID != "DSA-1" || fs[0].Severity != "CRITICAL" {
		t.Errorf("findings = %+v; want 3, CRITICAL first", fs)
	}
	if _, err := st.Findings(ctx, "sha256:none"); !errors.Is(err, ErrNotFound) {
		t.Errorf("findings of a missing image: %v; want ErrNotFound", err)
	}
	if _, err := st.ReplaceFindings(ctx, "sha256:none", nil, time.Now()); !errors.Is(err, ErrNotFound) {
		t.Errorf("ReplaceFindings of a missing image: %v; want ErrNotFound", err)
	}
	imgs, _ := st.Images(ctx)
	if imgs[0].Findings["CRITICAL"] != 1 || imgs[0].Findings["HIGH"] != 1 || imgs[0].MatchedAt.IsZero() {
		t.Errorf("image counts = %+v", imgs[0])
	}
}

func testSearch(t *testing.T, st *Store) {
	mustHost(t, st, "h1")
	mustHost(t, st, "h2")
	putImage(t, st, "sha256:aa", Package{Name: "OpenSSL", Version: "3.0.1", Type: "deb"})
	putImage(t, st, "sha256:bb", Package{Name: "openssl", Version: "1.1.1", Type: "apk"})
	st.ReplaceFindings(ctx, "sha256:aa", []Finding{{VulnID: "DSA-1", PackageName: "OpenSSL", PackageVersion: "3.0.1", Severity: "HIGH", Aliases: []string{"CVE-2024-0001"}}}, time.Now())
	st.ReplaceFindings(ctx, "sha256:bb", []Finding{{VulnID: "CVE-2024-0001", PackageName: "openssl", PackageVersion: "1.1.1", Severity: "HIGH"}}, time.Now())
	st.ReplaceContainers(ctx, "h1", []Container{{ID: "c1", Name: "/web", ImageDigest: "sha256:aa"}})
	st.ReplaceContainers(ctx, "h2", []Container{{ID: "c2", Name: "/web", ImageDigest: "sha256:aa"}})

	hits, err := st.SearchVuln(ctx, "CVE-2024-0001")
	if err != nil {
		t.Fatal(err)
	}
	type where struct{ Image, Host, Container string }
	var got []where
	for _, h := range hits {
		got = append(got, where{h.ImageDigest, h.HostID, h.ContainerID})
	}
	want := []where{{"sha256:aa", "h1", "c1"}, {"sha256:aa", "h2", "c2"}, {"sha256:bb", "", ""}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SearchVuln by alias (-want +got):\n%s", diff)
	}
	hits, err = st.SearchPackage(ctx, "openssl")
	if err != nil || len(hits) != 3 {
		t.Errorf("SearchPackage = %d hits, %v; want 3 (case-insensitive)", len(hits), err)
	}
	if hits, _ := st.SearchVuln(ctx, "CVE-1999-0000"); len(hits) != 0 {
		t.Errorf("unknown CVE: %d hits", len(hits))
	}
}

func testAudit(t *testing.T, st *Store) {
	mustHost(t, st, "h1")
	mustHost(t, st, "h2")
	st.PutAudit(ctx, "h1", []AuditResult{{CheckID: "2.1", Status: "fail", Severity: "HIGH"}, {CheckID: "2.2", Status: "pass"}})
	st.PutAudit(ctx, "h2", []AuditResult{{CheckID: "2.1", Status: "pass"}})
	failing, err := st.HostsFailing(ctx, "2.1")
	if err != nil || len(failing) != 1 || failing[0].HostID != "h1" {
		t.Errorf("HostsFailing(2.1) = %+v, %v; want h1", failing, err)
	}
	// A new run replaces the old one.
	st.PutAudit(ctx, "h1", []AuditResult{{CheckID: "2.1", Status: "pass"}})
	if failing, _ := st.HostsFailing(ctx, "2.1"); len(failing) != 0 {
		t.Errorf("after a passing run: %+v", failing)
	}
	rs, _ := st.Audit(ctx, "h1")
	if len(rs) != 1 {
		t.Errorf("Audit(h1) = %+v; want 1 result", rs)
	}
}

func testAlerts(t *testing.T, st *Store) {
	mustHost(t, st, "h1")
	st.ReplaceContainers(ctx, "h1", []Container{{ID: "abcdef012345", Name: "/web"}})
	now := time.Now().Truncate(time.Millisecond)
	as := []Alert{
		{ID: "a1", At: now, Rule: "Shell in container", Priority: "WARNING", ContainerID: "abcdef012345", Fields: map[string]string{"proc.name": "sh"}},
		{ID: "a2", At: now.Add(time.Second), Rule: "Write below etc", Priority: "ERROR", ContainerID: "other"},
		{ID: "a3", At: now.Add(2 * time.Second), Rule: "Debug", Priority: "debug"},
	}
	n, err := st.PutAlerts(ctx, "h1", as)
	if err != nil || n != 3 {
		t.Fatalf("PutAlerts = %d, %v; want 3", n, err)
	}
	n, err = st.PutAlerts(ctx, "h1", as[:2])
	if err != nil || n != 0 {
		t.Fatalf("resend = %d, %v; want 0 new", n, err)
	}
	got, err := st.Alerts(ctx, AlertFilter{MinPriority: "WARNING"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "a2" {
		t.Errorf("alerts >= WARNING = %+v; want a2, a1", got)
	}
	got, _ = st.Alerts(ctx, AlertFilter{ContainerID: "web"})
	if len(got) != 1 || got[0].ID != "a1" || got[0].Fields["proc.name"] != "sh" {
		t.Errorf("alerts of container web = %+v; want a1 with its fields", got)
	}
	got, _ = st.Alerts(ctx, AlertFilter{Since: now.Add(1500 * time.Millisecond)})
	if len(got) != 1 || got[0].ID != "a3" {
		t.Errorf("alerts since = %+v; want a3", got)
	}
	if PriorityRank("info") != PriorityRank("INFORMATIONAL") || PriorityRank("nope") != -1 {
		t.Error("PriorityRank aliases")
	}
}

func testTokens(t *testing.T, st *Store) {
	tok, rec, err := st.CreateToken(ctx, ScopeAgent, "host one")
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.Authenticate(ctx, tok)
	if err != nil || got.ID != rec.ID || got.Scope != ScopeAgent {
		t.Fatalf("Authenticate = %+v, %v", got, err)
	}
	for _, bad := range []string{"", tok + "x", tok[:len(tok)-1], "bhk_" + tok[4:10], "Bearer " + tok} {
		if _, err := st.Authenticate(ctx, bad); !errors.Is(err, ErrBadToken) {
			t.Errorf("Authenticate(%.8q...) = %v; want ErrBadToken", bad, err)
		}
	}
	var stored string
	st.db.QueryRow(`SELECT hash FROM tokens WHERE id = $1`, rec.ID).Scan(&stored)
	if stored == tok || stored == "" {
		t.Error("the token is stored in clear")
	}
	// Concurrent first uses with different hosts: exactly one binds.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.BindHost(ctx, rec.ID, fmt.Sprintf("host%d", i))
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if !errors.Is(err, ErrHostBound) {
			t.Errorf("BindHost: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d concurrent binds succeeded; want 1", ok)
	}
	got, _ = st.Authenticate(ctx, tok)
	if err := st.BindHost(ctx, rec.ID, got.HostID); err != nil {
		t.Errorf("rebinding the bound host: %v", err)
	}
	if err := st.RevokeToken(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Authenticate(ctx, tok); !errors.Is(err, ErrBadToken) {
		t.Errorf("revoked token authenticated: %v", err)
	}
	if err := st.RevokeToken(ctx, rec.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second revoke: %v; want ErrNotFound", err)
	}
	if _, _, err := st.CreateToken(ctx, "root", ""); err == nil {
		t.Error("unknown scope accepted")
	}
	list, _ := st.Tokens(ctx)
	if len(list) != 1 || !list[0].Revoked {
		t.Errorf("Tokens = %+v", list)
	}
}

func testUsers(t *testing.T, st *Store) {
	if err := st.CreateUser(ctx, "alice", "short"); err == nil {
		t.Error("a short password was accepted")
	}
	if err := st.CreateUser(ctx, "alice", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(ctx, "alice", "another long password"); err == nil {
		t.Error("a duplicate user was accepted")
	}
	for _, c := range []struct {
		user, pw string
		want     bool
	}{{"alice", "correct horse battery", true}, {"alice", "correct horse batterY", false}, {"bob", "correct horse battery", false}} {
		if got, err := st.Login(ctx, c.user, c.pw); err != nil || got != c.want {
			t.Errorf("Login(%s, %s) = %v, %v; want %v", c.user, c.pw, got, err, c.want)
		}
	}
	var h string
	st.db.QueryRow(`SELECT password_hash FROM users WHERE name = 'alice'`).Scan(&h)
	if len(h) < 20 || h[:10] != "$argon2id$" {
		t.Errorf("stored hash %q is not argon2id", h)
	}
}

func testAdminLog(t *testing.T, st *Store) {
	st.LogAdmin(ctx, AdminEntry{Actor: "token:1", Action: "token.create", Target: "t2"})
	st.LogAdmin(ctx, AdminEntry{Actor: "token:1", Action: "token.revoke", Target: "t2"})
	got, err := st.AdminLog(ctx, 10)
	if err != nil || len(got) != 2 {
		t.Fatalf("AdminLog = %+v, %v", got, err)
	}
}

// testMetacharacters feeds SQL metacharacters to every function that takes
// a string from a request: they are data, never SQL.
func testMetacharacters(t *testing.T, st *Store) {
	putImage(t, st, "sha256:aa", Package{Name: "x", Version: "1"})
	for _, s := range []string{`'; DROP TABLE images; --`, `" OR 1=1 --`, `%`, `_`, `\`, `$1`, "\x00", `') OR ('1'='1`} {
		if h, err := st.SearchVuln(ctx, s); err != nil || len(h) != 0 {
			t.Errorf("SearchVuln(%q) = %d, %v", s, len(h), err)
		}
		if h, err := st.SearchPackage(ctx, s); err != nil || len(h) != 0 {
			t.Errorf("SearchPackage(%q) = %d, %v", s, len(h), err)
		}
		if _, err := st.Findings(ctx, s); !errors.Is(err, ErrNotFound) {
			t.Errorf("Findings(%q) = %v", s, err)
		}
		if a, err := st.Alerts(ctx, AlertFilter{HostID: s, ContainerID: s, MinPriority: s}); err != nil || len(a) != 0 {
			t.Errorf("Alerts(%q) = %d, %v", s, len(a), err)
		}
		if _, err := st.HostsFailing(ctx, s); err != nil {
			t.Errorf("HostsFailing(%q) = %v", s, err)
		}
		if _, err := st.Authenticate(ctx, "bhk_"+s); !errors.Is(err, ErrBadToken) {
			t.Errorf("Authenticate(%q) = %v", s, err)
		}
	}
	// Text PostgreSQL cannot hold is refused alike by both databases.
	for _, bad := range []string{"a\x00b", "\xff\xfe"} {
		if err := st.TouchHost(ctx, Host{ID: bad}); !errors.Is(err, ErrInvalidText) {
			t.Errorf("TouchHost(%q) = %v; want ErrInvalidText", bad, err)
		}
		if _, err := st.PutImage(ctx, Image{Digest: "sha256:x"}, []byte("{}"), []Package{{Name: bad}}); !errors.Is(err, ErrInvalidText) {
			t.Errorf("PutImage with package %q = %v; want ErrInvalidText", bad, err)
		}
		if _, err := st.PutAlerts(ctx, "h", []Alert{{ID: "1", Rule: "r", Fields: map[string]string{"k": bad}}}); !errors.Is(err, ErrInvalidText) {
			t.Errorf("PutAlerts with field %q = %v; want ErrInvalidText", bad, err)
		}
	}
	if imgs, err := st.Images(ctx); err != nil || len(imgs) != 1 {
		t.Errorf("images after the attempts = %d, %v; want 1", len(imgs), err)
	}
}

func testRetention(t *testing.T, st *Store) {
	mustHost(t, st, "h1")
	putImage(t, st, "sha256:old")
	putImage(t, st, "sha256:run")
	st.ReplaceContainers(ctx, "h1", []Container{{ID: "c", ImageDigest: "sha256:run"}})
	st.PutAlerts(ctx, "h1", []Alert{{ID: "old", At: time.Now().Add(-48 * time.Hour), Rule: "r", Priority: "ERROR"}, {ID: "new", At: time.Now(), Rule: "r", Priority: "ERROR"}})
	future := time.Now().Add(time.Hour)
	got, err := st.Retain(ctx, time.Now().Add(-24*time.Hour), time.Now().Add(-time.Hour), future)
	if err != nil {
		t.Fatal(err)
	}
	if got["alerts"] != 1 || got["images"] != 1 || got["hosts"] != 0 {
		t.Errorf("Retain removed %v; want 1 alert, 1 image (the one not running), 0 hosts", got)
	}
	digests, _ := st.ImageDigests(ctx)
	if diff := cmp.Diff([]string{"sha256:run"}, digests); diff != "" {
		t.Errorf("images left (-want +got):\n%s", diff)
	}
}

func TestParseURL(t *testing.T) {
	for _, c := range []struct{ in, dialect, dsn string }{
		{"sqlite:///var/lib/b/fleet.db", SQLite, "/var/lib/b/fleet.db"},
		{"sqlite://fleet.db", SQLite, "fleet.db"},
		{"postgres://u@h/db", Postgres, "postgres://u@h/db"},
		{"postgresql://u:p@h:5432/db?sslmode=require", Postgres, "postgresql://u:p@h:5432/db?sslmode=require"},
		{"mysql://x", "", ""},
		{"sqlite://", "", ""},
		{"/plain/path.db", "", ""},
	} {
		d, dsn, err := ParseURL(c.in)
		if d != c.dialect || dsn != c.dsn || (err != nil) != (c.dialect == "") {
			t.Errorf("ParseURL(%q) = %q, %q, %v", c.in, d, dsn, err)
		}
	}
	if _, _, err := ParseURL("mysql://user:hunter2@h/db"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("the error shows the password: %v", err)
	}
}

func TestPasswordHashBounds(t *testing.T) {
	h, err := HashPassword("pw")
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(h, "pw") || CheckPassword(h, "pW") {
		t.Error("CheckPassword")
	}
	for _, bad := range []string{"", "$argon2id$", "$argon2id$v=19$m=4294967295,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=65536,t=99,p=2$AAAA$AAAA", "$bcrypt$x"} {
		if CheckPassword(bad, "pw") {
			t.Errorf("CheckPassword(%q) accepted", bad)
		}
	}
}

func testImageIssues(t *testing.T, st *Store) {
	in := ImageIssues{
		Secrets: []ImageSecret{{RuleID: "aws-access-key-id", Severity: "critical", Title: "AWS key", Path: "app/.env", Line: 3, Layer: "sha256:l1", Evidence: "AKIA****"},
			{RuleID: "github-pat", Path: "root/.git-credentials", Line: 1, Evidence: "ghp_****"}},
		Misconfigs: []ImageMisconfig{{ID: "BH-IMG-001", Severity: "medium", Title: "runs as root", Fix: "add USER"}},
	}
	if err := st.PutImageIssues(ctx, "sha256:none", in); !errors.Is(err, ErrNotFound) {
		t.Fatalf("issues of an unknown image: %v, want ErrNotFound", err)
	}
	if _, err := st.PutImage(ctx, Image{Digest: "sha256:ii"}, []byte(`{}`), nil); err != nil {
		t.Fatal(err)
	}
	got, err := st.ImageIssuesOf(ctx, "sha256:ii")
	if err != nil || len(got.Secrets) != 0 || got.Misconfigs == nil {
		t.Fatalf("before any put: %+v, %v", got, err)
	}
	for range 2 { // idempotent: the second put replaces the first
		if err := st.PutImageIssues(ctx, "sha256:ii", in); err != nil {
			t.Fatal(err)
		}
	}
	got, err = st.ImageIssuesOf(ctx, "sha256:ii")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, got); diff != "" {
		t.Errorf("issues (-want +got):\n%s", diff)
	}
	if c, err := st.IssueCounts(ctx); err != nil || len(c) != 1 || c["sha256:ii"] != (IssueCount{Secrets: 2, Misconfigs: 1}) {
		t.Errorf("IssueCounts = %+v, %v; want sha256:ii with 2 secrets and 1 misconfiguration", c, err)
	}
	if err := st.PutImageIssues(ctx, "sha256:ii", ImageIssues{Secrets: []ImageSecret{{RuleID: "x", Evidence: "a\x00b"}}}); !errors.Is(err, ErrInvalidText) {
		t.Errorf("NUL byte: %v, want ErrInvalidText", err)
	}
	if err := st.PutImageIssues(ctx, "sha256:ii", ImageIssues{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.ImageIssuesOf(ctx, "sha256:ii"); len(got.Secrets)+len(got.Misconfigs) != 0 {
		t.Errorf("after an empty put: %+v", got)
	}
}
