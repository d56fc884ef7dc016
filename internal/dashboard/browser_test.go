package dashboard

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/bulkhead-sec/bulkhead/internal/store"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// artifactDir is where screenshots go: $BULKHEAD_ARTIFACTS/dashboard, or a
// temp dir of the test.
func artifactDir(t *testing.T) string {
	if d := os.Getenv("BULKHEAD_ARTIFACTS"); d != "" {
		dir := filepath.Join(d, "dashboard")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// browser starts headless Chromium (Debian's package) for the test.
func browser(t *testing.T) (context.Context, *pageWatch) {
	bin := testenv.RequireCommand(t, "chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.NoSandbox, // root in CI
		chromedp.WindowSize(1280, 800),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	w := &pageWatch{headers: map[string]network.Headers{}}
	if err := chromedp.Listen(ctx, w.listen); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	return ctx, w
}

// pageWatch records the documents' response headers and the console's
// errors (a CSP violation is one).
type pageWatch struct {
	mu      sync.Mutex
	headers map[string]network.Headers
	errors  []string
}

func (w *pageWatch) listen(ev any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventResponseReceived:
		if e.Type == network.ResourceTypeDocument || e.Type == network.ResourceTypeScript || e.Type == network.ResourceTypeStylesheet {
			w.headers[e.Response.URL] = e.Response.Headers
		}
	case *cdplog.EventEntryAdded:
		if e.Entry.Level == cdplog.EntryLevelError && !strings.Contains(e.Entry.Text, "favicon") &&
			!strings.Contains(e.Entry.Text, "status of 403") && !strings.Contains(e.Entry.Text, "status of 401") {
			w.errors = append(w.errors, e.Entry.Text)
		}
	case *runtime.EventExceptionThrown:
		msg := e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil {
			msg += " " + e.ExceptionDetails.Exception.Description
		}
		w.errors = append(w.errors, msg)
	}
}

func shot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

func textInt(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		t.Fatalf("%s = %q, not a number", sel, s)
	}
	return n
}

// apiGet reads a JSON answer of the API.
func apiGet(t *testing.T, url, token string, v any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// do runs steps, failing the test on an error.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

type css = chromedp.CSS

func loginAs(t *testing.T, ctx context.Context, base, user, pass string) {
	t.Helper()
	do(t, ctx, "log in as "+user,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(css("#user")),
		chromedp.SendKeys(css("#user"), user),
		chromedp.SendKeys(css("#password"), pass),
		chromedp.Submit(css("#password")),
		chromedp.WaitVisible(css("#n-hosts")),
	)
}

func setColorScheme(t *testing.T, ctx context.Context, scheme string) {
	t.Helper()
	_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
	if err != nil {
		t.Fatal(err)
	}
}

// TestBrowser drives the dashboard in headless Chromium: log in, compare
// the overview with the store's lists (what the API serves), open an image,
// search a CVE and land on its hosts, acknowledge an alert as admin and fail
// to as a read-only user, check the CSP and that no page breaks it, the
// keyboard shortcut, the phone width and dark mode. Screenshots of each
// page go to the artifact dir.
func TestBrowser(t *testing.T) {
	srv, f := newServer(t)
	ctx, watch := browser(t)
	dir := artifactDir(t)
	t.Logf("screenshots in %s", dir)
	bg := context.Background()

	// The login page, then the overview.
	do(t, ctx, "open", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(css("#user")))
	shot(t, ctx, dir, "01-login")
	loginAs(t, ctx, srv.URL, adminUser, adminPass)
	shot(t, ctx, dir, "02-overview")

	// The overview's numbers are the API's.
	tok, _, err := f.st.CreateToken(bg, store.ScopeRead, "browser-test")
	if err != nil {
		t.Fatal(err)
	}
	var apiHosts struct{ Hosts []store.Host }
	var apiImages struct{ Images []store.Image }
	apiGet(t, srv.URL+"/api/v1/hosts", tok, &apiHosts)
	apiGet(t, srv.URL+"/api/v1/images", tok, &apiImages)
	running := map[string]bool{}
	ctrs := 0
	for _, h := range apiHosts.Hosts {
		var cs struct{ Containers []store.Container }
		apiGet(t, srv.URL+"/api/v1/hosts/"+h.ID+"/containers", tok, &cs)
		for _, c := range cs.Containers {
			running[c.ImageDigest] = true
			ctrs++
		}
	}
	total, runningTotal, runningSecrets := 0, 0, 0
	for _, img := range apiImages.Images {
		var is struct{ Secrets []store.ImageSecret }
		apiGet(t, srv.URL+"/api/v1/images/"+img.Digest+"/issues", tok, &is)
		if running[img.Digest] {
			runningSecrets += len(is.Secrets)
		}
		for _, n := range img.Findings {
			total += n
			if running[img.Digest] {
				runningTotal += n
			}
		}
	}
	if len(apiHosts.Hosts) != 2 || len(apiImages.Images) != 3 || total == 0 || runningSecrets == 0 {
		t.Fatalf("the API lists %d hosts, %d images, %d findings: not the fixture", len(apiHosts.Hosts), len(apiImages.Images), total)
	}
	for sel, want := range map[string]int{"#n-hosts": len(apiHosts.Hosts), "#n-containers": ctrs, "#n-images": len(running),
		"#n-all-findings": total, "#n-running-findings": runningTotal, "#n-kev": 2, "#n-secrets": runningSecrets} {
		if got := textInt(t, ctx, sel); got != want {
			t.Errorf("overview %s = %d, the API's is %d", sel, got, want)
		}
	}

	// Keyboard: "/" focuses the search box.
	do(t, ctx, "press /", chromedp.KeyEvent("/"))
	if active := eval[string](t, ctx, `document.activeElement.id`); active != "q" {
		t.Errorf("after '/', focus is on %q, want the search box", active)
	}

	// Open the worst image from the overview.
	do(t, ctx, "open the worst image",
		chromedp.Click(css(`#h-worst ~ .scroll tbody tr:first-child a`)),
		chromedp.WaitVisible(css("#todo-summary")))
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	summary, _ := chromedp.Run(ctx, chromedp.Text(css("#todo-summary")))
	if !strings.HasSuffix(loc, "/images/"+f.web) || !strings.Contains(summary, "removes 5 of 6 findings") {
		t.Errorf("image page %s: summary %q", loc, summary)
	}
	// Its secrets (redacted) and misconfigurations, as the agent sent them.
	secrets := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#secrets tbody tr")).map(r => r.innerText.replace(/\s+/g, " "))`)
	if len(secrets) != 2 || !strings.Contains(secrets[0], "BH-SEC-GITHUB-PAT") || !strings.Contains(secrets[0], "app/deploy.sh:2") ||
		!strings.Contains(secrets[0], "ghp_****") || !strings.Contains(secrets[1], "config") {
		t.Errorf("image page secrets = %q; want the GitHub token at app/deploy.sh:2 (redacted) and the one in config.Env", secrets)
	}
	mis := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#misconfigs tbody tr")).map(r => r.innerText.replace(/\s+/g, " "))`)
	if len(mis) != 1 || !strings.Contains(mis[0], "BH-IMG-001") || !strings.Contains(mis[0], "HIGH") || !strings.Contains(mis[0], "USER") {
		t.Errorf("image page misconfigurations = %q", mis)
	}
	shot(t, ctx, dir, "03-image")

	// Search a CVE (an alias of a Debian advisory) and land on its hosts.
	do(t, ctx, "search",
		chromedp.SetValue(css("#q"), "CVE-2023-5363"),
		chromedp.Submit(css("#q")),
		chromedp.WaitVisible(css(".hit")))
	hostIDs := eval[[]string](t, ctx, `Array.from(document.querySelectorAll(".hit")).map(e => e.dataset.host)`)
	hits, _ := f.st.SearchVuln(bg, "CVE-2023-5363")
	wantHosts := map[string]bool{}
	for _, h := range hits {
		if h.HostID != "" {
			wantHosts[h.HostID] = true
		}
	}
	var want []string
	for h := range wantHosts {
		want = append(want, h)
	}
	sort.Strings(want)
	sort.Strings(hostIDs)
	if strings.Join(hostIDs, ",") != strings.Join(want, ",") || len(want) != 2 {
		t.Errorf("search landed on hosts %v, want %v", hostIDs, want)
	}
	shot(t, ctx, dir, "04-search")
	do(t, ctx, "open the host from the search",
		chromedp.Click(css(`.hit[data-host="host-web"] h3 a`)),
		chromedp.WaitVisible(css("#h-audit")))
	if loc, _ = chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/hosts/host-web") {
		t.Errorf("host page at %s", loc)
	}
	// The network picture loads (an <img>, so its own request).
	netOK, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector(".netsvg").complete && document.querySelector(".netsvg").naturalWidth > 0`,
		chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil || !netOK {
		t.Errorf("the network picture did not load: %v", err)
	}
	shot(t, ctx, dir, "05-host")

	// Acknowledge the critical alert as admin.
	sel := `#alert-host-web-` + f.alertID
	do(t, ctx, "open the alert",
		chromedp.Navigate(srv.URL+"/alerts"),
		chromedp.WaitVisible(css(sel)),
		chromedp.Click(css(sel+" > summary")),
		chromedp.WaitVisible(css(sel+` button[data-action="ack"]`)))
	shot(t, ctx, dir, "06-alerts-admin")
	do(t, ctx, "acknowledge",
		chromedp.Click(css(sel+` button[data-action="ack"]`)),
		chromedp.WaitVisible(css(".notice")))
	rows, _ := f.st.QueryAlerts(bg, store.AlertQuery{State: store.AlertsAcked})
	if len(rows) != 1 || rows[0].ID != f.alertID || rows[0].AckedBy != adminUser {
		t.Errorf("acked alerts after the admin's click: %+v", rows)
	}

	// Phone width and dark mode.
	do(t, ctx, "phone overview",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(css("#n-hosts")))
	if eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth + 1`) {
		t.Error("the overview scrolls sideways at phone width")
	}
	shot(t, ctx, dir, "07-overview-phone")
	do(t, ctx, "phone alerts", chromedp.Navigate(srv.URL+"/alerts?state=all"), chromedp.WaitVisible(css(".timeline")))
	if eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth + 1`) {
		t.Error("the alerts page scrolls sideways at phone width")
	}
	shot(t, ctx, dir, "08-alerts-phone")
	do(t, ctx, "desktop", chromedp.EmulateViewport(1280, 800))
	setColorScheme(t, ctx, "dark")
	do(t, ctx, "dark overview", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(css("#n-hosts")))
	if bgColor := eval[string](t, ctx, `getComputedStyle(document.body).backgroundColor`); bgColor != "rgb(18, 21, 27)" {
		t.Errorf("dark mode background %q, want the dark palette's", bgColor)
	}
	shot(t, ctx, dir, "09-overview-dark")
	do(t, ctx, "dark image", chromedp.Navigate(srv.URL+"/images/"+f.web), chromedp.WaitVisible(css("#todo-summary")))
	shot(t, ctx, dir, "10-image-dark")
	setColorScheme(t, ctx, "light")

	// Log out, log in as the read-only user: no admin forms, and a forged
	// acknowledge with the user's own CSRF token is refused.
	do(t, ctx, "log out",
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(css(".logout button")),
		chromedp.Click(css(".logout button")),
		chromedp.WaitVisible(css("#user")))
	loginAs(t, ctx, srv.URL, viewerUser, viewerPass)
	do(t, ctx, "alerts as read-only", chromedp.Navigate(srv.URL+"/alerts"), chromedp.WaitVisible(css(".timeline")))
	if forms := eval[int](t, ctx, `document.querySelectorAll('form[action="/alerts/ack"], form[action="/alerts/mute"], button[data-action]').length`); forms != 0 {
		t.Errorf("the read-only user sees %d admin forms", forms)
	}
	status := eval[int](t, ctx, `fetch("/alerts/ack", {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"},
		body: new URLSearchParams({csrf: document.querySelector('.logout input[name=csrf]').value, host: "host-web", id: "web-00"})}).then(r => r.status)`,
		chromedp.EvalAwaitPromise)
	if status != 403 {
		t.Errorf("read-only acknowledge: status %d, want 403", status)
	}
	rows, _ = f.st.QueryAlerts(bg, store.AlertQuery{State: store.AlertsAcked})
	if len(rows) != 1 {
		t.Errorf("%d acked alerts after the read-only try, want 1", len(rows))
	}
	shot(t, ctx, dir, "11-alerts-readonly")

	// Every document, script and stylesheet carried the CSP; no page broke it.
	watch.mu.Lock()
	defer watch.mu.Unlock()
	docs := 0
	for u, h := range watch.headers {
		csp, _ := h["Content-Security-Policy"].(string)
		if csp == "" {
			csp, _ = h["content-security-policy"].(string)
		}
		if strings.HasPrefix(u, srv.URL) && csp != CSP {
			t.Errorf("%s: CSP %q", u, csp)
		}
		docs++
	}
	if docs < 8 {
		t.Errorf("saw %d responses, want the pages visited", docs)
	}
	for _, e := range watch.errors {
		t.Errorf("browser console error: %s", e)
	}
}
