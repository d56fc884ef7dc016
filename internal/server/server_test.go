package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/bulkhead-sec/bulkhead/internal/server/api"
	"github.com/bulkhead-sec/bulkhead/internal/store"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
	"github.com/bulkhead-sec/bulkhead/internal/vulndb"
)

type fixture struct {
	t      *testing.T
	st     *store.Store
	srv    *Server
	ts     *httptest.Server
	tokens map[string]string // scope -> token
}

// vulnDB imports the repository's example OSV records into a temp database.
func vulnDB(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "osv.db")
	if _, err := vulndb.Import(context.Background(), p, filepath.Join(testenv.RepoRoot(t), "examples", "osv")); err != nil {
		t.Fatal(err)
	}
	return p
}

func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "fleet.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg.Store = st
	if cfg.Queue == nil {
		m := &Matcher{Store: st, DBPath: vulnDB(t)}
		t.Cleanup(func() { m.Close() })
		cfg.Queue = Inline{M: m}
	}
	srv := New(cfg)
	ts := newTestServer(t, srv)
	f := &fixture{t: t, st: st, srv: srv, ts: ts, tokens: map[string]string{}}
	for _, s := range []string{store.ScopeAgent, store.ScopeRead, store.ScopeAdmin, "agent2"} {
		scope := strings.TrimSuffix(s, "2")
		tok, _, err := st.CreateToken(context.Background(), scope, s)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[s] = tok
	}
	return f
}

func newTestServer(t *testing.T, srv *Server) *httptest.Server {
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts
}

// do sends a request and returns the status and body.
func (f *fixture) do(method, path, token string, body any) (int, string) {
	f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b
	default:
		data, err := json.Marshal(b)
		if err != nil {
			f.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, f.ts.URL+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

const digestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
const digestB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

// cdx returns a CycloneDX SBOM of npm packages name@version.
func cdx(pkgs ...string) json.RawMessage {
	var comps []map[string]string
	for _, p := range pkgs {
		name, ver, _ := strings.Cut(p, "@")
		comps = append(comps, map[string]string{"type": "library", "name": name, "version": ver, "purl": "pkg:npm/" + name + "@" + ver})
	}
	b, _ := json.Marshal(map[string]any{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": comps})
	return b
}

// concrete replaces the {params} of a route path.
func concrete(path string) string {
	r := strings.NewReplacer("{host}", "h1", "{digest}", digestA, "{id}", "0123456789abcdef")
	return r.Replace(path)
}

func TestEveryRouteNeedsAToken(t *testing.T) {
	f := newFixture(t, Config{Metrics: NewMetrics()})
	for _, r := range f.srv.routes {
		for _, tok := range []string{"", "bhk_wrong", "not-a-token"} {
			code, body := f.do(r.method, concrete(r.path), tok, "{}")
			if r.scopes == nil {
				if code != http.StatusOK {
					t.Errorf("%s %s without token = %d; want 200", r.method, r.path, code)
				}
				continue
			}
			if code != http.StatusUnauthorized {
				t.Errorf("%s %s with token %q = %d %s; want 401", r.method, r.path, tok, code, body)
			}
		}
	}
}

func TestScopes(t *testing.T) {
	f := newFixture(t, Config{Metrics: NewMetrics()})
	for _, r := range f.srv.routes {
		if r.scopes == nil {
			continue
		}
		for _, scope := range []string{store.ScopeAgent, store.ScopeRead, store.ScopeAdmin} {
			code, body := f.do(r.method, concrete(r.path), f.tokens[scope], "{}")
			if allowed(scope, r.scopes) {
				if code == http.StatusForbidden || code == http.StatusUnauthorized {
					t.Errorf("%s %s as %s = %d %s; want allowed", r.method, r.path, scope, code, body)
				}
			} else if code != http.StatusForbidden {
				t.Errorf("%s %s as %s = %d %s; want 403", r.method, r.path, scope, code, body)
			}
		}
	}
}

func TestAgentBoundToItsHost(t *testing.T) {
	f := newFixture(t, Config{})
	inv := api.Inventory{Containers: []api.Container{{ID: "c1", Name: "/web"}}}
	if code, body := f.do("PUT", "/api/v1/agent/hosts/h1/inventory", f.tokens["agent"], inv); code != 200 {
		t.Fatalf("first write = %d %s", code, body)
	}
	for _, path := range []string{"/api/v1/agent/hosts/h2/inventory", "/api/v1/agent/hosts/h2/audit"} {
		if code, body := f.do("PUT", path, f.tokens["agent"], inv); code != http.StatusForbidden {
			t.Errorf("PUT %s with h1's token = %d %s; want 403", path, code, body)
		}
	}
	if code, _ := f.do("POST", "/api/v1/agent/hosts/h2/alerts", f.tokens["agent"], api.Alerts{}); code != http.StatusForbidden {
		t.Errorf("alerts for h2 with h1's token = %d; want 403", code)
	}
	// Another agent token binds to h2 and cannot write h1.
	if code, _ := f.do("PUT", "/api/v1/agent/hosts/h2/inventory", f.tokens["agent2"], inv); code != 200 {
		t.Errorf("second agent on h2 = %d", code)
	}
	if code, _ := f.do("PUT", "/api/v1/agent/hosts/h1/inventory", f.tokens["agent2"], api.Inventory{}); code != http.StatusForbidden {
		t.Errorf("second agent on h1 = %d; want 403", code)
	}
	cs, _ := f.st.Containers(context.Background(), "h1")
	if len(cs) != 1 {
		t.Errorf("h1's containers = %+v; the refused write must not have changed them", cs)
	}
}

func TestOversizedBody(t *testing.T) {
	f := newFixture(t, Config{})
	big := `{"containers":[` + strings.Repeat(`{"id":"x"},`, api.MaxBody/10) + `{"id":"y"}]}`
	if code, body := f.do("PUT", "/api/v1/agent/hosts/h1/inventory", f.tokens["agent"], big); code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized inventory = %d %s; want 413", code, body)
	}
	// Without a Content-Length (chunked), the limit holds while reading.
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte(big))
		pw.Close()
	}()
	if code, body := f.do("PUT", "/api/v1/agent/hosts/h1/inventory", f.tokens["agent"], io.Reader(pr)); code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized chunked inventory = %d %s; want 413", code, body)
	}
	alerts := `{"alerts":[` + strings.Repeat(`{"id":"0123456789","time":"2026-01-01T00:00:00Z","rule":"r","priority":"ERROR"},`, api.MaxBody/70) + `{}]}`
	if code, _ := f.do("POST", "/api/v1/agent/hosts/h1/alerts", f.tokens["agent"], alerts); code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized alerts = %d; want 413", code)
	}
}

func TestMalformedInput(t *testing.T) {
	f := newFixture(t, Config{})
	agent := f.tokens["agent"]
	sbomPath := "/api/v1/agent/hosts/h1/images/" + digestA
	for _, c := range []struct {
		method, path, body, want string
	}{
		{"PUT", "/api/v1/agent/hosts/h1/inventory", `{"containers": [`, "malformed JSON"},
		{"PUT", "/api/v1/agent/hosts/h1/inventory", `{"containers": []} {}`, "data after"},
		{"PUT", "/api/v1/agent/hosts/h1/inventory", ``, "empty body"},
		{"PUT", "/api/v1/agent/hosts/h1/inventory", `{"containers": [{"name": "x"}]}`, "missing id"},
		{"PUT", "/api/v1/agent/hosts/h1/inventory", `{"containers": [{"id": "a\u0000b"}]}`, "NUL"},
		{"PUT", "/api/v1/agent/hosts/h1/inventory", `[1,2]`, "malformed JSON"},
		{"PUT", sbomPath, `{"sbom": {"hello": "world"}}`, "not a CycloneDX JSON or SPDX JSON"},
		{"PUT", sbomPath, `{"sbom": "<bom/>"}`, "sbom:"},
		{"PUT", sbomPath, `{"refs": ["a"]}`, "missing sbom"},
		{"PUT", sbomPath, `{"sbom": {"bomFormat": "CycloneDX", "components": 7}}`, "sbom:"},
		{"PUT", "/api/v1/agent/hosts/h1/images/sha256:XYZ", `{"sbom": {}}`, "image digest"},
		{"PUT", "/api/v1/agent/hosts/h1/images/latest", `{"sbom": {}}`, "image digest"},
		{"PUT", "/api/v1/agent/hosts/-bad/inventory", `{"containers": []}`, "host id"},
		{"PUT", "/api/v1/agent/hosts/h1/audit", `{"results": [{"check_id": "1.1", "status": "maybe"}]}`, "status of pass"},
		{"POST", "/api/v1/agent/hosts/h1/alerts", `{"alerts": [{"id": "1", "time": "yesterday", "rule": "r", "priority": "ERROR"}]}`, "RFC 3339"},
		{"POST", "/api/v1/agent/hosts/h1/alerts", `{"alerts": [{"id": "1", "time": "2026-01-01T00:00:00Z", "rule": "r", "priority": "LOUD"}]}`, "Falco priority"},
	} {
		code, body := f.do(c.method, c.path, agent, c.body)
		if code != http.StatusBadRequest || !strings.Contains(body, c.want) {
			t.Errorf("%s %s %.40q = %d %s; want 400 with %q", c.method, c.path, c.body, code, strings.TrimSpace(body), c.want)
		}
		var e api.Error
		if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error == "" {
			t.Errorf("%s %s: error body %q is not {\"error\": ...}", c.method, c.path, body)
		}
	}
	for _, q := range []string{"/api/v1/search", "/api/v1/search?q=", "/api/v1/audit/failing", "/api/v1/changes?since=someday",
		"/api/v1/alerts?limit=0", "/api/v1/alerts?priority=LOUD", "/api/v1/search?q=" + strings.Repeat("a", 600)} {
		if code, _ := f.do("GET", q, f.tokens["read"], nil); code != http.StatusBadRequest {
			t.Errorf("GET %s = %d; want 400", q, code)
		}
	}
}

// TestSQLMetacharacters sends SQL metacharacters in every query and path
// parameter of every read route: the answers are 200, 400 or 404, never a
// server error, and the data is intact.
func TestSQLMetacharacters(t *testing.T) {
	f := newFixture(t, Config{})
	f.ingestFleet()
	read := f.tokens["admin"]
	evil := []string{`'; DROP TABLE images; --`, `" OR "1"="1`, `' OR 1=1 --`, `%`, `_`, `\`, `$1`, `%00`, "\x00", `') UNION SELECT hash FROM tokens --`, `CVE-2021-23337' OR '1'='1`}
	var hashes []string
	rows, err := f.st.DB().Query(`SELECT hash FROM tokens`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var h string
		rows.Scan(&h)
		hashes = append(hashes, h)
	}
	rows.Close()
	params := map[string][]string{
		"/api/v1/search":        {"q"},
		"/api/v1/alerts":        {"host", "container", "priority", "since", "limit"},
		"/api/v1/changes":       {"since", "limit"},
		"/api/v1/audit/failing": {"check"},
		"/api/v1/admin/log":     {"limit"},
	}
	for _, e := range evil {
		for path, names := range params {
			for _, n := range names {
				u := path + "?" + url.Values{n: {e}}.Encode()
				code, body := f.do("GET", u, read, nil)
				if code != 200 && code != 400 {
					t.Errorf("GET %s = %d %s", u, code, body)
				}
				for _, h := range hashes {
					if strings.Contains(body, h) {
						t.Errorf("GET %s leaked a token hash: %s", u, body)
					}
				}
			}
		}
		for _, p := range []string{"/api/v1/images/%s/findings", "/api/v1/hosts/%s/containers", "/api/v1/hosts/%s/audit"} {
			u := fmt.Sprintf(p, url.PathEscape(e))
			if code, body := f.do("GET", u, read, nil); code != 200 && code != 404 {
				t.Errorf("GET %s = %d %s", u, code, body)
			}
		}
		if code, _ := f.do("DELETE", "/api/v1/tokens/"+url.PathEscape(e), read, nil); code != 404 {
			t.Errorf("DELETE token %q = %d; want 404", e, code)
		}
		u := "/api/v1/agent/hosts/" + url.PathEscape(e) + "/inventory"
		if code, _ := f.do("PUT", u, f.tokens["agent2"], `{"containers":[]}`); code != 400 && code != 404 {
			t.Errorf("PUT %s = %d; want 400", u, code)
		}
	}
	imgs, _ := f.st.Images(context.Background())
	toks, _ := f.st.Tokens(context.Background())
	if len(imgs) != 2 || len(toks) != 4 {
		t.Errorf("after the attempts: %d images, %d tokens; want 2, 4", len(imgs), len(toks))
	}
}

// ingestFleet sends one host's inventory, two SBOMs, an audit and alerts.
func (f *fixture) ingestFleet() {
	f.t.Helper()
	agent := f.tokens["agent"]
	inv := api.Inventory{Name: "web-1", AgentVersion: "test", Containers: []api.Container{
		{ID: "c0ffee000001", Name: "/shop", ImageRef: "shop:1", ImageDigest: digestA, State: "running", Ports: []string{"0.0.0.0:8080->80/tcp"}},
	}}
	for _, req := range []struct {
		method, path string
		body         any
	}{
		{"PUT", "/api/v1/agent/hosts/h1/inventory", inv},
		{"PUT", "/api/v1/agent/hosts/h1/images/" + digestA, api.SBOM{Refs: []string{"shop:1"}, SBOM: cdx("lodash@4.17.20", "left-pad@1.3.0")}},
		{"PUT", "/api/v1/agent/hosts/h1/images/" + digestB, api.SBOM{Refs: []string{"old:1"}, SBOM: cdx("lodash@4.17.21")}},
		{"PUT", "/api/v1/agent/hosts/h1/audit", api.Audit{Results: []api.AuditResult{{CheckID: "2.1", Status: "fail", Severity: "HIGH"}, {CheckID: "2.2", Status: "pass"}}}},
		{"POST", "/api/v1/agent/hosts/h1/alerts", api.Alerts{Alerts: []api.Alert{
			{ID: "a1", Time: "2026-01-01T00:00:00Z", Rule: "Terminal shell in container", Priority: "WARNING", ContainerID: "c0ffee000001"},
			{ID: "a2", Time: "2026-01-01T00:00:01Z", Rule: "Write below etc", Priority: "ERROR", ContainerID: "other"},
		}}},
	} {
		if code, body := f.do(req.method, req.path, agent, req.body); code != 200 {
			f.t.Fatalf("%s %s = %d %s", req.method, req.path, code, body)
		}
	}
}

func decodeBody[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return v
}

func TestIngestAndAsk(t *testing.T) {
	f := newFixture(t, Config{})
	f.ingestFleet()
	read := f.tokens["read"]

	code, body := f.do("GET", "/api/v1/images/"+digestA+"/findings", read, nil)
	fs := decodeBody[struct{ Findings []store.Finding }](t, body)
	if code != 200 || len(fs.Findings) != 1 || fs.Findings[0].VulnID != "GHSA-35jh-r3h4-6jhm" || fs.Findings[0].FixedVersion != "4.17.21" {
		t.Fatalf("findings of A = %d %s; want lodash's GHSA fixed in 4.17.21", code, body)
	}
	if code, body := f.do("GET", "/api/v1/images/"+digestB+"/findings", read, nil); code != 200 || strings.Contains(body, "GHSA") {
		t.Errorf("findings of B (fixed lodash) = %d %s; want none", code, body)
	}
	for _, q := range []string{"CVE-2021-23337", "cve-2021-23337", "GHSA-35jh-r3h4-6jhm"} {
		_, body = f.do("GET", "/api/v1/search?q="+q, read, nil)
		res := decodeBody[struct {
			Kind    string
			Running int
			Hits    []store.Hit
		}](t, body)
		if res.Kind != "vulnerability" || res.Running != 1 || len(res.Hits) != 1 || res.Hits[0].HostID != "h1" || res.Hits[0].ContainerName != "/shop" {
			t.Errorf("search %s = %s; want one running hit on h1 /shop", q, body)
		}
	}
	_, body = f.do("GET", "/api/v1/search?q=LoDash", read, nil)
	res := decodeBody[struct {
		Kind string
		Hits []store.Hit
	}](t, body)
	if res.Kind != "package" || len(res.Hits) != 2 {
		t.Errorf("search lodash = %s; want 2 package hits (A running, B stored)", body)
	}
	_, body = f.do("GET", "/api/v1/audit/failing?check=2.1", read, nil)
	if !strings.Contains(body, `"host_id":"h1"`) {
		t.Errorf("failing 2.1 = %s; want h1", body)
	}
	_, body = f.do("GET", "/api/v1/alerts?container=shop", read, nil)
	al := decodeBody[struct{ Alerts []store.Alert }](t, body)
	if len(al.Alerts) != 1 || al.Alerts[0].ID != "a1" {
		t.Errorf("alerts of container shop = %s; want a1", body)
	}
	_, body = f.do("GET", "/api/v1/hosts", read, nil)
	hs := decodeBody[struct{ Hosts []store.Host }](t, body)
	if len(hs.Hosts) != 1 || hs.Hosts[0].Name != "web-1" || hs.Hosts[0].Containers != 1 || hs.Hosts[0].AuditFailed != 1 {
		t.Errorf("hosts = %s", body)
	}
	_, body = f.do("GET", "/api/v1/images", read, nil)
	if !strings.Contains(body, `"findings":{"HIGH":1}`) {
		t.Errorf("images = %s; want A's HIGH count", body)
	}

	// Resending is idempotent: no new alert, an unchanged SBOM is not rematched.
	code, body = f.do("POST", "/api/v1/agent/hosts/h1/alerts", f.tokens["agent"], api.Alerts{Alerts: []api.Alert{
		{ID: "a1", Time: "2026-01-01T00:00:00Z", Rule: "Terminal shell in container", Priority: "WARNING"}}})
	if code != 200 || decodeBody[api.Accepted](t, body).New != 0 {
		t.Errorf("resent alert = %d %s; want 0 new", code, body)
	}
	_, body = f.do("PUT", "/api/v1/agent/hosts/h1/images/"+digestA, f.tokens["agent"], api.SBOM{SBOM: cdx("lodash@4.17.20", "left-pad@1.3.0")})
	if acc := decodeBody[api.Accepted](t, body); acc.New != 0 || acc.Queued {
		t.Errorf("resent SBOM = %s; want nothing new", body)
	}
	if code, _ := f.do("HEAD", "/api/v1/agent/hosts/h1/images/"+digestA, f.tokens["agent"], nil); code != 200 {
		t.Errorf("HEAD known image = %d", code)
	}
	if code, _ := f.do("HEAD", "/api/v1/agent/hosts/h1/images/sha256:"+strings.Repeat("c", 64), f.tokens["agent"], nil); code != 404 {
		t.Errorf("HEAD unknown image = %d", code)
	}
	// A new SBOM for A (lodash upgraded) fixes the finding; changes say so.
	f.do("PUT", "/api/v1/agent/hosts/h1/images/"+digestA, f.tokens["agent"], api.SBOM{SBOM: cdx("lodash@4.17.21")})
	_, body = f.do("GET", "/api/v1/changes?since=1h", read, nil)
	ch := decodeBody[struct{ Changes []store.Change }](t, body)
	if len(ch.Changes) != 1 || ch.Changes[0].Change != store.ChangeFixed || ch.Changes[0].VulnID != "GHSA-35jh-r3h4-6jhm" {
		t.Errorf("changes = %s; want the GHSA fixed", body)
	}
}

func TestTokenAdmin(t *testing.T) {
	f := newFixture(t, Config{})
	admin := f.tokens["admin"]
	code, body := f.do("POST", "/api/v1/tokens", admin, map[string]string{"scope": "read", "name": "grafana"})
	if code != http.StatusCreated {
		t.Fatalf("create = %d %s", code, body)
	}
	created := decodeBody[struct {
		Token  string
		Record store.Token
	}](t, body)
	if code, _ := f.do("GET", "/api/v1/hosts", created.Token, nil); code != 200 {
		t.Errorf("new token = %d", code)
	}
	if code, _ := f.do("POST", "/api/v1/tokens", admin, map[string]string{"scope": "root"}); code != 400 {
		t.Errorf("bad scope = %d", code)
	}
	if code, _ := f.do("DELETE", "/api/v1/tokens/"+created.Record.ID, admin, nil); code != http.StatusNoContent {
		t.Errorf("revoke = %d", code)
	}
	if code, _ := f.do("GET", "/api/v1/hosts", created.Token, nil); code != 401 {
		t.Errorf("revoked token = %d; want 401", code)
	}
	_, body = f.do("GET", "/api/v1/admin/log", admin, nil)
	log := decodeBody[struct{ Entries []store.AdminEntry }](t, body)
	var actions []string
	for _, e := range log.Entries {
		actions = append(actions, e.Action)
	}
	sort.Strings(actions)
	if diff := cmp.Diff([]string{"token.create", "token.revoke"}, actions); diff != "" {
		t.Errorf("admin log (-want +got):\n%s", diff)
	}
	_, body = f.do("GET", "/api/v1/tokens", admin, nil)
	if strings.Contains(body, created.Token) || strings.Contains(body, created.Token[4:20]) {
		t.Error("the token list shows a secret")
	}
}

func TestRateLimit(t *testing.T) {
	f := newFixture(t, Config{RatePerSecond: 0.001, Burst: 3})
	codes := map[int]int{}
	for range 5 {
		code, _ := f.do("GET", "/api/v1/hosts", f.tokens["read"], nil)
		codes[code]++
	}
	if codes[200] != 3 || codes[429] != 2 {
		t.Errorf("codes = %v; want 3x200 then 2x429", codes)
	}
	// Another token has its own bucket.
	if code, _ := f.do("GET", "/api/v1/hosts", f.tokens["admin"], nil); code != 200 {
		t.Errorf("other token = %d", code)
	}
}

func TestLimiterRefills(t *testing.T) {
	l := newLimiter(10, 2)
	now := time.Unix(0, 0)
	l.now = func() time.Time { return now }
	if first, second, third := l.allow("a"), l.allow("a"), l.allow("a"); !first || !second || third {
		t.Fatal("burst of 2")
	}
	now = now.Add(100 * time.Millisecond)
	if !l.allow("a") || l.allow("a") {
		t.Error("one token after 100 ms at 10/s")
	}
}

// TestOpenAPIMatchesRoutes checks openapi.yaml lists exactly the routes the
// server serves, with the same security.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                                `yaml:"openapi"`
		Paths   map[string]map[string]yaml.Node       `yaml:"paths"`
		Comp    map[string]map[string]any             `yaml:"components"`
		Sec     []map[string][]string                 `yaml:"security"`
		_       map[string]map[string]map[string]bool `yaml:"-"`
	}
	if err := yaml.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi = %q; want 3.x", doc.OpenAPI)
	}
	var documented, served []string
	noAuth := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, node := range ops {
			key := strings.ToUpper(method) + " " + path
			documented = append(documented, key)
			var op struct {
				Security *[]map[string][]string `yaml:"security"`
			}
			node.Decode(&op)
			if op.Security != nil && len(*op.Security) == 0 {
				noAuth[key] = true
			}
		}
	}
	f := newFixture(t, Config{Metrics: NewMetrics()})
	for _, r := range f.srv.routes {
		key := r.method + " " + r.path
		served = append(served, key)
		if (r.scopes == nil) != noAuth[key] {
			t.Errorf("%s: served without token = %v, documented without security = %v", key, r.scopes == nil, noAuth[key])
		}
	}
	sort.Strings(documented)
	sort.Strings(served)
	if diff := cmp.Diff(served, documented); diff != "" {
		t.Errorf("openapi.yaml paths (-served +documented):\n%s", diff)
	}
	// Every $ref resolves.
	for _, ref := range findRefs(string(OpenAPI)) {
		parts := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
		if len(parts) != 2 || doc.Comp[parts[0]][parts[1]] == nil {
			t.Errorf("unresolved $ref %s", ref)
		}
	}
}

func findRefs(s string) []string {
	var out []string
	for {
		i := strings.Index(s, `$ref: "`)
		if i < 0 {
			return out
		}
		s = s[i+7:]
		j := strings.IndexByte(s, '"')
		out = append(out, s[:j])
		s = s[j:]
	}
}

func TestHealthzAndMetrics(t *testing.T) {
	f := newFixture(t, Config{Metrics: NewMetrics()})
	f.ingestFleet()
	if code, body := f.do("GET", "/healthz", "", nil); code != 200 || !strings.Contains(body, "ok") {
		t.Errorf("healthz = %d %s", code, body)
	}
	code, body := f.do("GET", "/metrics", f.tokens["read"], nil)
	for _, want := range []string{`bulkhead_fleet_findings{severity="HIGH"} 1`, `bulkhead_fleet_hosts 1`,
		`bulkhead_fleet_audit_failed_checks{host="h1"} 1`, `bulkhead_server_ingested_total{kind="sbom"} 2`} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
}
