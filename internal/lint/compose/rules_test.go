package compose

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/google/go-cmp/cmp"
)

func lintFile(t *testing.T, path string) []finding.Finding {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Lint(filepath.ToSlash(path), src, Options{})
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
// not fire) compose file.
func TestRuleCases(t *testing.T) {
	for _, r := range allRules {
		t.Run(r.Meta.ID, func(t *testing.T) {
			dir := filepath.Join("testdata", r.Meta.ID)
			bad := lintFile(t, filepath.Join(dir, "bad.yaml"))
			if count(bad, r.Meta.ID) == 0 {
				t.Errorf("bad.yaml: %s did not fire; got %v", r.Meta.ID, ids(bad))
			}
			good := lintFile(t, filepath.Join(dir, "good.yaml"))
			if n := count(good, r.Meta.ID); n != 0 {
				t.Errorf("good.yaml: %s fired %d times", r.Meta.ID, n)
			}
		})
	}
}

func TestRuleList(t *testing.T) {
	idRe := regexp.MustCompile(`^BH-CP-\d{3}$`)
	uuidRe := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	names := map[string]bool{}
	rules := Rules()
	for i, m := range rules {
		if !idRe.MatchString(m.ID) {
			t.Errorf("rule %d: bad id %q", i, m.ID)
		}
		if seen[m.ID] || names[m.Name] {
			t.Errorf("duplicate id or name %s %s", m.ID, m.Name)
		}
		seen[m.ID], names[m.Name] = true, true
		if i > 0 && rules[i-1].ID >= m.ID {
			t.Errorf("rules out of order at %s", m.ID)
		}
		if m.Title == "" || m.Description == "" || m.Fix == "" || m.Name == "" || m.Severity == finding.Unknown {
			t.Errorf("%s: incomplete metadata %+v", m.ID, m)
		}
		if strings.Contains(m.Fix, "\n") {
			t.Errorf("%s: fix is more than one line", m.ID)
		}
		for _, a := range m.Aliases {
			if !uuidRe.MatchString(a) {
				t.Errorf("%s: alias %q is not a KICS query id", m.ID, a)
			}
			if _, ok := kicsQueries()[a]; !ok {
				t.Errorf("%s: alias %q is not in the KICS reference list", m.ID, a)
			}
		}
		if m.Doc != "docs/rules/compose/"+m.ID+".md" {
			t.Errorf("%s: doc %q", m.ID, m.Doc)
		}
	}
}

// TestLocations checks lines (of the key, or of the service), the object
// and the redacted evidence on a file with one finding of each sort.
func TestLocations(t *testing.T) {
	src := []byte(`name: demo
services:
  db:
    image: postgres:16.4
    environment:
      POSTGRES_PASSWORD: s3cr3t-value
    volumes:
      - data:/var/lib/postgresql/data
      - /var/run/docker.sock:/var/run/docker.sock:ro
  web:
    image: nginx
    privileged: true
volumes:
  data: {}
`)
	got, err := Lint("compose.yaml", src, Options{Disabled: []string{"BH-CP-010", "BH-CP-011", "BH-CP-015", "BH-CP-016", "221e0658-cb2a-44e3-b08a-db96a341d6fa", "BH-CP-019", "BH-CP-020", "BH-CP-028", "BH-CP-029"}})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID, Object, Evidence string
		Line                 int
	}
	var rows []row
	for _, f := range got {
		if f.Location.Path != "compose.yaml" || f.Kind != finding.Misconfiguration || f.Source != Source {
			t.Errorf("%s: bad finding %+v", f.ID, f)
		}
		rows = append(rows, row{f.ID, f.Location.Object, f.Evidence, f.Location.Line})
	}
	want := []row{
		{"BH-CP-014", "service db", "POSTGRES_PASSWORD=s3c****", 6},
		{"BH-CP-003", "service db", "volumes: /var/run/docker.sock:/var/run/docker.sock:ro", 9},
		{"BH-CP-018", "service web", "image: nginx", 11},
		{"BH-CP-001", "service web", "privileged: true", 12},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("findings mismatch (-want +got):\n%s", diff)
	}
	for _, f := range got {
		if strings.Contains(f.Evidence+f.Description, "s3cr3t") {
			t.Errorf("%s: secret shown in full: %q %q", f.ID, f.Evidence, f.Description)
		}
	}
}

func TestInterpolation(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"default applies", "services:\n  a:\n    image: x:1@sha256:00\n    privileged: ${PRIV:-true}\n", []string{"BH-CP-001"}},
		{"required variable falls back to the file as written", "services:\n  a:\n    image: ${IMG:?set IMG}\n    network_mode: host\n", []string{"BH-CP-005"}},
		{"unset variable is empty", "services:\n  a:\n    image: x:1@sha256:00\n    environment:\n      DB_PASSWORD: ${DB_PASSWORD}\n", nil},
		{"literal default is a secret", "services:\n  a:\n    image: x:1@sha256:00\n    environment:\n      DB_PASSWORD: ${DB_PASSWORD:-changeme}\n", []string{"BH-CP-014"}},
		{"image tag from a default", "services:\n  a:\n    image: \"${REGISTRY:-docker.io}/nginx:${TAG:-latest}\"\n", []string{"BH-CP-018"}},
		{"image tag default without colon", "services:\n  a:\n    image: nginx${TAG-}\n", []string{"BH-CP-018"}},
		{"image tag from a variable without default is not known", "services:\n  a:\n    image: nginx:${TAG}\n", nil},
		{"bare variable is not known", "services:\n  a:\n    image: nginx:$TAG\n", nil},
		{"pinned default", "services:\n  a:\n    image: nginx:${TAG:-1.27}\n", nil},
		{"profiles are linted too", "services:\n  a:\n    image: x:1@sha256:00\n    profiles: [debug]\n    pid: host\n", []string{"BH-CP-006"}},
	}
	keep := map[string]bool{"BH-CP-001": true, "BH-CP-005": true, "BH-CP-006": true, "BH-CP-014": true, "BH-CP-018": true}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := Lint("compose.yaml", []byte(tt.src), Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range fs {
				if keep[f.ID] {
					got = append(got, f.ID)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	big := make([]byte, MaxSize+1)
	if _, err := Lint("big.yaml", big, Options{}); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("oversized: %v", err)
	}
	for _, src := range []string{"services: [", "- a\n- b\n", "services:\n  a:\n    ports: [\"notaport:x:y:z\"]\n"} {
		if _, err := Lint("bad.yaml", []byte(src), Options{}); err == nil {
			t.Errorf("%q: no error", src)
		} else if !strings.Contains(err.Error(), `"bad.yaml"`) {
			t.Errorf("%q: error does not name the file: %v", src, err)
		}
	}
}

// TestNoFileAccess loads a file whose includes, extends and env files
// point at files that exist: none of them may be read.
func TestNoFileAccess(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "other.yaml"), []byte("services:\n  x:\n    image: y\n    privileged: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "app.env"), []byte("DB_PASSWORD=fromfile-secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := "include:\n  - " + filepath.Join(dir, "other.yaml") + "\nservices:\n  a:\n    image: x:1@sha256:00\n    env_file: " + filepath.Join(dir, "app.env") +
		"\n  b:\n    extends:\n      file: " + filepath.Join(dir, "other.yaml") + "\n      service: x\n"
	fs, err := Lint(filepath.Join(dir, "compose.yaml"), []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.ID == "BH-CP-001" || f.ID == "BH-CP-014" || f.Location.Object == "service x" {
			t.Errorf("a file other than the one given was read: %s %s", f.ID, f.Location.Object)
		}
	}
}

// kicsQueries reads the KICS reference list when the shared folder is there.
func kicsQueries() map[string]bool {
	out := map[string]bool{}
	b, err := os.ReadFile("../../../../shared/reference/rules-compose-kics.tsv")
	if err != nil {
		for _, r := range allRules {
			for _, a := range r.Meta.Aliases {
				out[a] = true
			}
		}
		return out
	}
	for _, l := range strings.Split(string(b), "\n") {
		if id, _, ok := strings.Cut(l, "\t"); ok {
			out[id] = true
		}
	}
	return out
}
