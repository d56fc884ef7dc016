// Package cargo extracts packages from Cargo.lock, the lockfile of Rust's
// Cargo (all versions: v1 with a [root] table, v3 and v4).
//
// Packages without a source are the crates of the workspace itself; they
// are skipped, and the crates they depend on are "direct", every other one
// "transitive". DependsOn lists the names from each package's
// dependencies ("name", "name version" or "name version (source)").
//
// Skipped (see lockfile.Result): workspace crates, and crates from git or
// a local path.
package cargo

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/internal/toml"
)

// Name is the extractor's name.
const Name = "lockfile/cargo"

// New returns the Cargo.lock extractor.
func New() lockfile.Extractor {
	return lockfile.New(lockfile.Format{
		Name:  Name,
		Wants: func(path string) bool { return lockfile.Base(path) == "Cargo.lock" },
		Parse: func(_ string, data []byte) (*lockfile.Result, error) { return Parse(data) },
	})
}

// dep splits a dependencies entry: "name", "name version" or
// "name version (source)".
func dep(s string) (name, version string) {
	f := strings.Fields(s)
	switch len(f) {
	case 0:
		return "", ""
	case 1:
		return f[0], ""
	}
	return f[0], f[1]
}

// Parse parses the bytes of a Cargo.lock. The packages' Path is left
// empty.
func Parse(data []byte) (*lockfile.Result, error) {
	doc, err := toml.Parse(data)
	if err != nil {
		return nil, err
	}
	pkgs := toml.Tables(doc, "package")
	var roots []map[string]any
	if root := toml.Table(doc, "root"); root != nil {
		roots = append(roots, root)
	}
	for _, t := range pkgs {
		if _, ok := t["source"]; !ok {
			roots = append(roots, t)
		}
	}
	direct := map[string]bool{} // "name" and "name version"
	for _, t := range roots {
		for _, d := range toml.Strings(t, "dependencies") {
			n, v := dep(d)
			direct[n+" "+v] = true
		}
	}
	r := &lockfile.Result{}
	for _, t := range pkgs {
		name, version := toml.String(t, "name"), toml.String(t, "version")
		src, hasSource := t["source"].(string)
		reason := ""
		switch {
		case !hasSource:
			reason = "workspace package"
		case strings.HasPrefix(src, "git+"):
			reason = "git dependency"
		case strings.HasPrefix(src, "path+"):
			reason = "local path"
		case name == "" || version == "":
			reason = "no name or version"
		}
		if reason != "" {
			r.Skipped = append(r.Skipped, lockfile.Skip{Name: name, Spec: src, Reason: reason})
			continue
		}
		p := inventory.Package{
			Name:         name,
			Version:      version,
			Type:         "cargo",
			PURL:         lockfile.PURL("cargo", name, version),
			Relationship: "transitive",
			Extractor:    Name,
		}
		if direct[name+" "] || direct[name+" "+version] {
			p.Relationship = "direct"
		}
		var deps []string
		for _, d := range toml.Strings(t, "dependencies") {
			n, _ := dep(d)
			deps = append(deps, n)
		}
		p.DependsOn = lockfile.SortedUnique(deps)
		r.Packages = append(r.Packages, p)
	}
	r.Packages = lockfile.Dedup(r.Packages)
	return r, nil
}
