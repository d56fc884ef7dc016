package list

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
	"github.com/google/go-cmp/cmp"
)

func TestNamesUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range Extractors() {
		if seen[e.Name()] {
			t.Errorf("duplicate extractor name %q", e.Name())
		}
		seen[e.Name()] = true
		if _, ok := e.(lockfile.Parser); !ok {
			t.Errorf("%s does not implement lockfile.Parser", e.Name())
		}
	}
}

// TestRouting checks which extractor claims which file: exactly one for
// each lockfile, none for the files around them.
func TestRouting(t *testing.T) {
	files := map[string]string{
		"web/package-lock.json":           "lockfile/npm",
		"cli/npm-shrinkwrap.json":         "lockfile/npm",
		"web/yarn.lock":                   "lockfile/yarn",
		"web/pnpm-lock.yaml":              "lockfile/pnpm",
		"api/requirements.txt":            "lockfile/requirements",
		"api/requirements-dev.txt":        "lockfile/requirements",
		"api/requirements/prod.txt":       "lockfile/requirements",
		"api/poetry.lock":                 "lockfile/poetry",
		"api/Pipfile.lock":                "lockfile/pipenv",
		"api/uv.lock":                     "lockfile/uv",
		"svc/go.mod":                      "lockfile/gomod",
		"rails/Gemfile.lock":              "lockfile/gemfile",
		"rust/Cargo.lock":                 "lockfile/cargo",
		"php/composer.lock":               "lockfile/composer",
		"dotnet/packages.lock.json":       "lockfile/nuget",
		"java/pom.xml":                    "lockfile/pom",
		"web/package.json":                "",
		"api/pyproject.toml":              "",
		"svc/go.sum":                      "",
		"rust/Cargo.toml":                 "",
		"php/composer.json":               "",
		"README.md":                       "",
		"node_modules/.package-lock.json": "",
	}
	got := map[string]string{}
	for f := range files {
		got[f] = ""
		for _, e := range Extractors() {
			if e.Required(f, 0o644) {
				if got[f] != "" {
					t.Errorf("%q claimed by %s and %s", f, got[f], e.Name())
				}
				got[f] = e.Name()
			}
		}
	}
	if diff := cmp.Diff(files, got); diff != "" {
		t.Errorf("routing mismatch (-want +got):\n%s", diff)
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, e := range Extractors() {
		in := &inventory.Input{Path: "x", Mode: 0o644, Reader: nil}
		if _, err := e.Extract(ctx, in); err == nil {
			t.Errorf("%s: Extract(cancelled) = nil error, want context.Canceled", e.Name())
		}
	}
}

// TestMonorepo walks a source tree the way `bulkhead scan fs` does: each
// file is offered to every extractor, and the one that wants it extracts.
func TestMonorepo(t *testing.T) {
	root := "testdata/monorepo"
	got := map[string]int{} // "path extractor" -> packages
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		for _, e := range Extractors() {
			if !e.Required(rel, info.Mode()) {
				continue
			}
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			pkgs, err := e.Extract(context.Background(), &inventory.Input{Path: rel, Mode: info.Mode(), Size: info.Size(), Reader: f})
			f.Close()
			if err != nil {
				return err
			}
			for _, pkg := range pkgs {
				if pkg.Path != rel || pkg.Extractor != e.Name() || pkg.PURL == "" {
					t.Errorf("%s: package %+v lacks its path, extractor or PURL", rel, pkg)
				}
			}
			got[rel+" "+e.Name()] = len(pkgs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{
		"web/package-lock.json lockfile/npm":         7,
		"web/yarn.lock lockfile/yarn":                5,
		"api/requirements.txt lockfile/requirements": 8,
		"api/uv.lock lockfile/uv":                    9,
		"svc/go.mod lockfile/gomod":                  10,
		"tools/rust/Cargo.lock lockfile/cargo":       7,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packages per file mismatch (-want +got):\n%s", diff)
	}
}
