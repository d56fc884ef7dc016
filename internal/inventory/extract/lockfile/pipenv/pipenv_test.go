package pipenv

import (
	"os"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/internal/lockfiletest"
)

func pkg(name, version, purl string, meta map[string]string) inventory.Package {
	return inventory.Package{Name: name, Version: version, Type: "pypi", PURL: purl, Path: "web/Pipfile.lock",
		Extractor: Name, Metadata: meta}
}

func TestParse(t *testing.T) {
	want := []inventory.Package{
		pkg("flask-cors", "4.0.1", "pkg:pypi/flask-cors@4.0.1", nil),
		pkg("certifi", "2024.7.4", "pkg:pypi/certifi@2024.7.4", nil),
		pkg("django", "5.0.7", "pkg:pypi/django@5.0.7", nil),
		pkg("sqlparse", "0.5.1", "pkg:pypi/sqlparse@0.5.1", nil),
		pkg("pytest", "8.3.2", "pkg:pypi/pytest@8.3.2", map[string]string{"scope": "dev"}),
	}
	wantSkipped := []lockfile.Skip{
		{Name: "internal-tools", Spec: "./internal-tools", Reason: "editable"},
		{Name: "requests", Spec: "https://github.com/psf/requests.git", Reason: "git dependency"},
		{Name: "urllib3", Spec: "*", Reason: "not pinned"},
	}
	lockfiletest.ParseCases(t, New(), []lockfiletest.Case{{File: "testdata/Pipfile.lock", Path: "web/Pipfile.lock", Want: want, WantSkipped: wantSkipped}})
}

func TestPinnedVersion(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"==1.2.3", "1.2.3", true},
		{"===1.0-custom", "1.0-custom", true},
		{">=1.2", "", false},
		{"==1.*", "", false},
		{"*", "", false},
		{"", "", false},
		{"==", "", false},
	} {
		got, ok := pinnedVersion(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("pinnedVersion(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"", "{", `{"default": []}`, `{"default": {"a": {"version": 1}}}`} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) = nil error, want an error", in)
		}
	}
}

func TestExtractor(t *testing.T) {
	sample, err := os.ReadFile("testdata/Pipfile.lock")
	if err != nil {
		t.Fatal(err)
	}
	lockfiletest.CheckExtractor(t, New(),
		[]string{"Pipfile.lock", "svc/Pipfile.lock"},
		[]string{"Pipfile", "pipfile.lock", "Pipfile.lock.json"},
		sample)
}

func FuzzParse(f *testing.F) {
	b, err := os.ReadFile("testdata/Pipfile.lock")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Parse(b)
		if err != nil {
			return
		}
		for _, p := range r.Packages {
			if p.Name == "" || p.Version == "" || p.PURL == "" {
				t.Errorf("package %+v: want a name, a version and a PURL", p)
			}
		}
	})
}
