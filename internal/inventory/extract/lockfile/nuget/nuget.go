// Package nuget extracts packages from NuGet's packages.lock.json: for each
// target framework ("net8.0", "net8.0/linux-x64"), the packages with their
// type (Direct, Transitive, CentralTransitive, Project) and resolved
// version.
//
// A package locked for several frameworks is reported once per version,
// with Metadata "frameworks" listing them (sorted, comma separated); it is
// "direct" when any framework has it as Direct. DependsOn lists each
// package's dependencies.
//
// Skipped (see lockfile.Result): project references (type Project) and
// entries without a resolved version.
package nuget

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
)

// Name is the extractor's name.
const Name = "lockfile/nuget"

// New returns the packages.lock.json extractor.
func New() lockfile.Extractor {
	return lockfile.New(lockfile.Format{
		Name:  Name,
		Wants: func(path string) bool { return lockfile.Base(path) == "packages.lock.json" },
		Parse: func(_ string, data []byte) (*lockfile.Result, error) { return Parse(data) },
	})
}

type entry struct {
	Type         string            `json:"type"`
	Resolved     string            `json:"resolved"`
	Dependencies map[string]string `json:"dependencies"`
}

type lockFile struct {
	Version      int                          `json:"version"`
	Dependencies map[string]map[string]*entry `json:"dependencies"`
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Parse parses the bytes of a packages.lock.json. The packages' Path is
// left empty.
func Parse(data []byte) (*lockfile.Result, error) {
	var lf lockFile
	if err := json.Unmarshal(data, &lf); err != nil {
		return nil, err
	}
	r := &lockfile.Result{}
	idx := map[string]int{}
	frameworks := map[int][]string{}
	skipped := map[string]bool{}
	for _, fw := range sortedKeys(lf.Dependencies) {
		deps := lf.Dependencies[fw]
		for _, name := range sortedKeys(deps) {
			e := deps[name]
			if e == nil {
				continue
			}
			reason := ""
			switch {
			case strings.EqualFold(e.Type, "Project"):
				reason = "project reference"
			case e.Resolved == "" || strings.ContainsAny(e.Resolved, "[]() ,*"):
				reason = "no concrete version"
			case name == "":
				reason = "no name"
			}
			if reason != "" {
				if !skipped[name+"@"+reason] {
					skipped[name+"@"+reason] = true
					r.Skipped = append(r.Skipped, lockfile.Skip{Name: name, Spec: e.Resolved, Reason: reason})
				}
				continue
			}
			k := name + "@" + e.Resolved
			i, ok := idx[k]
			if !ok {
				i = len(r.Packages)
				idx[k] = i
				r.Packages = append(r.Packages, inventory.Package{
					Name:         name,
					Version:      e.Resolved,
					Type:         "nuget",
					PURL:         lockfile.PURL("nuget", name, e.Resolved),
					Relationship: "transitive",
					Extractor:    Name,
				})
			}
			p := &r.Packages[i]
			if strings.EqualFold(e.Type, "Direct") {
				p.Relationship = "direct"
			}
			for d := range e.Dependencies {
				p.DependsOn = append(p.DependsOn, d)
			}
			frameworks[i] = append(frameworks[i], fw)
		}
	}
	for i := range r.Packages {
		p := &r.Packages[i]
		p.DependsOn = lockfile.SortedUnique(p.DependsOn)
		if fws := lockfile.SortedUnique(frameworks[i]); len(fws) > 0 {
			p.Metadata = map[string]string{"frameworks": strings.Join(fws, ",")}
		}
	}
	return r, nil
}
