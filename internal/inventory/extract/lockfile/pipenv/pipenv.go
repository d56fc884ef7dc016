// Package pipenv extracts packages from Pipfile.lock, the JSON lockfile of
// Pipenv: the "default" and "develop" sections map a package name to its
// pinned version ("==1.2.3").
//
// Pipfile.lock does not say which dependencies are direct, so Relationship
// is left empty. Metadata "scope" is "dev" for packages found only in
// "develop".
//
// Skipped (see lockfile.Result): editable, local path, git and URL
// entries, and entries whose version is not pinned with "==" or "===".
package pipenv

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
)

// Name is the extractor's name.
const Name = "lockfile/pipenv"

// New returns the Pipfile.lock extractor.
func New() lockfile.Extractor {
	return lockfile.New(lockfile.Format{
		Name:  Name,
		Wants: func(path string) bool { return lockfile.Base(path) == "Pipfile.lock" },
		Parse: func(_ string, data []byte) (*lockfile.Result, error) { return Parse(data) },
	})
}

type entry struct {
	Version  string `json:"version"`
	Editable bool   `json:"editable"`
	Path     string `json:"path"`
	File     string `json:"file"`
	Git      string `json:"git"`
}

type lockFile struct {
	Meta    *json.RawMessage  `json:"_meta"`
	Default map[string]*entry `json:"default"`
	Develop map[string]*entry `json:"develop"`
}

// Parse parses the bytes of a Pipfile.lock. The packages' Path is left
// empty.
func Parse(data []byte) (*lockfile.Result, error) {
	var lf lockFile
	if err := json.Unmarshal(data, &lf); err != nil {
		return nil, err
	}
	r := &lockfile.Result{}
	for _, sec := range []struct {
		m   map[string]*entry
		dev bool
	}{{lf.Default, false}, {lf.Develop, true}} {
		names := make([]string, 0, len(sec.m))
		for n := range sec.m {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			e := sec.m[n]
			if e == nil {
				continue
			}
			reason, spec := "", e.Version
			switch {
			case n == "":
				reason = "no name"
			case e.Editable:
				reason, spec = "editable", e.Path
			case e.Git != "":
				reason, spec = "git dependency", e.Git
			case e.Path != "":
				reason, spec = "local path", e.Path
			case e.File != "":
				reason, spec = "URL dependency", e.File
			}
			version, pinned := pinnedVersion(e.Version)
			if reason == "" && !pinned {
				reason = "not pinned"
			}
			if reason != "" {
				r.Skipped = append(r.Skipped, lockfile.Skip{Name: n, Spec: spec, Reason: reason})
				continue
			}
			p := inventory.Package{
				Name:      lockfile.NormalizePyPI(n),
				Version:   version,
				Type:      "pypi",
				PURL:      lockfile.PyPIPURL(n, version),
				Extractor: Name,
			}
			if sec.dev {
				p.Metadata = map[string]string{"scope": "dev"}
			}
			r.Packages = append(r.Packages, p)
		}
	}
	r.Packages = lockfile.Dedup(r.Packages)
	return r, nil
}

// pinnedVersion returns the version of "==1.2.3" or "===1.2.3".
func pinnedVersion(s string) (string, bool) {
	v, ok := strings.CutPrefix(s, "===")
	if !ok {
		v, ok = strings.CutPrefix(s, "==")
	}
	v = strings.TrimSpace(v)
	if !ok || v == "" || strings.ContainsAny(v, "*,<>=!~; ") {
		return "", false
	}
	return v, true
}
