// Package npm finds installed npm packages from the package.json of each
// package folder under node_modules (nested, scoped "@scope/name", and the
// global usr/lib/node_modules and usr/local/lib/node_modules trees). A
// project's own package.json outside node_modules is not an installed
// package and is not read.
package npm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang/internal/bounded"
)

// Name is the extractor's name.
const Name = "lang/npm"

// MaxFileSize bounds the package.json read into memory (old npm versions
// stored the whole README in installed package.json files).
const MaxFileSize = 8 << 20

// Extractor reads node_modules/**/package.json.
type Extractor struct{}

var _ inventory.Extractor = Extractor{}

// New returns the npm extractor.
func New() Extractor { return Extractor{} }

// Name implements inventory.Extractor.
func (Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (Extractor) Version() int { return 1 }

// Required implements inventory.Extractor: package.json directly inside a
// package folder under node_modules: node_modules/NAME/package.json or
// node_modules/@SCOPE/NAME/package.json.
func (Extractor) Required(path string, mode fs.FileMode) bool {
	if !mode.IsRegular() || !strings.HasSuffix(path, "package.json") {
		return false
	}
	rest, ok := strings.CutSuffix(path, "/package.json")
	if !ok {
		return false
	}
	i := strings.LastIndex(rest, "node_modules/")
	if i < 0 || (i > 0 && rest[i-1] != '/') {
		return false
	}
	rest = rest[i+len("node_modules/"):]
	if rest == "" {
		return false
	}
	if rest[0] == '@' {
		scope, name, ok := strings.Cut(rest, "/")
		return ok && len(scope) > 1 && name != "" && !strings.Contains(name, "/")
	}
	return !strings.Contains(rest, "/") && rest[0] != '.'
}

// manifest holds the fields read from package.json. Everything is decoded
// leniently: a field of an unexpected JSON type is ignored rather than
// failing the package, since installed manifests in the wild vary.
type manifest struct {
	Name                 json.RawMessage `json:"name"`
	Version              json.RawMessage `json:"version"`
	License              json.RawMessage `json:"license"`
	Licenses             json.RawMessage `json:"licenses"`
	Dependencies         json.RawMessage `json:"dependencies"`
	OptionalDependencies json.RawMessage `json:"optionalDependencies"`
}

// Extract implements inventory.Extractor. A package.json without a name or
// a version (a sub-folder manifest of a package, for example) yields nil.
func (e Extractor) Extract(ctx context.Context, in *inventory.Input) ([]inventory.Package, error) {
	b, err := bounded.ReadAll(in, MaxFileSize)
	if err != nil {
		return nil, err
	}
	p, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("parse npm manifest %q: %w", in.Path, err)
	}
	if p == nil {
		return nil, nil
	}
	p.Path = in.Path
	p.Extractor = Name
	return []inventory.Package{*p}, nil
}

// Parse reads one package.json. It returns nil when the file names no
// package (no name or no version).
func Parse(b []byte) (*inventory.Package, error) {
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	name, version := str(m.Name), str(m.Version)
	if name == "" || version == "" {
		return nil, nil
	}
	lic := licenses(m.License, m.Licenses)
	seen := map[string]bool{}
	var deps []string
	for _, raw := range []json.RawMessage{m.Dependencies, m.OptionalDependencies} {
		var o map[string]json.RawMessage
		if json.Unmarshal(raw, &o) != nil {
			continue
		}
		for n := range o {
			if n != "" && !seen[n] {
				seen[n] = true
				deps = append(deps, n)
			}
		}
	}
	sort.Strings(deps)
	return &inventory.Package{
		Name: name, Version: version, Type: packageurl.TypeNPM,
		PURL: PURL(name, version), Licenses: lic, DependsOn: deps,
	}, nil
}

// PURL returns the package URL of an npm package; a scope is the namespace.
func PURL(name, version string) string {
	ns := ""
	if strings.HasPrefix(name, "@") {
		if s, n, ok := strings.Cut(name, "/"); ok {
			ns, name = s, n
		}
	}
	return packageurl.NewPackageURL(packageurl.TypeNPM, ns, name, version, nil, "").ToString()
}

// str decodes a JSON string, trimmed; anything else is "".
func str(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return strings.TrimSpace(s)
}

// licenses reads "license": "MIT", "license": {"type": "MIT"}, and the
// legacy "licenses": [{"type": "MIT"}, "Apache-2.0"] (also found under
// "license"). Shapes it does not know are ignored.
func licenses(license, legacy json.RawMessage) []string {
	var out []string
	var one func(raw json.RawMessage, depth int)
	one = func(raw json.RawMessage, depth int) {
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			return
		}
		switch raw[0] {
		case '"':
			if s := str(raw); s != "" {
				out = append(out, s)
			}
		case '{':
			var o struct {
				Type json.RawMessage `json:"type"`
			}
			if json.Unmarshal(raw, &o) == nil {
				if s := str(o.Type); s != "" {
					out = append(out, s)
				}
			}
		case '[':
			var arr []json.RawMessage
			if depth == 0 && json.Unmarshal(raw, &arr) == nil {
				for _, r := range arr {
					one(r, depth+1)
				}
			}
		}
	}
	one(license, 0)
	one(legacy, 0)
	return out
}
