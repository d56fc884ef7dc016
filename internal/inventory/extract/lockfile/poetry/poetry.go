// Package poetry extracts packages from poetry.lock, the lockfile of the
// Poetry Python package manager (all lock-versions: 1.x with
// category = "main"/"dev" and [metadata.files], 2.x with per-package files
// and, from Poetry 2, groups = [...]).
//
// poetry.lock does not say which dependencies are direct (pyproject.toml
// does), so Relationship is left empty. DependsOn lists the names in each
// package's [package.dependencies].
//
// Metadata: "scope" is "dev" when category is "dev", or when groups are
// listed and "main" is not among them; "groups" lists the groups, comma
// separated, when the file gives them.
//
// Skipped (see lockfile.Result): packages whose [package.source] is a
// directory, a file, a git repository or a URL.
package poetry

import (
	"slices"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/internal/toml"
)

// Name is the extractor's name.
const Name = "lockfile/poetry"

// New returns the poetry.lock extractor.
func New() lockfile.Extractor {
	return lockfile.New(lockfile.Format{
		Name:  Name,
		Wants: func(path string) bool { return lockfile.Base(path) == "poetry.lock" },
		Parse: func(_ string, data []byte) (*lockfile.Result, error) { return Parse(data) },
	})
}

// Parse parses the bytes of a poetry.lock. The packages' Path is left
// empty.
func Parse(data []byte) (*lockfile.Result, error) {
	doc, err := toml.Parse(data)
	if err != nil {
		return nil, err
	}
	r := &lockfile.Result{}
	for _, t := range toml.Tables(doc, "package") {
		name, version := toml.String(t, "name"), toml.String(t, "version")
		if src := toml.Table(t, "source"); src != nil {
			reason := ""
			switch toml.String(src, "type") {
			case "directory", "file":
				reason = "local path"
			case "git":
				reason = "git dependency"
			case "url":
				reason = "URL dependency"
			}
			if reason != "" {
				r.Skipped = append(r.Skipped, lockfile.Skip{Name: name, Spec: toml.String(src, "url"), Reason: reason})
				continue
			}
		}
		if name == "" || version == "" {
			r.Skipped = append(r.Skipped, lockfile.Skip{Name: name, Spec: version, Reason: "no name or version"})
			continue
		}
		p := inventory.Package{
			Name:      lockfile.NormalizePyPI(name),
			Version:   version,
			Type:      "pypi",
			PURL:      lockfile.PyPIPURL(name, version),
			Extractor: Name,
		}
		var deps []string
		for d := range toml.Table(t, "dependencies") {
			deps = append(deps, lockfile.NormalizePyPI(d))
		}
		p.DependsOn = lockfile.SortedUnique(deps)
		groups := toml.Strings(t, "groups")
		if cat := toml.String(t, "category"); cat == "dev" || len(groups) > 0 && !slices.Contains(groups, "main") {
			p.Metadata = map[string]string{"scope": "dev"}
		}
		if len(groups) > 0 {
			if p.Metadata == nil {
				p.Metadata = map[string]string{}
			}
			p.Metadata["groups"] = strings.Join(groups, ",")
		}
		r.Packages = append(r.Packages, p)
	}
	r.Packages = lockfile.Dedup(r.Packages)
	return r, nil
}
