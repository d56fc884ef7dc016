// Package uv extracts packages from uv.lock, the lockfile of the uv Python
// package manager.
//
// The project itself and the members of its workspace appear in uv.lock as
// packages with an editable, virtual or directory source; they are skipped,
// and the packages they name in dependencies, optional-dependencies or
// dev-dependencies are "direct", every other one "transitive". Metadata
// "scope" is "dev" for packages reachable only through the roots'
// dev-dependencies.
//
// Skipped (see lockfile.Result): the roots above, and packages from git,
// a local path or a URL.
package uv

import (
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/internal/toml"
)

// Name is the extractor's name.
const Name = "lockfile/uv"

// New returns the uv.lock extractor.
func New() lockfile.Extractor {
	return lockfile.New(lockfile.Format{
		Name:  Name,
		Wants: func(path string) bool { return lockfile.Base(path) == "uv.lock" },
		Parse: func(_ string, data []byte) (*lockfile.Result, error) { return Parse(data) },
	})
}

// depNames returns the names in an array of { name = "..." } tables, and
// in every such array of a table of them (optional- and dev-dependencies).
func depNames(t map[string]any, key string, grouped bool) []string {
	var out []string
	if !grouped {
		for _, d := range toml.Tables(t, key) {
			out = append(out, lockfile.NormalizePyPI(toml.String(d, "name")))
		}
		return out
	}
	g := toml.Table(t, key)
	for k := range g {
		for _, d := range toml.Tables(g, k) {
			out = append(out, lockfile.NormalizePyPI(toml.String(d, "name")))
		}
	}
	return out
}

// Parse parses the bytes of a uv.lock. The packages' Path is left empty.
func Parse(data []byte) (*lockfile.Result, error) {
	doc, err := toml.Parse(data)
	if err != nil {
		return nil, err
	}
	r := &lockfile.Result{}
	pkgs := toml.Tables(doc, "package")
	graph := map[string][]string{}
	var prodRoots, devRoots []string
	isRoot := make([]bool, len(pkgs))
	for i, t := range pkgs {
		name := lockfile.NormalizePyPI(toml.String(t, "name"))
		deps := append(depNames(t, "dependencies", false), depNames(t, "optional-dependencies", true)...)
		src := toml.Table(t, "source")
		if src["editable"] != nil || src["virtual"] != nil {
			isRoot[i] = true
			prodRoots = append(prodRoots, deps...)
			devRoots = append(devRoots, depNames(t, "dev-dependencies", true)...)
			continue
		}
		graph[name] = append(graph[name], deps...)
	}
	direct := map[string]bool{}
	for _, n := range append(append([]string(nil), prodRoots...), devRoots...) {
		direct[n] = true
	}
	prod, dev := reach(graph, prodRoots), reach(graph, devRoots)

	for i, t := range pkgs {
		name, version := toml.String(t, "name"), toml.String(t, "version")
		src := toml.Table(t, "source")
		reason, spec := "", ""
		switch {
		case isRoot[i]:
			reason = "workspace package"
			spec, _ = src["editable"].(string)
			if v, ok := src["virtual"].(string); ok {
				spec = v
			}
		case src["git"] != nil:
			reason, spec = "git dependency", toml.String(src, "git")
		case src["path"] != nil, src["directory"] != nil:
			reason, spec = "local path", toml.String(src, "path")+toml.String(src, "directory")
		case src["url"] != nil:
			reason, spec = "URL dependency", toml.String(src, "url")
		case name == "" || version == "":
			reason, spec = "no name or version", version
		}
		if reason != "" {
			r.Skipped = append(r.Skipped, lockfile.Skip{Name: name, Spec: spec, Reason: reason})
			continue
		}
		norm := lockfile.NormalizePyPI(name)
		p := inventory.Package{
			Name:         norm,
			Version:      version,
			Type:         "pypi",
			PURL:         lockfile.PyPIPURL(name, version),
			Relationship: "transitive",
			Extractor:    Name,
		}
		if direct[norm] {
			p.Relationship = "direct"
		}
		if dev[norm] && !prod[norm] {
			p.Metadata = map[string]string{"scope": "dev"}
		}
		p.DependsOn = lockfile.SortedUnique(append([]string(nil), graph[norm]...))
		r.Packages = append(r.Packages, p)
	}
	r.Packages = lockfile.Dedup(r.Packages)
	return r, nil
}

func reach(graph map[string][]string, roots []string) map[string]bool {
	seen := map[string]bool{}
	stack := append([]string(nil), roots...)
	for len(stack) > 0 {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[k] {
			continue
		}
		seen[k] = true
		stack = append(stack, graph[k]...)
	}
	return seen
}
