package audit

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/testenv"
	"github.com/google/go-cmp/cmp"
)

// TestRulesDoc keeps docs/rules/cis/README.md in step with Checks();
// -update rewrites it.
func TestRulesDoc(t *testing.T) {
	var b strings.Builder
	b.WriteString("# CIS Docker Benchmark v1.6.0 checks\n\n")
	b.WriteString("Generated from `audit.Checks()` by `go test ./internal/audit -run TestRulesDoc -update`; see docs/audit.md.\n\n")
	b.WriteString("| id | title | level | severity | scope | automated | fix or what to verify |\n|---|---|---|---|---|---|---|\n")
	for _, c := range Checks() {
		auto := "yes"
		if !c.Automated {
			auto = "manual (INFO)"
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s | %s |\n", c.ID, esc(c.Title), c.Level, c.Severity, c.Scope, auto, esc(c.Fix))
	}
	p := filepath.Join(testenv.RepoRoot(t), "docs", "rules", "cis", "README.md")
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read %s (run with -update): %v", p, err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("%s is stale (-file +generated):\n%s", p, diff)
	}
}

func esc(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
