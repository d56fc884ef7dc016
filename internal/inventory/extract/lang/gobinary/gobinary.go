// Package gobinary finds the Go modules compiled into Go executables, from
// the build information the Go linker embeds (debug/buildinfo). Files are
// recognised by content (ELF, Mach-O or PE magic), not by name.
//
// Each binary yields the main module (its version left empty when Go
// stamped "(devel)"), every dependency module (the replacement when the
// module was replaced by another module version) and the Go toolchain as
// the package "stdlib" with a version without the "go" prefix.
package gobinary

import (
	"context"
	"debug/buildinfo"
	"fmt"
	"io/fs"
	"runtime/debug"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang/internal/binfile"
)

// Name is the extractor's name.
const Name = "lang/gobinary"

// Extractor reads Go build information from executables.
type Extractor struct{}

var _ inventory.Extractor = Extractor{}

// New returns the Go binary extractor.
func New() Extractor { return Extractor{} }

// Name implements inventory.Extractor.
func (Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (Extractor) Version() int { return 1 }

// Required implements inventory.Extractor: regular files with an execute
// bit, and extension-less or .so files in bin directories.
func (Extractor) Required(path string, mode fs.FileMode) bool { return binfile.Required(path, mode) }

// settings are the build settings copied into the main module's metadata.
// -ldflags is left out on purpose: it may carry values such as tokens set
// with -X.
var settings = map[string]bool{
	"-buildmode": true, "-compiler": true, "-tags": true, "-trimpath": true,
	"-race": true, "-asan": true, "-msan": true,
	"CGO_ENABLED": true, "GOOS": true, "GOARCH": true, "GOAMD64": true, "GOARM": true,
	"GOARM64": true, "GOEXPERIMENT": true, "GOFIPS140": true,
	"vcs": true, "vcs.revision": true, "vcs.time": true, "vcs.modified": true,
}

// Extract implements inventory.Extractor. Files that are not executables,
// or executables that carry no Go build information, yield (nil, nil).
func (e Extractor) Extract(ctx context.Context, in *inventory.Input) ([]inventory.Package, error) {
	magic, in, err := binfile.Peek(in, 4)
	if err != nil {
		return nil, err
	}
	if binfile.Sniff(magic) == binfile.Unknown {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ra, _, err := in.ReaderAt()
	if err != nil {
		return nil, fmt.Errorf("open Go binary %q: %w", in.Path, err)
	}
	defer ra.Close()
	bi, err := buildinfo.Read(ra)
	if err != nil {
		if notGo(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("read Go build info of %q: %w", in.Path, err)
	}
	return packages(bi, in.Path), nil
}

// notGo tells the errors debug/buildinfo returns for files that are simply
// not Go executables (it exports no sentinel for them).
func notGo(err error) bool {
	s := err.Error()
	return strings.Contains(s, "not a Go executable") || strings.Contains(s, "unrecognized file format")
}

func packages(bi *buildinfo.BuildInfo, path string) []inventory.Package {
	var goos, goarch string
	meta := map[string]string{}
	for _, s := range bi.Settings {
		switch s.Key {
		case "GOOS":
			goos = s.Value
		case "GOARCH":
			goarch = s.Value
		}
		if settings[s.Key] && s.Value != "" {
			meta[s.Key] = s.Value
		}
	}
	var out []inventory.Package
	if bi.Main.Path != "" {
		p := module(bi.Main, path)
		if bi.Path != "" {
			meta["main_package"] = bi.Path
		}
		if bi.GoVersion != "" {
			meta["go_version"] = bi.GoVersion
		}
		if bi.Main.Version == "(devel)" {
			meta["version"] = "(devel)"
		}
		p.Metadata = meta
		out = append(out, p)
	}
	for _, d := range bi.Deps {
		if d == nil || d.Path == "" {
			continue
		}
		out = append(out, module(*d, path))
	}
	if v := goVersion(bi.GoVersion); v != "" {
		p := inventory.Package{
			Name: "stdlib", Version: v, Type: packageurl.TypeGolang,
			PURL: packageurl.NewPackageURL(packageurl.TypeGolang, "", "stdlib", v, nil, "").ToString(),
			Path: path, Extractor: Name,
		}
		if goos != "" || goarch != "" {
			p.Metadata = map[string]string{"GOOS": goos, "GOARCH": goarch}
		}
		out = append(out, p)
	}
	return out
}

// module turns a module (or its module replacement) into a package.
func module(m debug.Module, path string) inventory.Package {
	name, version := m.Path, m.Version
	var meta map[string]string
	if r := m.Replace; r != nil {
		if r.Version != "" {
			name, version = r.Path, r.Version
			meta = map[string]string{"replaces": m.Path + "@" + m.Version}
		} else {
			// Replaced by a local directory: the code is not the
			// published version, so the version is unknown.
			version = ""
			meta = map[string]string{"replaced_by": r.Path}
		}
	}
	if version == "(devel)" {
		version = ""
	}
	return inventory.Package{
		Name: name, Version: version, Type: packageurl.TypeGolang,
		PURL: PURL(name, version), Path: path, Extractor: Name, Metadata: meta,
	}
}

// PURL returns the package URL of a Go module: the module path up to its
// last element is the namespace.
func PURL(module, version string) string {
	ns, name := "", module
	if i := strings.LastIndexByte(module, '/'); i >= 0 {
		ns, name = module[:i], module[i+1:]
	}
	return packageurl.NewPackageURL(packageurl.TypeGolang, ns, name, version, nil, "").ToString()
}

// goVersion turns a toolchain version such as "go1.21.5" or
// "go1.22rc1 X:boringcrypto" into "1.21.5" / "1.22rc1".
func goVersion(s string) string {
	s, _, _ = strings.Cut(s, " ")
	if !strings.HasPrefix(s, "go") {
		return ""
	}
	return strings.TrimPrefix(s, "go")
}
