package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/report"
)

func TestParseScanners(t *testing.T) {
	for in, want := range map[string][]string{
		"":                            nil,
		"  ":                          nil,
		"vuln":                        {ScanVuln},
		"secrets, misconfiguration":   {ScanSecret, ScanMisconfig},
		"vulnerabilities,config,vuln": {ScanVuln, ScanMisconfig, ScanVuln},
	} {
		got, err := ParseScanners(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseScanners(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"vuln,licence", "VULN", ","} {
		if _, err := ParseScanners(bad); err == nil || !strings.Contains(err.Error(), "want vuln, secret, misconfig") {
			t.Errorf("ParseScanners(%q): %v, want an error listing the scanners", bad, err)
		}
	}
	all := Config{}
	some := Config{Scanners: []string{ScanSecret}}
	if !all.enabled(ScanVuln) || !some.enabled(ScanSecret) || some.enabled(ScanVuln) {
		t.Error("enabled: nil must mean every scanner, a list only its members")
	}
}

func TestLintFileChoosesByName(t *testing.T) {
	compose := []byte("services:\n  web:\n    image: nginx:1.25\n    privileged: true\n")
	got, err := LintFile("docker-compose.yml", compose, LintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !hasID(got, "BH-CP-") {
		t.Errorf("a compose file name gave no compose finding: %v", ids(got))
	}
	got, err = LintFile("build/Containerfile", []byte("FROM debian:12\nMAINTAINER me\n"), LintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !hasID(got, "BH-DF-") || hasID(got, "BH-CP-") {
		t.Errorf("a Dockerfile gave %v", ids(got))
	}
}

// TestScanFSTree runs the filesystem job on a tree with a Dockerfile, a
// compose file and a secret, some of it under a .gitignore'd folder and a
// --skip-dirs one, without the vulnerability scanner (no database).
func TestScanFSTree(t *testing.T) {
	root := t.TempDir()
	token := "ghp_" + "Zq3xV9mK2pL7wR4tY8uB1nC6dF0gH5jA2sE9"
	files := map[string]string{
		"Dockerfile":                "FROM debian:12\nMAINTAINER me\n",
		"deploy/docker-compose.yml": "services:\n  web:\n    image: nginx:1.25\n    privileged: true\n",
		"config/settings.env":       "GITHUB_TOKEN=" + token + "\n",
		".gitignore":                "ignored/\n",
		"ignored/Dockerfile":        "FROM debian:12\nMAINTAINER me\n",
		"vendor/x/Dockerfile":       "FROM debian:12\nMAINTAINER me\n",
	}
	for name, body := range files {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := Config{Scanners: []string{ScanSecret, ScanMisconfig}, SkipDirs: []string{"vendor"}, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	r, err := ScanFS(context.Background(), root, cfg)
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string]bool{}
	for _, f := range r.Findings {
		paths[f.Location.Path] = true
		if f.Kind == finding.Secret && strings.Contains(f.Evidence, token) {
			t.Errorf("the secret is in the report in full: %q", f.Evidence)
		}
	}
	for _, want := range []string{"Dockerfile", "deploy/docker-compose.yml", "config/settings.env"} {
		if !paths[want] {
			t.Errorf("no finding at %s; findings at %v", want, paths)
		}
	}
	for _, never := range []string{"ignored/Dockerfile", "vendor/x/Dockerfile"} {
		if paths[never] {
			t.Errorf("finding at %s, which .gitignore or --skip-dirs leaves out", never)
		}
	}
	for _, s := range []string{ScanSecret, ScanMisconfig} {
		if st := scannerState(r, s); st != report.StateDone {
			t.Errorf("scanner %s: state %q, want done", s, st)
		}
	}
	if st := scannerState(r, ScanVuln); st != "" {
		t.Errorf("the vuln scanner was not asked for but has state %q", st)
	}

	cfg.NoGitignore = true
	r, err = ScanFS(context.Background(), root, cfg)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range r.Findings {
		found = found || f.Location.Path == "ignored/Dockerfile"
	}
	if !found {
		t.Error("NoGitignore: the .gitignore'd Dockerfile was not linted")
	}
}

func scannerState(r *report.Report, name string) string {
	for _, s := range r.Scanners {
		if s.Name == name {
			return s.State
		}
	}
	return ""
}

func hasID(fs []finding.Finding, prefix string) bool {
	for _, f := range fs {
		if strings.HasPrefix(f.ID, prefix) {
			return true
		}
	}
	return false
}

func ids(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}
