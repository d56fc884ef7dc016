package dockerfile

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/google/go-cmp/cmp"
)

// testNow is the clock of every test: 2026-11-26.
var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func lintFile(t *testing.T, path string, enable ...string) []finding.Finding {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Now: testNow, Enabled: enable}
	// A rule that needs configuration has a hadolint.yaml beside its cases.
	if cfg, err := os.ReadFile(filepath.Join(filepath.Dir(path), "hadolint.yaml")); err == nil {
		c, err := ParseConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		c.Apply(&opts)
	}
	got, err := Lint(filepath.ToSlash(path), src, opts)
	if err != nil {
		t.Fatalf("Lint(%s): %v", path, err)
	}
	return got
}

func ids(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}

func count(fs []finding.Finding, id string) int {
	n := 0
	for _, f := range fs {
		if f.ID == id {
			n++
		}
	}
	return n
}

// TestRuleCases runs every rule on its own bad (must fire) and good (must
// not fire) Dockerfile.
func TestRuleCases(t *testing.T) {
	for _, r := range allRules {
		t.Run(r.Meta.ID, func(t *testing.T) {
			dir := filepath.Join("testdata", r.Meta.ID)
			bad := lintFile(t, filepath.Join(dir, "bad.Dockerfile"), r.Meta.ID)
			if count(bad, r.Meta.ID) == 0 {
				t.Errorf("bad.Dockerfile: %s did not fire; got %v", r.Meta.ID, ids(bad))
			}
			good := lintFile(t, filepath.Join(dir, "good.Dockerfile"), r.Meta.ID)
			if n := count(good, r.Meta.ID); n != 0 {
				t.Errorf("good.Dockerfile: %s fired %d times", r.Meta.ID, n)
			}
		})
	}
}

func TestRuleList(t *testing.T) {
	if len(allRules) < 60 {
		t.Errorf("%d rules, want at least 60", len(allRules))
	}
	idRe := regexp.MustCompile(`^BH-DF-\d{3}$`)
	seen := map[string]bool{}
	names := map[string]bool{}
	for i, m := range Rules() {
		if !idRe.MatchString(m.ID) {
			t.Errorf("rule %d: bad id %q", i, m.ID)
		}
		if seen[m.ID] {
			t.Errorf("duplicate id %s", m.ID)
		}
		if names[m.Name] {
			t.Errorf("duplicate name %s", m.Name)
		}
		seen[m.ID], names[m.Name] = true, true
		if i > 0 && Rules()[i-1].ID >= m.ID {
			t.Errorf("rules out of order at %s", m.ID)
		}
		if m.Title == "" || m.Description == "" || m.Fix == "" || m.Name == "" || m.Severity == finding.Unknown {
			t.Errorf("%s: incomplete metadata %+v", m.ID, m)
		}
		if strings.Contains(m.Fix, "\n") {
			t.Errorf("%s: fix is more than one line", m.ID)
		}
		if m.Doc != "docs/rules/dockerfile/"+m.ID+".md" {
			t.Errorf("%s: doc %q", m.ID, m.Doc)
		}
		file := "rule_" + strings.TrimPrefix(m.ID, "BH-DF-") + "_*.go"
		if matches, _ := filepath.Glob(file); len(matches) != 1 {
			t.Errorf("%s: want exactly one file %s, got %v", m.ID, file, matches)
		}
	}
}

// TestSeedExample is the example from the project brief: exactly three
// findings, and nothing about root.
func TestSeedExample(t *testing.T) {
	src := []byte(`FROM alpine:3.18
RUN adduser -D appuser
USER appuser
COPY app /app
CMD ["/app/start.sh"]
`)
	got, err := Lint("Dockerfile", src, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"BH-DF-004", "BH-DF-005", "BH-DF-044"}
	if diff := cmp.Diff(want, ids(got)); diff != "" {
		t.Errorf("findings mismatch (-want +got):\n%s", diff)
	}
	for _, f := range got {
		if f.ID == "BH-DF-005" && !strings.Contains(f.Description, "Alpine Linux 3.18") {
			t.Errorf("EOL finding does not name the release: %q", f.Description)
		}
	}
	// Before Alpine 3.18's end, the EOL finding is not there.
	early, err := Lint("Dockerfile", src, Options{Now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"BH-DF-004", "BH-DF-044"}, ids(early)); diff != "" {
		t.Errorf("findings in 2025 mismatch (-want +got):\n%s", diff)
	}
}
