// Package pnpm extracts packages from pnpm-lock.yaml, lockfileVersion 5.x
// ("/name/1.2.3" keys), 6.x ("/name@1.2.3") and 9.x ("name@1.2.3" keys
// with a separate snapshots map).
//
// The lockfile lists every project (importer) with its dependencies: a
// package an importer names is "direct", every other one "transitive".
// Metadata "scope" is "dev" for packages only needed for development: read
// from the "dev: true" flag in 5.x and 6.x, and computed in 9.x, where
// that flag is gone, as the packages reachable only from importers'
// devDependencies.
//
// Skipped (see lockfile.Result): link:, file: and workspace entries, git and
// tarball-URL dependencies, and entries without a concrete version.
package pnpm

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/internal/yamlnode"
	"gopkg.in/yaml.v3"
)

// Name is the extractor's name.
const Name = "lockfile/pnpm"

// New returns the pnpm-lock.yaml extractor.
func New() lockfile.Extractor {
	return lockfile.New(lockfile.Format{
		Name: Name,
		Wants: func(path string) bool {
			return lockfile.Base(path) == "pnpm-lock.yaml" && !lockfile.InNodeModules(path)
		},
		Parse: func(_ string, data []byte) (*lockfile.Result, error) { return Parse(data) },
	})
}

type importer struct {
	Dependencies         map[string]string
	DevDependencies      map[string]string
	OptionalDependencies map[string]string
}

type entry struct {
	Name                 string
	Version              string
	Resolution           map[string]string
	Dev                  *bool
	Optional             bool
	Dependencies         map[string]string
	OptionalDependencies map[string]string
}

type lockFile struct {
	Importers map[string]*importer
	importer
	Packages  map[string]*entry
	Snapshots map[string]*entry
}

// The file is walked as a node tree (see package yamlnode): decoding its
// large mappings with yaml.v3 is quadratic in their size.

// depVersions reads a mapping of dependency name to version, where a
// version is a scalar (5.x, packages) or a mapping with a version key
// (6.x and 9.x importers).
func depVersions(n *yaml.Node) map[string]string {
	if !yamlnode.IsMapping(n) {
		return nil
	}
	out := make(map[string]string, len(n.Content)/2)
	for k, v := range yamlnode.Pairs(n) {
		if v.Kind == yaml.MappingNode {
			out[k] = yamlnode.Scalar(yamlnode.Get(v, "version"))
		} else {
			out[k] = yamlnode.Scalar(v)
		}
	}
	return out
}

func readImporter(n *yaml.Node) importer {
	return importer{
		Dependencies:         depVersions(yamlnode.Get(n, "dependencies")),
		DevDependencies:      depVersions(yamlnode.Get(n, "devDependencies")),
		OptionalDependencies: depVersions(yamlnode.Get(n, "optionalDependencies")),
	}
}

func readEntries(n *yaml.Node, what string) (map[string]*entry, error) {
	if n == nil || n.Kind == yaml.ScalarNode && (n.Tag == "!!null" || n.Value == "") {
		return nil, nil
	}
	if !yamlnode.IsMapping(n) {
		return nil, fmt.Errorf("%s: not a mapping", what)
	}
	out := make(map[string]*entry, len(n.Content)/2)
	for k, v := range yamlnode.Pairs(n) {
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("%s: duplicate key %q", what, k)
		}
		e := &entry{}
		for f, fv := range yamlnode.Pairs(v) {
			switch f {
			case "name":
				e.Name = yamlnode.Scalar(fv)
			case "version":
				e.Version = yamlnode.Scalar(fv)
			case "resolution":
				e.Resolution = map[string]string{}
				for rk, rv := range yamlnode.Pairs(fv) {
					e.Resolution[rk] = yamlnode.Scalar(rv)
				}
			case "dev":
				b := yamlnode.Scalar(fv) == "true"
				e.Dev = &b
			case "optional":
				e.Optional = yamlnode.Scalar(fv) == "true"
			case "dependencies":
				e.Dependencies = depVersions(fv)
			case "optionalDependencies":
				e.OptionalDependencies = depVersions(fv)
			}
		}
		out[k] = e
	}
	return out, nil
}

// Parse parses the bytes of a pnpm-lock.yaml. The packages' Path is left
// empty.
func Parse(data []byte) (*lockfile.Result, error) {
	root, err := yamlnode.Parse(data)
	if err != nil {
		return nil, err
	}
	if root == nil {
		return &lockfile.Result{}, nil
	}
	if !yamlnode.IsMapping(root) {
		return nil, fmt.Errorf("want a mapping at the top level")
	}
	lv := yamlnode.Get(root, "lockfileVersion")
	if lv == nil || lv.Kind != yaml.ScalarNode {
		return nil, fmt.Errorf("no lockfileVersion")
	}
	major, err := strconv.Atoi(strings.SplitN(lv.Value, ".", 2)[0])
	if err != nil || major < 5 {
		return nil, fmt.Errorf("unsupported lockfileVersion %q", lv.Value)
	}
	lf := &lockFile{importer: readImporter(root)}
	if imps := yamlnode.Get(root, "importers"); imps != nil {
		lf.Importers = map[string]*importer{}
		for k, v := range yamlnode.Pairs(imps) {
			imp := readImporter(v)
			lf.Importers[k] = &imp
		}
	}
	if lf.Packages, err = readEntries(yamlnode.Get(root, "packages"), "packages"); err != nil {
		return nil, err
	}
	if lf.Snapshots, err = readEntries(yamlnode.Get(root, "snapshots"), "snapshots"); err != nil {
		return nil, err
	}
	p := &parser{major: major, r: &lockfile.Result{}}
	return p.parse(lf)
}

type parser struct {
	major int
	r     *lockfile.Result
}

// splitKey turns a packages/snapshots key into name and version, the
// version stripped of its peer suffix.
func (p *parser) splitKey(k string) (name, version string) {
	k = strings.TrimPrefix(k, "/")
	if p.major < 6 {
		// "@scope/name/1.2.3_peer@1.0.0" or "name/1.2.3".
		n := 1
		if strings.HasPrefix(k, "@") {
			n = 2
		}
		parts := strings.SplitN(k, "/", n+1)
		if len(parts) <= n {
			return k, ""
		}
		name = strings.Join(parts[:n], "/")
		version, _, _ = strings.Cut(parts[n], "_")
		return name, version
	}
	if i := strings.IndexByte(k, '('); i >= 0 {
		k = k[:i]
	}
	at := strings.LastIndexByte(k, '@')
	if at <= 0 {
		return k, ""
	}
	name, version = k[:at], k[at+1:]
	// "foo@https://host/x@1.tgz": the version is everything after the first
	// '@' that follows the name.
	if j := strings.IndexByte(k[1:], '@'); j >= 0 && j+1 < at {
		name, version = k[:j+1], k[j+2:]
	}
	return name, version
}

// depKey returns the base key ("name@version") a dependency entry such as
// "react: 18.2.0(pkg@1)" or "alias: real@1.0.0" points at.
func (p *parser) depKey(name, version string) string {
	if p.major < 6 {
		if i := strings.IndexByte(version, '_'); i >= 0 {
			version = version[:i]
		}
		if strings.HasPrefix(version, "/") {
			n, v := p.splitKey(version)
			return n + "@" + v
		}
		return name + "@" + version
	}
	if i := strings.IndexByte(version, '('); i >= 0 {
		version = version[:i]
	}
	if at := strings.LastIndexByte(version, '@'); at > 0 {
		n, v := p.splitKey(version)
		return n + "@" + v
	}
	return name + "@" + version
}

func reason(version string, res map[string]string) string {
	switch {
	case strings.HasPrefix(version, "link:"), strings.HasPrefix(version, "file:"):
		return "local path"
	case strings.HasPrefix(version, "workspace:"):
		return "workspace package"
	case res["type"] == "directory":
		return "local path"
	case res["type"] == "git", res["repo"] != "":
		return "git dependency"
	case res["tarball"] != "" && res["integrity"] == "":
		return "git or URL dependency"
	case !lockfile.IsNPMVersion(version):
		if strings.ContainsAny(version, ":/") {
			return "git or URL dependency"
		}
		return "no concrete version"
	}
	return ""
}

func (p *parser) parse(lf *lockFile) (*lockfile.Result, error) {
	importers := lf.Importers
	if len(importers) == 0 {
		importers = map[string]*importer{".": &lf.importer}
	}
	direct := map[string]bool{}
	var prodRoots, devRoots []string
	haveImporters := false
	for _, imp := range importers {
		if imp == nil {
			continue
		}
		for i, m := range []map[string]string{imp.Dependencies, imp.OptionalDependencies, imp.DevDependencies} {
			for name, version := range m {
				haveImporters = true
				k := p.depKey(name, version)
				direct[k] = true
				if i == 2 {
					devRoots = append(devRoots, k)
				} else {
					prodRoots = append(prodRoots, k)
				}
			}
		}
	}

	// In 9.x the dependencies live in snapshots, keyed with peer suffixes.
	graph := map[string][]string{}
	depSource := lf.Packages
	if p.major >= 9 {
		depSource = lf.Snapshots
	}
	depNames := map[string][]string{}
	for k, e := range depSource {
		if e == nil {
			continue
		}
		n, v := p.splitKey(k)
		base := n + "@" + v
		for _, m := range []map[string]string{e.Dependencies, e.OptionalDependencies} {
			for dn, dv := range m {
				depNames[base] = append(depNames[base], dn)
				graph[base] = append(graph[base], p.depKey(dn, dv))
			}
		}
	}
	var devOnly map[string]bool
	if p.major >= 9 && len(devRoots) > 0 {
		prod := reach(graph, prodRoots)
		devOnly = map[string]bool{}
		for k := range reach(graph, devRoots) {
			if !prod[k] {
				devOnly[k] = true
			}
		}
	}

	keys := make([]string, 0, len(lf.Packages))
	for k := range lf.Packages {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		e := lf.Packages[k]
		if e == nil {
			e = &entry{}
		}
		name, version := p.splitKey(k)
		if e.Name != "" {
			name = e.Name
			if e.Version != "" {
				version = e.Version
			}
		}
		base := name + "@" + version
		if why := reason(version, e.Resolution); why != "" || name == "" {
			if why == "" {
				why = "no name"
			}
			r := lockfile.Skip{Name: name, Spec: version, Reason: why}
			if t := e.Resolution["tarball"]; t != "" && why != "local path" {
				r.Spec = t
			}
			p.r.Skipped = append(p.r.Skipped, r)
			continue
		}
		pkg := inventory.Package{
			Name:      name,
			Version:   version,
			Type:      "npm",
			PURL:      lockfile.NPMPURL(name, version),
			Extractor: Name,
			DependsOn: lockfile.SortedUnique(depNames[p.splitKeyBase(k)]),
		}
		if haveImporters {
			pkg.Relationship = "transitive"
			if direct[base] {
				pkg.Relationship = "direct"
			}
		}
		dev := (e.Dev != nil && *e.Dev) || devOnly[base]
		if dev || e.Optional {
			pkg.Metadata = map[string]string{}
			if dev {
				pkg.Metadata["scope"] = "dev"
			}
			if e.Optional {
				pkg.Metadata["optional"] = "true"
			}
		}
		p.r.Packages = append(p.r.Packages, pkg)
	}
	p.r.Packages = lockfile.Dedup(p.r.Packages)
	return p.r, nil
}

func (p *parser) splitKeyBase(k string) string {
	n, v := p.splitKey(k)
	return n + "@" + v
}

// reach returns the keys reachable from roots in graph.
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
