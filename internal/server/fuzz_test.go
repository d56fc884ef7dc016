package server

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/store"
)

// FuzzAgentBodies sends arbitrary bodies to every agent route: each answer
// is 200, 400 or 413, never a server error or a crash; an image's stored
// secret evidence is always redacted.
func FuzzAgentBodies(f *testing.F) {
	f.Add(0, []byte(`{"containers":[{"id":"c1","name":"/web","ports":["80/tcp"]}]}`))
	f.Add(1, []byte(`{"refs":["a:1"],"sbom":{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"type":"library","name":"lodash","version":"4.17.20","purl":"pkg:npm/lodash@4.17.20"}]}}`))
	f.Add(1, []byte(`{"sbom":{"spdxVersion":"SPDX-2.3","packages":[{"name":"x","versionInfo":"1"}]}}`))
	f.Add(2, []byte(`{"results":[{"check_id":"2.1","status":"fail"}]}`))
	f.Add(3, []byte(`{"alerts":[{"id":"1","time":"2026-01-01T00:00:00Z","rule":"r","priority":"ERROR","fields":{"a":"b"}}]}`))
	f.Add(4, []byte(`{"secrets":[{"rule_id":"BH-SEC-GITHUB-PAT","path":"app/x","line":2,"evidence":"token=ghp_****"}],"misconfigs":[{"id":"BH-IMG-001","title":"root","fix":"USER"}]}`))
	f.Add(4, []byte(`{"secrets":[{"rule_id":"r","path":"p","evidence":"plain-secret-value"}]}`))
	st, err := store.Open(context.Background(), "sqlite://"+filepath.Join(f.TempDir(), "fleet.db"))
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	m := &Matcher{Store: st, DBPath: vulnDB(f)}
	defer m.Close()
	srv := New(Config{Store: st, Queue: Inline{M: m}, RatePerSecond: 1e9, Burst: 1 << 30})
	tok, _, err := st.CreateToken(context.Background(), store.ScopeAgent, "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	// The image exists, so that its findings are taken whatever the order.
	if _, err := st.PutImage(context.Background(), store.Image{Digest: digestA}, []byte(`{}`), nil); err != nil {
		f.Fatal(err)
	}
	routes := []struct{ method, path string }{
		{"PUT", "/api/v1/agent/hosts/h1/inventory"},
		{"PUT", "/api/v1/agent/hosts/h1/images/" + digestA},
		{"PUT", "/api/v1/agent/hosts/h1/audit"},
		{"POST", "/api/v1/agent/hosts/h1/alerts"},
		{"PUT", "/api/v1/agent/hosts/h1/images/" + digestA + "/findings"},
	}
	f.Fuzz(func(t *testing.T, route int, body []byte) {
		if route < 0 {
			route = -route
		}
		r := routes[route%len(routes)]
		req := httptest.NewRequest(r.method, r.path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, req)
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("%s %s %q = %d %s", r.method, r.path, body, w.Code, w.Body)
		}
		is, err := st.ImageIssuesOf(context.Background(), digestA)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range is.Secrets {
			if x.Evidence != "" && !strings.Contains(x.Evidence, "****") {
				t.Fatalf("stored evidence %q is not redacted", x.Evidence)
			}
		}
	})
}

// FuzzParseWebhook: any --webhook value is accepted as an http(s) URL in a
// known format, or refused with an error that does not repeat it (a Slack
// URL's path is its secret).
func FuzzParseWebhook(f *testing.F) {
	for _, s := range []string{"https://h/x", "slack=https://hooks.slack.com/services/T/B/S", "json=http://[::1]:8/x", "slack=", "=https://h", "ftp://h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		w, err := ParseWebhook(v)
		if err != nil {
			if len(v) > 12 && strings.Contains(err.Error(), v) {
				t.Fatalf("error repeats the value: %v", err)
			}
			return
		}
		u, perr := url.Parse(w.URL)
		if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (w.Format != FormatJSON && w.Format != FormatSlack) {
			t.Fatalf("ParseWebhook(%q) = %+v", v, w)
		}
	})
}
