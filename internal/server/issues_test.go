package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/server/api"
)

// fullToken is a GitHub token in full: it must never reach the database
// or an answer, whatever the agent sends.
var fullToken = "ghp_" + strings.Repeat("Ab1x", 9)

func TestImageIssues(t *testing.T) {
	f := newFixture(t, Config{})
	agent := f.tokens["agent"]
	path := "/api/v1/agent/hosts/h1/images/" + digestA + "/findings"
	body := api.ImageFindings{
		Secrets: []api.ImageSecret{
			{RuleID: "github-pat", Severity: "critical", Title: "GitHub token", Path: "root/.git-credentials", Line: 2, Layer: digestB, Evidence: "ghp_****"},
			// An agent that forgot to redact: the server redacts.
			{RuleID: "github-pat", Severity: "HIGH", Path: "app/config.yml", Line: 7, Evidence: "token: " + fullToken},
			{RuleID: "custom", Path: "etc/x", Evidence: "Zm9vYmFyYmF6cXV4cXV1eA"},
		},
		Misconfigs: []api.ImageMisconfig{{ID: "BH-IMG-001", Severity: "medium", Title: "The image runs as root", Fix: "add a USER"}},
	}
	if code, resp := f.do("PUT", path, agent, body); code != http.StatusNotFound || !strings.Contains(resp, "SBOM first") {
		t.Fatalf("issues before the SBOM = %d %s; want 404", code, resp)
	}
	if code, resp := f.do("PUT", "/api/v1/agent/hosts/h1/images/"+digestA, agent, api.SBOM{Refs: []string{"app:1"}, SBOM: cdx("left-pad@1.0.0")}); code != 200 {
		t.Fatalf("sbom = %d %s", code, resp)
	}
	for range 2 { // idempotent
		if code, resp := f.do("PUT", path, agent, body); code != 200 {
			t.Fatalf("issues = %d %s", code, resp)
		}
	}
	code, resp := f.do("GET", "/api/v1/images/"+digestA+"/issues", f.tokens["read"], nil)
	if code != 200 {
		t.Fatalf("GET issues = %d %s", code, resp)
	}
	var got struct {
		Secrets    []api.ImageSecret    `json:"secrets"`
		Misconfigs []api.ImageMisconfig `json:"misconfigs"`
	}
	if err := json.Unmarshal([]byte(resp), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Secrets) != 3 || len(got.Misconfigs) != 1 {
		t.Fatalf("issues = %s; want 3 secrets and 1 misconfiguration (the second PUT replaces the first)", resp)
	}
	if s := got.Secrets[0]; s.Evidence != "ghp_****" || s.Severity != "CRITICAL" || s.Line != 2 || s.Layer != digestB {
		t.Errorf("first secret = %+v", s)
	}
	if ev := got.Secrets[1].Evidence; !strings.Contains(ev, "****") || strings.Contains(ev, fullToken[:12]) {
		t.Errorf("unredacted evidence stored as %q; want it redacted", ev)
	}
	if ev := got.Secrets[2].Evidence; ev != "Zm9v****" {
		t.Errorf("evidence with no redaction mark stored as %q; want Zm9v****", ev)
	}
	if m := got.Misconfigs[0]; m.ID != "BH-IMG-001" || m.Fix != "add a USER" || m.Severity != "MEDIUM" {
		t.Errorf("misconfiguration = %+v", m)
	}
	// Never a secret in full in the database, in any table.
	var n int
	if err := f.st.DB().QueryRow(`SELECT count(*) FROM image_issues WHERE evidence LIKE '%' || $1 || '%' OR title LIKE '%' || $1 || '%'`, fullToken[8:]).Scan(&n); err != nil || n != 0 {
		t.Errorf("rows holding the token in full = %d, %v; want 0", n, err)
	}

	// Scopes and hosts: only an agent, only for its own host.
	if code, _ := f.do("PUT", path, f.tokens["read"], body); code != http.StatusForbidden {
		t.Errorf("read token = %d; want 403", code)
	}
	if code, _ := f.do("PUT", strings.Replace(path, "/h1/", "/h2/", 1), agent, body); code != http.StatusForbidden {
		t.Errorf("h1's agent writing h2 = %d; want 403", code)
	}
	if code, _ := f.do("GET", "/api/v1/images/"+digestB+"/issues", f.tokens["read"], nil); code != http.StatusNotFound {
		t.Errorf("issues of an unknown image = %d; want 404", code)
	}

	// Malformed input: 400 with a reason; oversize: 413.
	for _, c := range []struct{ body, want string }{
		{`{"secrets": [`, "malformed JSON"},
		{`{"secrets": [{"path": "a"}]}`, "secrets[0]"},
		{`{"secrets": [{"rule_id": "r"}]}`, "secrets[0]"},
		{`{"secrets": [{"rule_id": "r", "path": "a", "line": -1}]}`, "secrets[0]"},
		{`{"secrets": [{"rule_id": "r", "path": "a", "severity": "LOUD"}]}`, "unknown severity"},
		{`{"secrets": [{"rule_id": "r", "path": "a\u0000b"}]}`, "NUL"},
		{`{"misconfigs": [{"id": "x"}]}`, "misconfigs[0]"},
		{`{"misconfigs": [{"id": "x", "title": "` + strings.Repeat("t", 5000) + `"}]}`, "misconfigs[0]"},
	} {
		if code, resp := f.do("PUT", path, agent, c.body); code != http.StatusBadRequest || !strings.Contains(resp, c.want) {
			t.Errorf("PUT %.50q = %d %s; want 400 with %q", c.body, code, strings.TrimSpace(resp), c.want)
		}
	}
	if code, _ := f.do("PUT", "/api/v1/agent/hosts/h1/images/latest/findings", agent, body); code != http.StatusBadRequest {
		t.Errorf("bad digest = %d; want 400", code)
	}
	big := `{"misconfigs":[` + strings.Repeat(`{"id":"x","title":"y"},`, api.MaxBody/20) + `{}]}`
	if code, _ := f.do("PUT", path, agent, big); code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized = %d; want 413", code)
	}
}
