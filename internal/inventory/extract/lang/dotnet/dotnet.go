// Package dotnet finds the NuGet packages a .NET application was built
// with, from its *.deps.json file: every "libraries" entry of type
// "package", with its dependencies from the "targets" section.
package dotnet

import (
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
const Name = "lang/dotnet"

// MaxFileSize bounds the deps.json read into memory.
const MaxFileSize = 64 << 20

// Extractor reads *.deps.json files.
type Extractor struct{}

var _ inventory.Extractor = Extractor{}

// New returns the .NET deps.json extractor.
func New() Extractor { return Extractor{} }

// Name implements inventory.Extractor.
func (Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (Extractor) Version() int { return 1 }

// Required implements inventory.Extractor.
func (Extractor) Required(path string, mode fs.FileMode) bool {
	return mode.IsRegular() && strings.HasSuffix(path, ".deps.json")
}

// Extract implements inventory.Extractor.
func (e Extractor) Extract(ctx context.Context, in *inventory.Input) ([]inventory.Package, error) {
	b, err := bounded.ReadAll(in, MaxFileSize)
	if err != nil {
		return nil, err
	}
	pkgs, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("parse .NET deps.json %q: %w", in.Path, err)
	}
	for i := range pkgs {
		pkgs[i].Path = in.Path
		pkgs[i].Extractor = Name
	}
	return pkgs, nil
}

type depsFile struct {
	Targets   map[string]map[string]targetLib `json:"targets"`
	Libraries map[string]library              `json:"libraries"`
}

type targetLib struct {
	Dependencies map[string]json.RawMessage `json:"dependencies"`
}

type library struct {
	Type string `json:"type"`
}

// Parse reads a deps.json document. Packages come out sorted by name and
// version.
func Parse(b []byte) ([]inventory.Package, error) {
	var d depsFile
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, err
	}
	// Dependencies of each "Name/Version", merged over all targets.
	deps := map[string]map[string]bool{}
	for _, libs := range d.Targets {
		for key, t := range libs {
			for n := range t.Dependencies {
				if deps[key] == nil {
					deps[key] = map[string]bool{}
				}
				deps[key][n] = true
			}
		}
	}
	var out []inventory.Package
	for key, lib := range d.Libraries {
		if !strings.EqualFold(lib.Type, "package") {
			continue
		}
		name, version, ok := strings.Cut(key, "/")
		if !ok || name == "" || version == "" {
			continue
		}
		var dn []string
		for n := range deps[key] {
			dn = append(dn, n)
		}
		sort.Strings(dn)
		out = append(out, inventory.Package{
			Name: name, Version: version, Type: packageurl.TypeNuget,
			PURL:      packageurl.NewPackageURL(packageurl.TypeNuget, "", name, version, nil, "").ToString(),
			DependsOn: dn,
		})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Version < out[j].Version
	})
	return out, nil
}
