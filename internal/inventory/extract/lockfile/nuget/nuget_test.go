package nuget

import (
	"os"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/internal/lockfiletest"
)

func pkg(name, version, rel, fws string, deps ...string) inventory.Package {
	p := inventory.Package{Name: name, Version: version, Type: "nuget", PURL: "pkg:nuget/" + name + "@" + version,
		Path: "src/Api/packages.lock.json", Relationship: rel, Extractor: Name, Metadata: map[string]string{"frameworks": fws}}
	if len(deps) > 0 {
		p.DependsOn = deps
	}
	return p
}

func TestParse(t *testing.T) {
	want := []inventory.Package{
		pkg("Microsoft.Extensions.DependencyInjection", "8.0.0", "transitive", "net8.0", "Microsoft.Extensions.DependencyInjection.Abstractions"),
		pkg("Microsoft.Extensions.Logging", "8.0.0", "direct", "net8.0", "Microsoft.Extensions.DependencyInjection", "Microsoft.Extensions.Logging.Abstractions", "Microsoft.Extensions.Options"),
		pkg("Microsoft.Extensions.Options", "8.0.2", "transitive", "net8.0", "Microsoft.Extensions.DependencyInjection.Abstractions", "Microsoft.Extensions.Primitives"),
		pkg("Newtonsoft.Json", "13.0.3", "direct", "net8.0,net8.0/linux-x64"),
		pkg("Microsoft.NETCore.App.Runtime.linux-x64", "8.0.7", "transitive", "net8.0/linux-x64"),
	}
	wantSkipped := []lockfile.Skip{{Name: "Acme.Shared", Reason: "project reference"}}
	lockfiletest.ParseCases(t, New(), []lockfiletest.Case{{File: "testdata/packages.lock.json", Path: "src/Api/packages.lock.json", Want: want, WantSkipped: wantSkipped}})
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"", "[", `{"dependencies": []}`, `{"dependencies": {"net8.0": {"A": {"resolved": 1}}}}`} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) = nil error, want an error", in)
		}
	}
}

func TestExtractor(t *testing.T) {
	sample, err := os.ReadFile("testdata/packages.lock.json")
	if err != nil {
		t.Fatal(err)
	}
	lockfiletest.CheckExtractor(t, New(),
		[]string{"packages.lock.json", "src/App/packages.lock.json"},
		[]string{"packages.config", "package-lock.json", "app.deps.json"},
		sample)
}

func FuzzParse(f *testing.F) {
	b, err := os.ReadFile("testdata/packages.lock.json")
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
