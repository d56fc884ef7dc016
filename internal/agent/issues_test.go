package agent

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/pipeline"
	"github.com/bulkhead-sec/bulkhead/internal/server"
	"github.com/bulkhead-sec/bulkhead/internal/store"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// TestImageIssuesReachTheServer: for an image a container of the host
// uses, the agent sends the SBOM and then the image's secrets and image
// checks; the server stores them, and the planted token is in full in no
// request and no table.
func TestImageIssuesReachTheServer(t *testing.T) {
	testenv.RequireDocker(t)
	ctx := context.Background()
	const token = "ghp_R8b2Kq9ZxY4mN7pL3vT6wJ1sD5fH0gC2aE8u"
	const envToken = "glpat-Zq3Lw8Rt5Yp2Kx7Nv4Bm"

	// The image: a token in a file and another in ENV (docker import).
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	for name, body := range map[string]string{
		"app/deploy.sh":  "#!/bin/sh\nexport GITHUB_TOKEN=" + token + "\n./deploy\n",
		"app/README.txt": "hello\n",
	} {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	name := fmt.Sprintf("dash2-agent-issues-%d", os.Getpid())
	imp := exec.Command("docker", "import", "--change", "ENV GITLAB_TOKEN="+envToken, "-", name+":1")
	imp.Stdin = &tb
	if out, err := imp.CombinedOutput(); err != nil {
		t.Fatalf("docker import: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", name+":1").Run() })
	if out, err := exec.Command("docker", "create", "--name", name, name+":1", "/app/deploy.sh").CombinedOutput(); err != nil {
		t.Fatalf("docker create: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", name).Run() })

	st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "fleet.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	agentTok, _, _ := st.CreateToken(ctx, store.ScopeAgent, "a")
	h := server.New(server.Config{Store: st}).Handler()
	var mu sync.Mutex
	var wire []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		wire = append(wire, r.Method+" "+r.URL.Path+" "+string(b))
		mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		h.ServeHTTP(w, r)
	}))
	defer ts.Close()

	a, err := New(ctx, Config{Server: ts.URL, Token: agentTok, HostID: "h1", HostName: "h1", NoAudit: true,
		QueueDir: t.TempDir(), Filters: []string{"name=" + name}, Pipeline: pipeline.Config{CacheDir: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Once(ctx); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("docker", "image", "inspect", "-f", "{{.Id}}", name+":1").Output()
	if err != nil {
		t.Fatal(err)
	}
	digest := strings.TrimSpace(string(out))
	is, err := st.ImageIssuesOf(ctx, digest)
	if err != nil {
		t.Fatal(err)
	}
	var file, env bool
	for _, s := range is.Secrets {
		t.Logf("secret %s %s:%d layer %.19s %q", s.RuleID, s.Path, s.Line, s.Layer, s.Evidence)
		if !strings.Contains(s.Evidence, "****") {
			t.Errorf("secret %s at %s: evidence %q is not redacted", s.RuleID, s.Path, s.Evidence)
		}
		if s.RuleID == "BH-SEC-GITHUB-PAT" && s.Path == "app/deploy.sh" && s.Line == 2 && s.Layer != "" {
			file = true
		}
		if strings.HasPrefix(s.Path, "config.Env") {
			env = true
		}
	}
	if !file || !env {
		t.Errorf("secrets = %+v; want the GitHub token in app/deploy.sh line 2 (with its layer) and the one in config.Env", is.Secrets)
	}
	if len(is.Misconfigs) == 0 {
		t.Errorf("no misconfiguration stored; the image runs as root and carries a token in ENV")
	}
	for _, m := range is.Misconfigs {
		t.Logf("misconfig %s %s %s: %s (fix: %s)", m.ID, m.Severity, m.Path, m.Title, m.Fix)
	}

	// Never a secret in full on the wire or in the database.
	mu.Lock()
	defer mu.Unlock()
	var sawFindings bool
	for _, req := range wire {
		sawFindings = sawFindings || strings.Contains(req, "/findings ")
		for _, secret := range []string{token, envToken} {
			if strings.Contains(req, secret[8:]) {
				t.Errorf("request %.80s... carries a secret in full", req)
			}
		}
	}
	if !sawFindings {
		t.Errorf("no findings PUT among the requests: %d sent", len(wire))
	}
	sb, err := st.ImageSBOM(ctx, digest)
	if err != nil {
		t.Fatal(err)
	}
	var dump strings.Builder
	dump.Write(sb)
	rows, err := st.DB().Query(`SELECT rule_id || title || path || evidence || fix FROM image_issues`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		dump.WriteString(s)
	}
	rows.Close()
	for _, secret := range []string{token, envToken} {
		if strings.Contains(dump.String(), secret[8:]) {
			t.Errorf("the database holds %.8s... in full", secret)
		}
	}
}
