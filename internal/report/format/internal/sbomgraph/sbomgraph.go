// Package sbomgraph holds what the SBOM writers share about the package
// list: a unique reference for every package, and the dependency edges that
// DependsOn names resolve to.
package sbomgraph

import (
	"fmt"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/report"
)

// Refs gives every package a unique reference: its purl (or type:name@version
// without one), with "#path" appended when the same purl occurs more than
// once, and "#2", "#3"... when even that repeats.
func Refs(pkgs []inventory.Package) []string {
	base := make([]string, len(pkgs))
	count := map[string]int{}
	for i, p := range pkgs {
		b := p.PURL
		if b == "" {
			b = fmt.Sprintf("%s:%s@%s", p.Type, p.Name, p.Version)
		}
		base[i] = b
		count[b]++
	}
	refs := make([]string, len(pkgs))
	used := map[string]bool{}
	for i, p := range pkgs {
		ref := base[i]
		if count[ref] > 1 && p.Path != "" {
			ref += "#" + p.Path
		}
		if used[ref] {
			stem := ref
			for n := 2; used[ref]; n++ {
				ref = fmt.Sprintf("%s#%d", stem, n)
			}
		}
		used[ref] = true
		refs[i] = ref
	}
	return refs
}

// Graph is the resolved dependency graph of a package list.
type Graph struct {
	// Edges[i] lists the indexes of the packages package i depends on.
	Edges [][]int
	// TopLevel lists the indexes of the packages nothing else depends on, or
	// that a lockfile marks direct.
	TopLevel []int
}

// Resolve resolves every DependsOn name within the package's own ecosystem
// (purl type): a name resolves when exactly one package has it, or exactly
// one of those was found in the same file. Ambiguous names are left out.
func Resolve(pkgs []inventory.Package) Graph {
	type key struct{ typ, name string }
	byName := map[key][]int{}
	for i, p := range pkgs {
		k := key{p.Type, p.Name}
		byName[k] = append(byName[k], i)
	}
	g := Graph{Edges: make([][]int, len(pkgs))}
	incoming := make([]bool, len(pkgs))
	for i, p := range pkgs {
		seen := map[int]bool{}
		for _, dn := range p.DependsOn {
			cands := byName[key{p.Type, strings.TrimSpace(dn)}]
			if len(cands) > 1 {
				var same []int
				for _, c := range cands {
					if pkgs[c].Path == p.Path {
						same = append(same, c)
					}
				}
				cands = same
			}
			if len(cands) != 1 || cands[0] == i || seen[cands[0]] {
				continue
			}
			seen[cands[0]] = true
			g.Edges[i] = append(g.Edges[i], cands[0])
			incoming[cands[0]] = true
		}
	}
	for i, p := range pkgs {
		if p.Relationship == "direct" || (p.Relationship != "transitive" && !incoming[i]) {
			g.TopLevel = append(g.TopLevel, i)
		}
	}
	return g
}

// OSTypes are the purl types of distro packages, which belong to the OS.
var OSTypes = map[string]bool{"deb": true, "apk": true, "rpm": true, "alpm": true}

// ImagePURL is the oci purl of an image target with a digest
// (pkg:oci/NAME@DIGEST?repository_url=REPO&arch=ARCH), or "".
func ImagePURL(t report.Target) string {
	if t.Digest == "" {
		return ""
	}
	repo := t.Name
	if i := strings.LastIndex(repo, "@"); i >= 0 {
		repo = repo[:i]
	}
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	name := repo
	if i := strings.LastIndex(repo, "/"); i >= 0 {
		name = repo[i+1:]
	}
	if name == "" {
		return ""
	}
	q := map[string]string{"repository_url": repo}
	if t.Architecture != "" {
		q["arch"] = t.Architecture
	}
	return packageurl.NewPackageURL("oci", "", strings.ToLower(name), t.Digest, packageurl.QualifiersFromMap(q), "").ToString()
}
