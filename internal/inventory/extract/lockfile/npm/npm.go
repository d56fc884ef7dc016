// Package npm extracts packages from npm lockfiles: package-lock.json
// (lockfileVersion 1, 2 and 3) and npm-shrinkwrap.json, which has the same
// format.
//
// Lockfiles inside node_modules (shipped in an installed package) are not
// wanted: they describe the package author's install, not the project's.
//
// Version 2 and 3 files are read from their "packages" map, keyed by install
// path ("node_modules/a/node_modules/b"); version 1 files from the nested
// "dependencies" tree. In v2/v3 a package installed directly under the root
// or under a workspace, and named in that project's dependencies,
// devDependencies, optionalDependencies or peerDependencies, is "direct";
// every other package is "transitive". Version 1 files do not record which
// dependencies are direct, so Relationship is left empty there.
//
// Skipped (see lockfile.Result): workspace packages and links ("link":
// true), local path dependencies (file:), git dependencies, and entries
// without a concrete semver version.
//
// Metadata: "scope" is "dev" for packages only needed for development
// ("dev": true); "optional" is "true" for optional packages.
package npm

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
)

// Name is the extractor's name.
const Name = "lockfile/npm"

// New returns the npm lockfile extractor.
func New() lockfile.Extractor {
	return lockfile.New(lockfile.Format{
		Name:  Name,
		Wants: func(path string) bool { return wants(path) },
		Parse: func(_ string, data []byte) (*lockfile.Result, error) { return Parse(data) },
	})
}

type lockFile struct {
	LockfileVersion int                    `json:"lockfileVersion"`
	Packages        map[string]*pkgEntry   `json:"packages"`
	Dependencies    map[string]*depEntryV1 `json:"dependencies"`
}

type pkgEntry struct {
	Name                 string            `json:"name"`
	Version              string            `json:"version"`
	Resolved             string            `json:"resolved"`
	Link                 bool              `json:"link"`
	Dev                  bool              `json:"dev"`
	Optional             bool              `json:"optional"`
	Dependencies         map[string]string `json:"dependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	PeerDependencies     map[string]string `json:"peerDependencies"`
}

type depEntryV1 struct {
	Version      string                 `json:"version"`
	Resolved     string                 `json:"resolved"`
	Dev          bool                   `json:"dev"`
	Optional     bool                   `json:"optional"`
	Requires     map[string]string      `json:"requires"`
	Dependencies map[string]*depEntryV1 `json:"dependencies"`
}

// Parse parses the bytes of a package-lock.json or npm-shrinkwrap.json.
// The packages' Path is left empty.
func Parse(data []byte) (*lockfile.Result, error) {
	var lf lockFile
	if err := json.Unmarshal(data, &lf); err != nil {
		return nil, err
	}
	r := &lockfile.Result{}
	if len(lf.Packages) > 0 {
		parsePackages(lf.Packages, r)
	} else {
		parseV1(lf.Dependencies, r)
	}
	r.Packages = lockfile.Dedup(r.Packages)
	return r, nil
}

const nm = "node_modules/"

func parsePackages(pkgs map[string]*pkgEntry, r *lockfile.Result) {
	keys := make([]string, 0, len(pkgs))
	for k := range pkgs {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	// Importers: the root ("") and every workspace (a key outside
	// node_modules); their declared dependencies are the direct ones.
	importers := map[string]map[string]bool{}
	all := map[string]bool{}
	for _, k := range keys {
		e := pkgs[k]
		if e == nil || (k != "" && strings.Contains(k, nm)) || strings.HasPrefix(k, "node_modules") {
			continue
		}
		deps := map[string]bool{}
		for _, m := range []map[string]string{e.Dependencies, e.DevDependencies, e.OptionalDependencies, e.PeerDependencies} {
			for n := range m {
				deps[n] = true
				all[n] = true
			}
		}
		importers[k] = deps
	}

	for _, k := range keys {
		e := pkgs[k]
		if e == nil || k == "" {
			continue
		}
		i := strings.LastIndex(k, nm)
		if i < 0 {
			r.Skipped = append(r.Skipped, lockfile.Skip{Name: e.Name, Spec: k, Reason: "workspace package"})
			continue
		}
		name := k[i+len(nm):]
		if e.Name != "" {
			name = e.Name
		}
		if name == "" {
			r.Skipped = append(r.Skipped, lockfile.Skip{Spec: k, Reason: "no name"})
			continue
		}
		if e.Link {
			r.Skipped = append(r.Skipped, lockfile.Skip{Name: name, Spec: e.Resolved, Reason: "link"})
			continue
		}
		if reason := nonRegistry(e.Version, e.Resolved); reason != "" {
			spec := e.Resolved
			if spec == "" {
				spec = e.Version
			}
			r.Skipped = append(r.Skipped, lockfile.Skip{Name: name, Spec: spec, Reason: reason})
			continue
		}
		p := newPackage(name, e.Version, e.Dev, e.Optional)
		p.Relationship = "transitive"
		installedAs := k[i+len(nm):]
		parent := strings.TrimSuffix(k[:i], "/")
		if parent == "" && all[installedAs] || parent != "" && importers[parent][installedAs] {
			p.Relationship = "direct"
		}
		var deps []string
		for _, m := range []map[string]string{e.Dependencies, e.OptionalDependencies, e.PeerDependencies} {
			for n := range m {
				deps = append(deps, n)
			}
		}
		p.DependsOn = lockfile.SortedUnique(deps)
		r.Packages = append(r.Packages, p)
	}
}

func parseV1(deps map[string]*depEntryV1, r *lockfile.Result) {
	names := make([]string, 0, len(deps))
	for n := range deps {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		e := deps[n]
		if e == nil {
			continue
		}
		name, version := n, e.Version
		// An alias: "string-width-cjs": {"version": "npm:string-width@4.2.3"}.
		if rest, ok := strings.CutPrefix(version, "npm:"); ok {
			if at := strings.LastIndexByte(rest, '@'); at > 0 {
				name, version = rest[:at], rest[at+1:]
			}
		}
		if reason := nonRegistry(version, e.Resolved); reason != "" || name == "" {
			if reason == "" {
				reason = "no name"
			}
			r.Skipped = append(r.Skipped, lockfile.Skip{Name: name, Spec: e.Version, Reason: reason})
		} else {
			p := newPackage(name, version, e.Dev, e.Optional)
			req := make([]string, 0, len(e.Requires))
			for d := range e.Requires {
				req = append(req, d)
			}
			p.DependsOn = lockfile.SortedUnique(req)
			r.Packages = append(r.Packages, p)
		}
		parseV1(e.Dependencies, r)
	}
}

// nonRegistry returns why an entry is not a registry package with a
// concrete version, or "".
func nonRegistry(version, resolved string) string {
	for _, s := range []string{version, resolved} {
		switch {
		case strings.HasPrefix(s, "file:"):
			return "local path"
		case strings.HasPrefix(s, "link:"):
			return "link"
		case strings.HasPrefix(s, "git+"), strings.HasPrefix(s, "git:"), strings.HasPrefix(s, "github:"),
			strings.HasPrefix(s, "gitlab:"), strings.HasPrefix(s, "bitbucket:"):
			return "git dependency"
		}
	}
	if !lockfile.IsNPMVersion(version) {
		return "no concrete version"
	}
	return ""
}

func newPackage(name, version string, dev, optional bool) inventory.Package {
	p := inventory.Package{
		Name:      name,
		Version:   version,
		Type:      "npm",
		PURL:      lockfile.NPMPURL(name, version),
		Extractor: Name,
	}
	if dev || optional {
		p.Metadata = map[string]string{}
		if dev {
			p.Metadata["scope"] = "dev"
		}
		if optional {
			p.Metadata["optional"] = "true"
		}
	}
	return p
}

// wants reports whether path names an npm lockfile outside node_modules.
func wants(path string) bool {
	b := lockfile.Base(path)
	return (b == "package-lock.json" || b == "npm-shrinkwrap.json") && !lockfile.InNodeModules(path)
}
