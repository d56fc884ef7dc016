// Package lockfile holds what the lockfile and manifest extractors share:
// the Result of a parse (packages plus the entries that were deliberately
// skipped, with a reason), a bounded read of the input, and small helpers for
// package URLs and version checks.
//
// Each format lives in its own subpackage (npm, yarn, pnpm, requirements,
// poetry, pipenv, uv, gomod, gemfile, cargo, composer, nuget, pom) whose New
// returns an inventory.Extractor; package lockfile/list returns them all.
//
// Conventions shared by every extractor in the tree:
//
//   - Only concrete versions are reported. Entries whose version is a range,
//     or that come from a git repository, a local path, a workspace or a link,
//     are not packages of a registry and are left out; each such entry is
//     recorded in Result.Skipped with its reason, which the Parse method of
//     every extractor (see Parser) returns. Extract drops Skipped.
//   - Relationship is "direct" or "transitive" only where the file itself
//     says so; otherwise it is empty.
//   - Python package names are PEP 503 normalised ("Flask_Cors" becomes
//     "flask-cors"), as the installed-package extractors write them; so are
//     the names in their DependsOn.
//   - Metadata["scope"] is "dev" for development-only packages (npm dev,
//     Pipfile develop, composer packages-dev, ...) and the declared scope
//     for Maven ("test", "provided", ...). Format-specific keys are
//     documented in each subpackage.
//   - Files larger than MaxFileBytes (or the Input's MaxBytes, if smaller)
//     are refused with an error wrapping inventory.ErrTooLarge.
package lockfile

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
)

// MaxFileBytes is the largest lockfile or manifest read (64 MiB).
const MaxFileBytes = 64 << 20

// Result is what one lockfile yields.
type Result struct {
	// Packages are the packages with concrete versions.
	Packages []inventory.Package
	// Skipped are the entries left out, with the reason.
	Skipped []Skip
}

// Skip is one entry of a lockfile that was not reported as a package.
type Skip struct {
	// Name is the package name, when known.
	Name string `json:"name,omitempty"`
	// Spec is the version, requirement line or source as written.
	Spec string `json:"spec,omitempty"`
	// Reason says why, in a few words ("not pinned", "git dependency", ...).
	Reason string `json:"reason"`
	// Line is the 1-based line in the file, for line-oriented formats.
	Line int `json:"line,omitempty"`
}

// Parser is implemented by every extractor in this tree in addition to
// inventory.Extractor: it returns the skipped entries as well.
type Parser interface {
	Parse(ctx context.Context, in *inventory.Input) (*Result, error)
}

// ReadAll reads the whole input, refusing more than the smaller of
// MaxFileBytes and in.MaxBytes.
func ReadAll(in *inventory.Input) ([]byte, error) {
	limit := int64(MaxFileBytes)
	if in.MaxBytes > 0 && in.MaxBytes < limit {
		limit = in.MaxBytes
	}
	if in.Size > limit {
		return nil, fmt.Errorf("read %q: %d bytes: %w (limit %d bytes)", in.Path, in.Size, inventory.ErrTooLarge, limit)
	}
	if in.Reader == nil {
		return nil, fmt.Errorf("read %q: no reader", in.Path)
	}
	b, err := io.ReadAll(io.LimitReader(in.Reader, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", in.Path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("read %q: %w (limit %d bytes)", in.Path, inventory.ErrTooLarge, limit)
	}
	return b, nil
}

// PURL returns the package URL of a package of type typ (npm, pypi,
// golang, gem, cargo, composer, nuget, maven). It is made by inventory.PURL,
// so that lockfile packages and installed packages agree: npm "@scope/name"
// and maven "group:artifact" names become namespace and name, Go module
// paths split at their last '/', PyPI names are PEP 503 normalised, npm and
// composer names lower-cased.
func PURL(typ, name, version string) string {
	return inventory.PURL(&inventory.Package{Type: typ, Name: name, Version: version}, nil)
}

// NPMPURL returns the package URL of an npm package.
func NPMPURL(name, version string) string { return PURL("npm", name, version) }

// NormalizePyPI returns the PEP 503 normalised form of a Python project
// name: lower case, with every run of '-', '_' and '.' replaced by one '-'.
func NormalizePyPI(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	sep := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '-' || c == '_' || c == '.':
			sep = true
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		if sep && b.Len() > 0 {
			b.WriteByte('-')
		}
		sep = false
		b.WriteByte(c)
	}
	return b.String()
}

// PyPIPURL returns the package URL of a Python project.
func PyPIPURL(name, version string) string { return PURL("pypi", name, version) }

// IsNPMVersion reports whether v looks like a concrete semver version as npm
// records it (1.2.3, 1.2.3-beta.1, 1.2.3+build), not a range, tag, URL or
// path.
func IsNPMVersion(v string) bool {
	if v == "" || v[0] < '0' || v[0] > '9' {
		return false
	}
	dots := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-', c == '+':
		case c == '.':
			dots++
		default:
			return false
		}
	}
	return dots >= 2
}

// Dedup keeps the first package of each Name and Version pair, and merges
// into it the facts that later duplicates add: a "direct" relationship wins
// over "transitive", and DependsOn is the union. It keeps the input order.
func Dedup(pkgs []inventory.Package) []inventory.Package {
	type key struct{ name, version string }
	idx := make(map[key]int, len(pkgs))
	out := pkgs[:0:0]
	for _, p := range pkgs {
		k := key{p.Name, p.Version}
		i, ok := idx[k]
		if !ok {
			idx[k] = len(out)
			out = append(out, p)
			continue
		}
		q := &out[i]
		if p.Relationship == "direct" || q.Relationship == "" {
			q.Relationship = p.Relationship
		}
		if len(p.DependsOn) > 0 {
			q.DependsOn = SortedUnique(append(append([]string(nil), q.DependsOn...), p.DependsOn...))
		}
	}
	return out
}

// SortedUnique sorts s and removes duplicates and empty strings; it returns
// nil for an empty result.
func SortedUnique(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	sort.Strings(s)
	out := s[:0]
	for _, v := range s {
		if v == "" || (len(out) > 0 && v == out[len(out)-1]) {
			continue
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// InNodeModules reports whether path lies inside a node_modules directory,
// where lockfiles shipped inside installed packages describe what their
// authors installed, not what the project installs.
func InNodeModules(path string) bool {
	return strings.HasPrefix(path, "node_modules/") || strings.Contains(path, "/node_modules/")
}

// Base returns the last element of a slash-separated path, cheaply.
func Base(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// Format describes one lockfile format: its extractor name, a cheap test on
// the path, and the parser of its bytes. Extractor turns it into an
// inventory.Extractor that is also a Parser.
type Format struct {
	// Name is the extractor's name, such as "lockfile/npm".
	Name string
	// Wants reports, from the path alone, whether a regular file is of the
	// format. It is called for every file of a walk.
	Wants func(path string) bool
	// Parse reads the whole file; path is its slash path in the walk.
	Parse func(path string, data []byte) (*Result, error)
}

// Extractor is the inventory.Extractor of one Format.
type Extractor struct{ f Format }

var (
	_ inventory.Extractor = Extractor{}
	_ Parser              = Extractor{}
)

// New returns the extractor of f.
func New(f Format) Extractor { return Extractor{f: f} }

// Name implements inventory.Extractor.
func (e Extractor) Name() string { return e.f.Name }

// Version implements inventory.Extractor.
func (Extractor) Version() int { return 1 }

// Required implements inventory.Extractor.
func (e Extractor) Required(path string, mode fs.FileMode) bool {
	return mode.IsRegular() && e.f.Wants(path)
}

// Extract implements inventory.Extractor: the packages of Parse, without
// the skipped entries.
func (e Extractor) Extract(ctx context.Context, in *inventory.Input) ([]inventory.Package, error) {
	r, err := e.Parse(ctx, in)
	if err != nil || r == nil {
		return nil, err
	}
	return r.Packages, nil
}

// Parse implements Parser: it reads the bounded input, parses it and
// stamps every package with the file's path.
func (e Extractor) Parse(ctx context.Context, in *inventory.Input) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := ReadAll(in)
	if err != nil {
		return nil, err
	}
	r, err := e.f.Parse(in.Path, data)
	if err != nil {
		return nil, fmt.Errorf("parse %q: %w", in.Path, err)
	}
	for i := range r.Packages {
		r.Packages[i].Path = in.Path
	}
	return r, nil
}
