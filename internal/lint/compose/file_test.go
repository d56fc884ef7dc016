package compose

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIsComposeFile(t *testing.T) {
	tests := map[string]bool{
		"compose.yaml": true, "compose.yml": true, "docker-compose.yml": true, "docker-compose.yaml": true,
		"a/b/docker-compose.prod.yml": true, "compose.override.yaml": true, `c:\x\docker-compose-dev.yml`: true,
		"Docker-Compose.YML": true, "compose.json": false, "mycompose.yaml": false, "values.yaml": false,
		"docker-compose": false, "compose.yaml.bak": false,
		"bad-compose.yaml": true, "app.compose.yml": true, "web_docker-compose.yml": true, "composer.yaml": false, "decompose.yml": false,
	}
	got := map[string]bool{}
	for p := range tests {
		got[p] = IsComposeFile(p)
	}
	if diff := cmp.Diff(tests, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLintFile(t *testing.T) {
	p := filepath.Join("testdata", "BH-CP-001", "bad.yaml")
	fs, err := LintFile(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if count(fs, "BH-CP-001") != 1 || fs[0].Location.Path != p {
		t.Errorf("got %v at %q", ids(fs), fs[0].Location.Path)
	}
	if _, err := LintFile(filepath.Join(t.TempDir(), "missing.yaml"), Options{}); err == nil {
		t.Error("missing file: no error")
	}
	big := filepath.Join(t.TempDir(), "compose.yaml")
	if err := os.WriteFile(big, []byte("services: {}\n"+strings.Repeat("#", MaxSize)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LintFile(big, Options{}); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("oversized file: %v", err)
	}
}
