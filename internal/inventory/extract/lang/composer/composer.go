// Package composer finds the PHP packages Composer installed, from
// vendor/composer/installed.json (Composer 1 writes a JSON array, Composer 2
// an object with "packages" and "dev-package-names").
package composer

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
const Name = "lang/composer"

// MaxFileSize bounds the installed.json read into memory.
const MaxFileSize = 64 << 20

// Extractor reads vendor/composer/installed.json.
type Extractor struct{}

var _ inventory.Extractor = Extractor{}

// New returns the Composer extractor.
func New() Extractor { return Extractor{} }

// Name implements inventory.Extractor.
func (Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (Extractor) Version() int { return 1 }

// Required implements inventory.Extractor.
func (Extractor) Required(path string, mode fs.FileMode) bool {
	return mode.IsRegular() && (path == "vendor/composer/installed.json" ||
		strings.HasSuffix(path, "/vendor/composer/installed.json"))
}

// Extract implements inventory.Extractor.
func (e Extractor) Extract(ctx context.Context, in *inventory.Input) ([]inventory.Package, error) {
	b, err := bounded.ReadAll(in, MaxFileSize)
	if err != nil {
		return nil, err
	}
	pkgs, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("parse Composer installed.json %q: %w", in.Path, err)
	}
	for i := range pkgs {
		pkgs[i].Path = in.Path
		pkgs[i].Extractor = Name
	}
	return pkgs, nil
}

type entry struct {
	Name    string          `json:"name"`
	Version string          `json:"version"`
	License json.RawMessage `json:"license"`
	Require json.RawMessage `json:"require"`
}

// Parse reads an installed.json of either format. Entries without a name
// or version are skipped.
func Parse(b []byte) ([]inventory.Package, error) {
	b = bytes.TrimSpace(b)
	var entries []entry
	dev := map[string]bool{}
	switch {
	case len(b) > 0 && b[0] == '[':
		if err := json.Unmarshal(b, &entries); err != nil {
			return nil, err
		}
	case len(b) > 0 && b[0] == '{':
		var v2 struct {
			Packages []entry  `json:"packages"`
			Dev      []string `json:"dev-package-names"`
		}
		if err := json.Unmarshal(b, &v2); err != nil {
			return nil, err
		}
		entries = v2.Packages
		for _, n := range v2.Dev {
			dev[n] = true
		}
	default:
		return nil, fmt.Errorf("want a JSON array or object")
	}
	var out []inventory.Package
	for _, e := range entries {
		name := strings.TrimSpace(e.Name)
		version := strings.TrimPrefix(strings.TrimSpace(e.Version), "v")
		if name == "" || version == "" {
			continue
		}
		p := inventory.Package{
			Name: name, Version: version, Type: packageurl.TypeComposer,
			PURL: PURL(name, version), Licenses: stringList(e.License),
			DependsOn: requires(e.Require),
		}
		if dev[name] {
			p.Metadata = map[string]string{"dev": "true"}
		}
		out = append(out, p)
	}
	return out, nil
}

// PURL returns the package URL of a Composer package "vendor/name".
func PURL(name, version string) string {
	ns, n, ok := strings.Cut(name, "/")
	if !ok {
		ns, n = "", name
	}
	return packageurl.NewPackageURL(packageurl.TypeComposer, ns, n, version, nil, "").ToString()
}

// stringList reads a licence given as an array of strings or one string.
func stringList(raw json.RawMessage) []string {
	var arr []string
	if json.Unmarshal(raw, &arr) != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil || s == "" {
			return nil
		}
		arr = []string{s}
	}
	var out []string
	for _, s := range arr {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// requires returns the package names a "require" object lists, leaving out
// platform requirements (php, ext-*, lib-*, composer-*-api), which have no
// vendor prefix.
func requires(raw json.RawMessage) []string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	var out []string
	for n := range m {
		if strings.Contains(n, "/") {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}
