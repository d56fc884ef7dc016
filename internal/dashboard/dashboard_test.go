package dashboard

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/store"
)

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

type client struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

func newClient(t *testing.T, srv *httptest.Server) *client {
	jar, _ := cookiejar.New(nil)
	c := srv.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &client{t: t, base: srv.URL, c: c}
}

func (c *client) get(path string) (*http.Response, string) {
	c.t.Helper()
	resp, err := c.c.Get(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindStringSubmatch(string(b)); m != nil {
		c.csrf = m[1]
	}
	return resp, string(b)
}

func (c *client) post(path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	resp, err := c.c.PostForm(c.base+path, form)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (c *client) login(user, pass string) *http.Response {
	c.t.Helper()
	c.get("/login")
	resp, _ := c.post("/login", url.Values{"csrf": {c.csrf}, "user": {user}, "password": {pass}, "next": {"/"}})
	if resp.StatusCode == http.StatusSeeOther {
		c.get("/") // picks up the session's CSRF token
	}
	return resp
}

func TestLoginRequiredAndHeaders(t *testing.T) {
	srv, _ := newServer(t)
	c := newClient(t, srv)
	for _, p := range []string{"/", "/alerts", "/search?q=x", "/hosts/host-web", "/images/x"} {
		resp, _ := c.get(p)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
			t.Errorf("GET %s logged out: %d %s, want 303 to /login", p, resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp.Header.Get("Content-Security-Policy") != CSP {
			t.Errorf("GET %s: CSP %q", p, resp.Header.Get("Content-Security-Policy"))
		}
	}
	for _, p := range []string{"/login", "/static/app.css", "/static/app.js", "/nope"} {
		resp, body := c.get(p)
		if got := resp.Header.Get("Content-Security-Policy"); got != CSP {
			t.Errorf("GET %s: CSP %q", p, got)
		}
		if resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: missing framing or sniffing headers: %v", p, resp.Header)
		}
		if strings.Contains(body, "<script>") || regexp.MustCompile(`\son[a-z]+="`).MatchString(body) || strings.Contains(body, "style=\"") {
			t.Errorf("GET %s: inline script, handler or style in the page", p)
		}
	}
	if !strings.Contains(CSP, "script-src 'self'") || strings.Contains(CSP, "unsafe-inline") || strings.Contains(CSP, "unsafe-eval") {
		t.Errorf("CSP is not strict: %s", CSP)
	}
}

func TestBeside(t *testing.T) {
	srv, _ := newServer(t)
	c := newClient(t, srv)
	for path, want := range map[string]string{"/healthz": "application/json", "/api/v1/hosts": "application/json",
		"/api/v1/nope": "application/json", "/login": "text/html; charset=utf-8"} {
		resp, _ := c.get(path)
		if got := resp.Header.Get("Content-Type"); got != want {
			t.Errorf("GET %s: %s (%d), want %s", path, got, resp.StatusCode, want)
		}
	}
	// The API keeps its own auth: no dashboard session opens it.
	c.login(adminUser, adminPass)
	if resp, _ := c.get("/api/v1/hosts"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("API with a dashboard session only: %d, want 401", resp.StatusCode)
	}
}

func TestLogin(t *testing.T) {
	srv, _ := newServer(t)
	c := newClient(t, srv)
	if resp := c.login(adminUser, "wrong password here"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong password: %d, want 401", resp.StatusCode)
	}
	if resp := c.login("nobody", adminPass); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unknown user: %d, want 401", resp.StatusCode)
	}
	// No CSRF token: refused even with the right password.
	resp, _ := c.post("/login", url.Values{"user": {adminUser}, "password": {adminPass}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("login without CSRF token: %d, want 403", resp.StatusCode)
	}
	// The login CSRF token must match the cookie.
	c.get("/login")
	resp, _ = c.post("/login", url.Values{"csrf": {c.csrf + "x"}, "user": {adminUser}, "password": {adminPass}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("login with a wrong CSRF token: %d, want 403", resp.StatusCode)
	}
	resp = c.login(adminUser, adminPass)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("login: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	var sc *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie && ck.Value != "" {
			sc = ck
		}
	}
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteStrictMode || sc.Secure {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, not Secure over plain HTTP", sc)
	}
	if r, body := c.get("/"); r.StatusCode != 200 || !strings.Contains(body, "Fleet overview") {
		t.Fatalf("overview after login: %d", r.StatusCode)
	}
	// Logout needs the CSRF token, then ends the session.
	if r, _ := c.post("/logout", url.Values{}); r.StatusCode != http.StatusForbidden {
		t.Errorf("logout without CSRF: %d, want 403", r.StatusCode)
	}
	if r, _ := c.post("/logout", url.Values{"csrf": {c.csrf}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("logout: %d", r.StatusCode)
	}
	if r, _ := c.get("/"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("after logout: %d, want a redirect to login", r.StatusCode)
	}
	// A forged cookie is no session.
	u, _ := url.Parse(srv.URL)
	c.c.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: sc.Value}})
	if r, _ := c.get("/"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("old session cookie after logout: %d, want a redirect to login", r.StatusCode)
	}
}

func TestSecureCookieUnderTLS(t *testing.T) {
	st := openStore(t)
	seed(t, st)
	d, err := New(Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(d)
	defer srv.Close()
	c := newClient(t, srv)
	resp := c.login(adminUser, adminPass)
	found := false
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			found = true
			if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
				t.Errorf("session cookie under TLS: %+v", ck)
			}
		}
	}
	if !found {
		t.Fatalf("no session cookie: %d", resp.StatusCode)
	}
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS under TLS")
	}
}

func TestAckAndMuteNeedAdminAndCSRF(t *testing.T) {
	srv, f := newServer(t)
	ctx := context.Background()
	acked := func() string {
		rows, err := f.st.QueryAlerts(ctx, store.AlertQuery{HostID: "host-web", State: store.AlertsAcked})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range rows {
			ids = append(ids, r.ID+":"+r.AckedBy)
		}
		return strings.Join(ids, ",")
	}
	viewer := newClient(t, srv)
	viewer.login(viewerUser, viewerPass)
	_, body := viewer.get("/alerts")
	if strings.Contains(body, "/alerts/ack") || strings.Contains(body, "/alerts/mute") {
		t.Error("a read-only user sees the admin forms")
	}
	form := url.Values{"csrf": {viewer.csrf}, "host": {"host-web"}, "id": {f.alertID}}
	if r, _ := viewer.post("/alerts/ack", form); r.StatusCode != http.StatusForbidden {
		t.Errorf("read-only ack: %d, want 403", r.StatusCode)
	}
	if got := acked(); got != "" {
		t.Errorf("acked after a read-only try: %s", got)
	}
	admin := newClient(t, srv)
	admin.login(adminUser, adminPass)
	_, body = admin.get("/alerts")
	if !strings.Contains(body, "/alerts/ack") {
		t.Error("the admin sees no acknowledge form")
	}
	if r, _ := admin.post("/alerts/ack", url.Values{"host": {"host-web"}, "id": {f.alertID}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("admin ack without CSRF: %d, want 403", r.StatusCode)
	}
	// Another session's token is no good either.
	if r, _ := admin.post("/alerts/ack", form); r.StatusCode != http.StatusForbidden {
		t.Errorf("admin ack with the viewer's CSRF token: %d, want 403", r.StatusCode)
	}
	if got := acked(); got != "" {
		t.Errorf("acked without a valid token: %s", got)
	}
	r, _ := admin.post("/alerts/ack", url.Values{"csrf": {admin.csrf}, "host": {"host-web"}, "id": {f.alertID}, "back": {"https://evil.example/"}})
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/alerts?") {
		t.Errorf("admin ack: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if got := acked(); got != f.alertID+":"+adminUser {
		t.Errorf("acked = %q, want %s by %s", got, f.alertID, adminUser)
	}
	if r, _ := admin.post("/alerts/ack", url.Values{"csrf": {admin.csrf}, "host": {"host-web"}, "id": {"no-such"}}); r.StatusCode != http.StatusNotFound {
		t.Errorf("ack of an unknown alert: %d, want 404", r.StatusCode)
	}

	// Mute the shell rule on its container: its alerts leave the open view.
	open := func() int {
		rows, err := f.st.QueryAlerts(ctx, store.AlertQuery{Rule: "Terminal shell in container"})
		if err != nil {
			t.Fatal(err)
		}
		return len(rows)
	}
	if n := open(); n != 12 {
		t.Fatalf("open shell alerts before the mute: %d", n)
	}
	mute := url.Values{"csrf": {admin.csrf}, "rule": {"Terminal shell in container"}, "host": {"host-web"},
		"container": {strings.Repeat("e1", 32)}, "scope": {"container"}, "for": {"8h"}}
	if r, _ := viewer.post("/alerts/mute", url.Values{"csrf": {viewer.csrf}, "rule": {"Terminal shell in container"}, "scope": {"all"}, "for": {"1h"}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("read-only mute: %d, want 403", r.StatusCode)
	}
	bad := url.Values{}
	for k, v := range mute {
		bad[k] = v
	}
	bad.Set("for", "-1h")
	if r, _ := admin.post("/alerts/mute", bad); r.StatusCode != http.StatusBadRequest {
		t.Errorf("mute with a negative duration: %d, want 400", r.StatusCode)
	}
	if r, _ := admin.post("/alerts/mute", mute); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("mute: %d", r.StatusCode)
	}
	if n := open(); n != 0 {
		t.Errorf("open shell alerts after the mute: %d, want 0", n)
	}
	if _, body := admin.get("/alerts?msg=" + url.QueryEscape("Your session expired: log in at evil.example")); strings.Contains(body, "evil.example") {
		t.Error("the alerts page shows text from its URL")
	}
	_, body = admin.get("/alerts?state=muted&msg=muted")
	if !strings.Contains(body, "Rule muted") {
		t.Error("no notice after the mute")
	}
	if strings.Count(body, `data-alert="web-`) != 12 {
		t.Errorf("the muted view shows %d shell alerts, want 12", strings.Count(body, `data-alert="web-`))
	}
	log, err := f.st.AdminLog(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
	}
	if s := strings.Join(actions, " "); !strings.Contains(s, "alert.ack") || !strings.Contains(s, "alert.mute") {
		t.Errorf("admin log %q lacks the ack and the mute", s)
	}
}

func TestPages(t *testing.T) {
	srv, f := newServer(t)
	c := newClient(t, srv)
	c.login(viewerUser, viewerPass)
	tests := []struct {
		path string
		code int
		want []string
	}{
		{"/", 200, []string{`id="n-hosts">2<`, `id="n-images">2<`, `id="n-kev">2<`, `id="n-secrets">2<`, "in 1 image · 1 misconfiguration", "registry.example/shop/web:1.4", "web-1.prod", "Write below etc"}},
		{"/images/" + f.web, 200, []string{"Rebuild on the fixed base and upgrade 1 package: removes 5 of 6 findings.",
			"Upgrade lodash 4.17.20 to 4.17.21: removes 2.", "1 finding has no fix yet", "CVE-2024-3094", "KEV", "shop-web-1", "db-1.prod", "Packages (5)", "4 packages", "ADD rootfs.tar.xz /", "74.2 MiB", "COPY app /app", "3.0.11-1~deb12u2",
			"Secrets (2)", "BH-SEC-GITHUB-PAT", "app/deploy.sh:2", "export GITHUB_TOKEN=ghp_****", "config.Env[0]", "Rotate the 2 secrets",
			"Misconfigurations (1)", "BH-IMG-001", "Image runs as root", "end the Dockerfile with USER", "Fix 1 misconfiguration"}},
		{"/images/" + f.db, 200, []string{"Secrets (0)", "Misconfigurations (0)"}},
		{"/images/sha256:nope", 404, nil},
		{"/hosts/host-web", 200, []string{"Container runtime", "Failing containers: shop-web-1, shop-web-2", "/hosts/host-web/network.svg", "Terminal shell in container"}},
		{"/hosts/nope", 404, nil},
		{"/alerts?priority=CRITICAL", 200, []string{"Write below etc", "/etc/passwd"}},
		{"/alerts?host=host-db", 200, []string{"Outbound connection to C2 server"}},
		{"/search?q=cve-2023-5363", 200, []string{"web-1.prod", "db-1.prod", "shop-web-1", "web-canary"}},
		{"/search?q=postgresql-15", 200, []string{"package", "db-1.prod", "shop-db"}},
		{"/search?q=shop/web:1.3", 200, []string{"Images no container runs", "c3c3c3"}},
		{"/search?q=%27%3B+DROP+TABLE+alerts%3B--", 200, []string{"Nothing matches"}},
	}
	for _, tt := range tests {
		resp, body := c.get(tt.path)
		if resp.StatusCode != tt.code {
			t.Errorf("GET %s: %d, want %d", tt.path, resp.StatusCode, tt.code)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s: no %q in the page", tt.path, w)
			}
		}
	}
	resp, body := c.get("/hosts/host-web/network.svg")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(body, "shop_front") ||
		!strings.Contains(body, "outside the host") || !strings.Contains(body, "0.0.0.0:443-&gt;8443/tcp") {
		t.Errorf("network.svg: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

func TestPagination(t *testing.T) {
	st := openStore(t)
	seed(t, st)
	ctx := context.Background()
	var as []store.Alert
	base := time.Now().Add(-time.Hour)
	for i := range 120 {
		as = append(as, store.Alert{ID: "p" + string(rune('A'+i/26)) + string(rune('a'+i%26)), At: base.Add(time.Duration(i) * time.Second), Rule: "Paged", Priority: "DEBUG"})
	}
	if _, err := st.PutAlerts(ctx, "host-db", as); err != nil {
		t.Fatal(err)
	}
	d, _ := New(Options{Store: st})
	srv := httptest.NewServer(d)
	defer srv.Close()
	c := newClient(t, srv)
	c.login(viewerUser, viewerPass)
	seen := map[string]bool{}
	next := "/alerts?rule=Paged"
	for pages := 0; next != "" && pages < 10; pages++ {
		_, body := c.get(next)
		for _, m := range regexp.MustCompile(`data-alert="(p[^"]+)"`).FindAllStringSubmatch(body, -1) {
			seen[m[1]] = true
		}
		next = ""
		if m := regexp.MustCompile(`class="more" href="([^"]+)"`).FindStringSubmatch(body); m != nil {
			next = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	if len(seen) != 120 {
		t.Errorf("pages showed %d distinct alerts, want 120", len(seen))
	}
}

func TestAdvise(t *testing.T) {
	sum, adv, unfixed := advise(nil)
	if sum == "" || adv != nil || unfixed != 0 {
		t.Errorf("no findings: %q %v %d", sum, adv, unfixed)
	}
	sum, _, unfixed = advise([]store.Finding{{PackageType: "apk", FixedVersion: "1"}, {PackageType: "apk"}})
	if sum != "Rebuild on the fixed base: removes 1 of 2 findings." || unfixed != 1 {
		t.Errorf("apk: %q %d", sum, unfixed)
	}
	sum, adv, _ = advise([]store.Finding{{PackageName: "x", PackageVersion: "1", PackageType: "pypi", FixedVersion: "2"}, {PackageName: "x", PackageVersion: "1", PackageType: "pypi", FixedVersion: "3"}})
	if sum != "Upgrade 1 package: removes 2 of 2 findings." || len(adv) != 1 || adv[0].Text != "Upgrade x 1 to 2 or 3: removes 2." {
		t.Errorf("pypi: %q %v", sum, adv)
	}
	sum, _, _ = advise([]store.Finding{{PackageType: "deb"}})
	if !strings.HasPrefix(sum, "The 1 finding has no fix yet") {
		t.Errorf("unfixed: %q", sum)
	}
}

func TestParsePort(t *testing.T) {
	tests := []struct {
		in       string
		ok, ext  bool
		hostPort int
	}{
		{"0.0.0.0:8080->80/tcp", true, true, 8080},
		{"[::]:8080->80/tcp", true, true, 8080},
		{"127.0.0.1:53->53/udp", true, false, 53},
		{"[::1]:53->53/udp", true, false, 53},
		{"10.0.0.5:22->22/tcp", true, true, 22},
		{"8443->443/tcp", true, true, 8443},
		{"80/tcp", false, false, 0},
		{"x:99999->1/tcp", false, false, 0},
		{"bogus:80->80/tcp", false, false, 0},
		{"", false, false, 0},
	}
	for _, tt := range tests {
		p, ok := parsePort(tt.in)
		if ok != tt.ok || (ok && (p.External != tt.ext || p.HostPort != tt.hostPort)) {
			t.Errorf("parsePort(%q) = %+v, %v", tt.in, p, ok)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "/",
		"/alerts?x=1":          "/alerts?x=1",
		"//evil.example":       "/",
		"/\\evil.example":      "/",
		"https://evil.example": "/",
		"/a\r\nSet-Cookie: x":  "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLoadKEV(t *testing.T) {
	k, err := LoadKEV(strings.NewReader(testKEV))
	if err != nil {
		t.Fatal(err)
	}
	if len(k) != 2 || !k.Has("cve-2024-3094") || !k.Has("DSA-1", "CVE-2023-44487") || k.Has("CVE-2023-5363") {
		t.Errorf("KEV = %v", k)
	}
	for _, bad := range []string{``, `{}`, `[]`, `{"vulnerabilities":3}`, `{"vulnerabilities":[`} {
		if _, err := LoadKEV(strings.NewReader(bad)); err == nil {
			t.Errorf("LoadKEV(%q): no error", bad)
		}
	}
}

func FuzzLoadKEV(f *testing.F) {
	f.Add([]byte(testKEV))
	f.Add([]byte(`{"vulnerabilities":[{"cveID":" cve-2021-44228 "}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := LoadKEV(strings.NewReader(string(b)))
		if err != nil {
			return
		}
		for id := range k {
			if !cveID.MatchString(id) {
				t.Errorf("kept %q", id)
			}
		}
	})
}

func FuzzParsePort(f *testing.F) {
	for _, s := range []string{"0.0.0.0:8080->80/tcp", "[::]:1->2", "127.0.0.1:53->53/udp", "->", ":->"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := parsePort(s)
		if ok && (p.HostPort <= 0 || p.HostPort > 65535 || p.ContainerPort == "") {
			t.Errorf("parsePort(%q) = %+v", s, p)
		}
	})
}

func TestAdviseIssues(t *testing.T) {
	is := store.ImageIssues{Secrets: []store.ImageSecret{{RuleID: "r", Path: "a"}}, Misconfigs: []store.ImageMisconfig{{ID: "m", Title: "t"}, {ID: "n", Title: "u"}}}
	sum, adv := adviseIssues("No known vulnerabilities: nothing to do.", nil, 0, is)
	if sum != "No known vulnerabilities; 1 secret to rotate and 2 misconfigurations to fix." {
		t.Errorf("summary = %q", sum)
	}
	if len(adv) != 2 || !strings.HasPrefix(adv[0].Text, "Rotate the secret and remove it") || !strings.HasPrefix(adv[1].Text, "Fix 2 misconfigurations") {
		t.Errorf("advice = %+v", adv)
	}
	sum, adv = adviseIssues("Rebuild on the fixed base: removes 1 of 1 findings.", []Advice{{Text: "x"}}, 1, store.ImageIssues{})
	if sum != "Rebuild on the fixed base: removes 1 of 1 findings." || len(adv) != 1 {
		t.Errorf("no issues changed the advice: %q %+v", sum, adv)
	}
}
