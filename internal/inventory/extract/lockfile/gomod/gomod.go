// Package gomod extracts the required modules of a Go module from its
// go.mod file, parsed with golang.org/x/mod/modfile.
//
// Every require line is a package: "direct", or "transitive" when marked
// "// indirect". Replace directives are applied: a module replaced by
// another module is reported under the replacement's path and version, with
// Metadata "replaces" naming the original ("path@version"). Only modules
// are reported; the go and toolchain directives are not.
//
// Skipped (see lockfile.Result): modules replaced by a local directory.
package gomod

import (
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
	"golang.org/x/mod/modfile"
)

// Name is the extractor's name.
const Name = "lockfile/gomod"

// New returns the go.mod extractor.
func New() lockfile.Extractor {
	return lockfile.New(lockfile.Format{
		Name:  Name,
		Wants: func(path string) bool { return lockfile.Base(path) == "go.mod" },
		Parse: Parse,
	})
}

// Parse parses the bytes of a go.mod file; file names it in errors. The
// packages' Path is left empty.
func Parse(file string, data []byte) (*lockfile.Result, error) {
	f, err := modfile.Parse(file, data, nil)
	if err != nil {
		// A directive from a newer Go: keep what the lax parser reads.
		lax, laxErr := modfile.ParseLax(file, data, nil)
		if laxErr != nil {
			return nil, err
		}
		f = lax
	}
	type mv struct{ path, version string }
	exact := map[mv]modfile.Replace{}
	byPath := map[string]modfile.Replace{}
	for _, rep := range f.Replace {
		if rep.Old.Version == "" {
			byPath[rep.Old.Path] = *rep
		} else {
			exact[mv{rep.Old.Path, rep.Old.Version}] = *rep
		}
	}
	r := &lockfile.Result{}
	for _, req := range f.Require {
		path, version := req.Mod.Path, req.Mod.Version
		rep, ok := exact[mv{path, version}]
		if !ok {
			rep, ok = byPath[path]
		}
		var meta map[string]string
		if ok {
			if rep.New.Version == "" {
				r.Skipped = append(r.Skipped, lockfile.Skip{Name: path, Spec: rep.New.Path, Reason: "local path"})
				continue
			}
			meta = map[string]string{"replaces": path + "@" + version}
			path, version = rep.New.Path, rep.New.Version
		}
		p := inventory.Package{
			Name:         path,
			Version:      version,
			Type:         "golang",
			PURL:         lockfile.PURL("golang", path, version),
			Relationship: "direct",
			Extractor:    Name,
			Metadata:     meta,
		}
		if req.Indirect {
			p.Relationship = "transitive"
		}
		r.Packages = append(r.Packages, p)
	}
	r.Packages = lockfile.Dedup(r.Packages)
	return r, nil
}
