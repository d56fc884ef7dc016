// Package composer extracts packages from composer.lock, the lockfile of
// PHP's Composer: the "packages" and "packages-dev" lists.
//
// A leading "v" is stripped from versions ("v6.4.8" becomes "6.4.8").
// composer.lock does not say which dependencies are direct (composer.json
// does), so Relationship is left empty. DependsOn lists the packages each
// one requires (platform requirements such as php and ext-* left out).
// Metadata "scope" is "dev" for packages-dev.
//
// Skipped (see lockfile.Result): branch versions ("dev-main", "2.x-dev")
// and packages installed from a local path.
package composer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
)

// Name is the extractor's name.
const Name = "lockfile/composer"

// New returns the composer.lock extractor.
func New() lockfile.Extractor {
	return lockfile.New(lockfile.Format{
		Name:  Name,
		Wants: func(path string) bool { return lockfile.Base(path) == "composer.lock" },
		Parse: func(_ string, data []byte) (*lockfile.Result, error) { return Parse(data) },
	})
}

type source struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

type entry struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Dist    source `json:"dist"`
	// Require is an object, or [] when empty (PHP's empty array).
	Require json.RawMessage `json:"require"`
}

type lockFile struct {
	Packages    []entry `json:"packages"`
	PackagesDev []entry `json:"packages-dev"`
}

// Parse parses the bytes of a composer.lock. The packages' Path is left
// empty.
func Parse(data []byte) (*lockfile.Result, error) {
	var lf lockFile
	if err := json.Unmarshal(data, &lf); err != nil {
		return nil, err
	}
	r := &lockfile.Result{}
	for _, sec := range []struct {
		list []entry
		dev  bool
	}{{lf.Packages, false}, {lf.PackagesDev, true}} {
		for _, e := range sec.list {
			version := strings.TrimPrefix(e.Version, "v")
			reason, spec := "", e.Version
			switch {
			case e.Name == "":
				reason = "no name"
			case e.Dist.Type == "path":
				reason, spec = "local path", e.Dist.URL
			case strings.HasPrefix(version, "dev-"), strings.HasSuffix(version, "-dev"), version == "":
				reason = "no concrete version"
			}
			if reason != "" {
				r.Skipped = append(r.Skipped, lockfile.Skip{Name: e.Name, Spec: spec, Reason: reason})
				continue
			}
			p := inventory.Package{
				Name:      e.Name,
				Version:   version,
				Type:      "composer",
				PURL:      lockfile.PURL("composer", e.Name, version),
				Extractor: Name,
			}
			var req map[string]string
			if t := bytes.TrimSpace(e.Require); len(t) > 0 && t[0] == '{' {
				if err := json.Unmarshal(t, &req); err != nil {
					return nil, fmt.Errorf("package %q: require: %w", e.Name, err)
				}
			}
			var deps []string
			for d := range req {
				if strings.Contains(d, "/") {
					deps = append(deps, d)
				}
			}
			p.DependsOn = lockfile.SortedUnique(deps)
			if sec.dev {
				p.Metadata = map[string]string{"scope": "dev"}
			}
			r.Packages = append(r.Packages, p)
		}
	}
	r.Packages = lockfile.Dedup(r.Packages)
	return r, nil
}
