package npm_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang/npm"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extracttest"
)

func TestRequired(t *testing.T) {
	extracttest.Required(t, npm.New(),
		[]string{
			"app/node_modules/lodash/package.json",
			"node_modules/lodash/package.json",
			"app/node_modules/@babel/core/package.json",
			"app/node_modules/@babel/core/node_modules/semver/package.json",
			"usr/lib/node_modules/npm/package.json",
			"usr/local/lib/node_modules/corepack/package.json",
		},
		[]string{
			"app/package.json",
			"package.json",
			"app/node_modules/package.json",
			"app/node_modules/@babel/package.json",
			"app/node_modules/lodash/fp/package.json",
			"app/node_modules/@babel/core/lib/package.json",
			"app/node_modules/.bin/package.json",
			"app/my_node_modules/x/package.json",
			"app/node_modules/lodash/package.json.bak",
		})
}

func extract(t testing.TB, path, data string) ([]inventory.Package, error) {
	t.Helper()
	return npm.New().Extract(context.Background(), &inventory.Input{
		Path: path, Mode: 0o644, Size: int64(len(data)), Reader: strings.NewReader(data),
	})
}

func TestExtract(t *testing.T) {
	const path = "app/node_modules/x/package.json"
	pkg := func(name, version, purl string, lic, deps []string) []inventory.Package {
		return []inventory.Package{{Name: name, Version: version, Type: "npm", PURL: purl, Licenses: lic,
			DependsOn: deps, Path: path, Extractor: npm.Name}}
	}
	c := func(name, json string, want []inventory.Package) extracttest.Case {
		return extracttest.Case{Name: name, Path: path, Data: []byte(json), Want: want}
	}
	extracttest.Extract(t, npm.New(), []extracttest.Case{
		c("license string", `{"name":"lodash","version":"4.17.15","license":"MIT"}`,
			pkg("lodash", "4.17.15", "pkg:npm/lodash@4.17.15", []string{"MIT"}, nil)),
		c("license object", `{"name":"yarn","version":"1.22.5","license":{"type":"BSD-2-Clause","url":"u"}}`,
			pkg("yarn", "1.22.5", "pkg:npm/yarn@1.22.5", []string{"BSD-2-Clause"}, nil)),
		c("legacy licenses array", `{"name":"minimist","version":"1.2.5","licenses":[{"type":"MIT"},{"type":"Apache-2.0"}]}`,
			pkg("minimist", "1.2.5", "pkg:npm/minimist@1.2.5", []string{"MIT", "Apache-2.0"}, nil)),
		c("array under license", `{"name":"a","version":"1.0.0","license":["MIT",{"type":"ISC"}]}`,
			pkg("a", "1.0.0", "pkg:npm/a@1.0.0", []string{"MIT", "ISC"}, nil)),
		c("expression", `{"name":"b","version":"2.0.0","license":"(MIT OR Apache-2.0)"}`,
			pkg("b", "2.0.0", "pkg:npm/b@2.0.0", []string{"(MIT OR Apache-2.0)"}, nil)),
		c("scoped with dependencies", `{"name":"@babel/code-frame","version":"7.12.13",
			"dependencies":{"@babel/highlight":"^7.12.13","chalk":"^2"},
			"optionalDependencies":{"fsevents":"*","chalk":"^2"},
			"devDependencies":{"jest":"*"}}`,
			pkg("@babel/code-frame", "7.12.13", "pkg:npm/%40babel/code-frame@7.12.13", nil,
				[]string{"@babel/highlight", "chalk", "fsevents"})),
		c("odd field types are ignored", `{"name":"c","version":"3.0.0","license":42,"dependencies":["x"]}`,
			pkg("c", "3.0.0", "pkg:npm/c@3.0.0", nil, nil)),
		c("no version", `{"name":"fixture"}`, nil),
		c("no name", `{"version":"1.0.0"}`, nil),
		c("name not a string", `{"name":1,"version":"1.0.0"}`, nil),
	})
}

func TestExtractErrors(t *testing.T) {
	if _, err := extract(t, "node_modules/x/package.json", `{"name":"x",`); err == nil ||
		!strings.Contains(err.Error(), "node_modules/x/package.json") {
		t.Errorf("truncated JSON: err = %v, want an error naming the file", err)
	}
	big := `{"name":"x","version":"1","readme":"` + strings.Repeat("a", npm.MaxFileSize) + `"}`
	if _, err := extract(t, "node_modules/x/package.json", big); !errors.Is(err, inventory.ErrTooLarge) {
		t.Errorf("over MaxFileSize: err = %v, want ErrTooLarge", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"name":"lodash","version":"4.17.15","license":"MIT","dependencies":{"a":"1"}}`))
	f.Add([]byte(`{"name":"@s/n","version":"1","licenses":[{"type":"MIT"},"X"]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := npm.Parse(data)
		if err == nil && p != nil && (p.Name == "" || p.Version == "" || p.PURL == "") {
			t.Errorf("package without name, version or purl: %+v", p)
		}
	})
}

func BenchmarkExtract(b *testing.B) {
	var deps []string
	for i := range 30 {
		deps = append(deps, fmt.Sprintf("%q:\"^%d.0.0\"", fmt.Sprint("dep", i), i))
	}
	data := `{"name":"@scope/pkg","version":"1.2.3","license":"MIT","description":"` +
		strings.Repeat("x", 2000) + `","dependencies":{` + strings.Join(deps, ",") + `}}`
	b.SetBytes(int64(len(data)))
	r := bytes.NewReader(nil)
	for b.Loop() {
		r.Reset([]byte(data))
		if _, err := npm.New().Extract(context.Background(), &inventory.Input{
			Path: "node_modules/@scope/pkg/package.json", Size: int64(len(data)), Reader: r,
		}); err != nil {
			b.Fatal(err)
		}
	}
}
