package gomod

import (
	"os"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/internal/lockfiletest"
	"github.com/google/go-cmp/cmp"
)

func pkg(name, version, purl, rel string, meta map[string]string) inventory.Package {
	return inventory.Package{Name: name, Version: version, Type: "golang", PURL: purl, Path: "svc/go.mod",
		Relationship: rel, Extractor: Name, Metadata: meta}
}

func TestParse(t *testing.T) {
	want := []inventory.Package{
		pkg("github.com/google/uuid", "v1.6.0", "pkg:golang/github.com/google/uuid@v1.6.0", "direct", nil),
		pkg("github.com/jackc/pgx/v5", "v5.6.0", "pkg:golang/github.com/jackc/pgx/v5@v5.6.0", "direct", nil),
		pkg("golang.org/x/net", "v0.27.0", "pkg:golang/golang.org/x/net@v0.27.0", "direct", nil),
		pkg("gopkg.in/yaml.v3", "v3.0.1", "pkg:golang/gopkg.in/yaml.v3@v3.0.1", "direct", nil),
		pkg("github.com/jackc/pgpassfile", "v1.0.0", "pkg:golang/github.com/jackc/pgpassfile@v1.0.0", "transitive", nil),
		pkg("github.com/jackc/pgservicefile", "v0.0.0-20221227161230-091c0ba34f0a", "pkg:golang/github.com/jackc/pgservicefile@v0.0.0-20221227161230-091c0ba34f0a", "transitive", nil),
		pkg("golang.org/x/crypto", "v0.25.0", "pkg:golang/golang.org/x/crypto@v0.25.0", "transitive", nil),
		pkg("golang.org/x/text", "v0.17.0", "pkg:golang/golang.org/x/text@v0.17.0", "transitive", map[string]string{"replaces": "golang.org/x/text@v0.16.0"}),
		pkg("github.com/regen-network/protobuf", "v1.3.3-alpha.regen.1", "pkg:golang/github.com/regen-network/protobuf@v1.3.3-alpha.regen.1", "transitive", map[string]string{"replaces": "github.com/gogo/protobuf@v1.3.2"}),
		pkg("github.com/stretchr/testify", "v1.9.0", "pkg:golang/github.com/stretchr/testify@v1.9.0", "direct", nil),
	}
	wantSkipped := []lockfile.Skip{{Name: "github.com/acme/internal-sdk", Spec: "../internal-sdk", Reason: "local path"}}
	lockfiletest.ParseCases(t, New(), []lockfiletest.Case{{File: "testdata/go.mod", Path: "svc/go.mod", Want: want, WantSkipped: wantSkipped}})
}

func TestParseNewerDirective(t *testing.T) {
	// A directive this modfile does not know: the lax parser still reads
	// the requirements.
	in := "module x\n\ngo 1.30\n\nfrobnicate on\n\nrequire rsc.io/quote v1.5.2\n"
	r, err := Parse("go.mod", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []inventory.Package{{Name: "rsc.io/quote", Version: "v1.5.2", Type: "golang", PURL: "pkg:golang/rsc.io/quote@v1.5.2", Relationship: "direct", Extractor: Name}}
	if diff := cmp.Diff(want, r.Packages); diff != "" {
		t.Errorf("Packages mismatch (-want +got):\n%s", diff)
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"require (\n", "module x\nrequire a\n", "module \"x\n"} {
		if _, err := Parse("go.mod", []byte(in)); err == nil {
			t.Errorf("Parse(%q) = nil error, want an error", in)
		}
	}
}

func TestExtractor(t *testing.T) {
	sample, err := os.ReadFile("testdata/go.mod")
	if err != nil {
		t.Fatal(err)
	}
	lockfiletest.CheckExtractor(t, New(),
		[]string{"go.mod", "tools/go.mod"},
		[]string{"go.sum", "go.work", "go.mod.orig"},
		sample)
}

func FuzzParse(f *testing.F) {
	b, err := os.ReadFile("testdata/go.mod")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Parse("go.mod", b)
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
