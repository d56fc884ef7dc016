// Package rustaudit finds the crates compiled into Rust binaries built with
// cargo-auditable, which embeds the dependency tree as zlib-compressed JSON
// in a section named .dep-v0 (ELF and PE; __DATA,.dep-v0 in Mach-O).
// Binaries without the section yield nothing.
package rustaudit

import (
	"bytes"
	"compress/zlib"
	"context"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/package-url/packageurl-go"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang/internal/binfile"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang/internal/bounded"
)

// Name is the extractor's name.
const Name = "lang/rustaudit"

// SectionName is the section cargo-auditable writes.
const SectionName = ".dep-v0"

// Limits on the embedded data: the compressed section and the JSON it
// inflates to.
const (
	MaxSectionSize = 8 << 20
	MaxJSONSize    = 8 << 20
)

// Extractor reads cargo-auditable dependency data from executables.
type Extractor struct{}

var _ inventory.Extractor = Extractor{}

// New returns the cargo-auditable extractor.
func New() Extractor { return Extractor{} }

// Name implements inventory.Extractor.
func (Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (Extractor) Version() int { return 1 }

// Required implements inventory.Extractor, with the same cheap test as the
// Go binary extractor: executables, and extension-less or .so files in bin
// directories.
func (Extractor) Required(path string, mode fs.FileMode) bool { return binfile.Required(path, mode) }

// Extract implements inventory.Extractor.
func (e Extractor) Extract(ctx context.Context, in *inventory.Input) ([]inventory.Package, error) {
	magic, in, err := binfile.Peek(in, 4)
	if err != nil {
		return nil, err
	}
	format := binfile.Sniff(magic)
	if format == binfile.Unknown {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ra, _, err := in.ReaderAt()
	if err != nil {
		return nil, fmt.Errorf("open binary %q: %w", in.Path, err)
	}
	defer ra.Close()
	sec, err := section(ra, format)
	if err != nil {
		// Not a well-formed executable: nothing this extractor can use.
		return nil, nil
	}
	if sec == nil {
		return nil, nil
	}
	pkgs, err := Decode(sec)
	if err != nil {
		return nil, fmt.Errorf("read cargo-auditable data of %q: %w", in.Path, err)
	}
	for i := range pkgs {
		pkgs[i].Path = in.Path
		pkgs[i].Extractor = Name
	}
	return pkgs, nil
}

// section returns a reader over the .dep-v0 section, or nil when the file
// has none.
func section(ra io.ReaderAt, format binfile.Format) (*io.SectionReader, error) {
	switch format {
	case binfile.ELF:
		f, err := elf.NewFile(ra)
		if err != nil {
			return nil, err
		}
		if s := f.Section(SectionName); s != nil && s.Type != elf.SHT_NOBITS {
			return io.NewSectionReader(ra, int64(s.Offset), int64(s.FileSize)), nil
		}
	case binfile.PE:
		f, err := pe.NewFile(ra)
		if err != nil {
			return nil, err
		}
		if s := f.Section(SectionName); s != nil {
			return io.NewSectionReader(ra, int64(s.Offset), int64(s.Size)), nil
		}
	case binfile.MachO:
		f, err := macho.NewFile(ra)
		if err != nil {
			ff, ferr := macho.NewFatFile(ra)
			if ferr != nil || len(ff.Arches) == 0 {
				return nil, err
			}
			f = ff.Arches[0].File
		}
		for _, s := range f.Sections {
			if s.Name == SectionName && s.Seg == "__DATA" {
				return io.NewSectionReader(ra, int64(s.Offset), int64(s.Size)), nil
			}
		}
	}
	return nil, nil
}

type auditData struct {
	Packages []struct {
		Name         string `json:"name"`
		Version      string `json:"version"`
		Source       string `json:"source"`
		Kind         string `json:"kind"`
		Dependencies []int  `json:"dependencies"`
		Root         bool   `json:"root"`
	} `json:"packages"`
}

// ErrTooLarge is returned when the section or its inflated JSON exceeds
// its limit.
var ErrTooLarge = errors.New("cargo-auditable data exceeds the size limit")

// Decode inflates and parses the content of a .dep-v0 section.
func Decode(sec io.Reader) ([]inventory.Package, error) {
	raw, err := bounded.ReadLimit(sec, MaxSectionSize, SectionName)
	if err != nil {
		if errors.Is(err, inventory.ErrTooLarge) {
			return nil, fmt.Errorf("section %s: %w (limit %d)", SectionName, ErrTooLarge, MaxSectionSize)
		}
		return nil, err
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("inflate %s: %w", SectionName, err)
	}
	js, err := io.ReadAll(io.LimitReader(zr, MaxJSONSize+1))
	if err != nil {
		return nil, fmt.Errorf("inflate %s: %w", SectionName, err)
	}
	if len(js) > MaxJSONSize {
		return nil, fmt.Errorf("inflate %s: %w (limit %d)", SectionName, ErrTooLarge, MaxJSONSize)
	}
	return Parse(js)
}

// Parse reads the cargo-auditable JSON document.
func Parse(js []byte) ([]inventory.Package, error) {
	var d auditData
	if err := json.Unmarshal(js, &d); err != nil {
		return nil, fmt.Errorf("parse dependency JSON: %w", err)
	}
	out := make([]inventory.Package, 0, len(d.Packages))
	for i, p := range d.Packages {
		if p.Name == "" || p.Version == "" {
			return nil, fmt.Errorf("package %d: missing name or version", i)
		}
		var deps []string
		for _, j := range p.Dependencies {
			if j < 0 || j >= len(d.Packages) || j == i {
				return nil, fmt.Errorf("package %d (%q): dependency index %d out of range", i, p.Name, j)
			}
			deps = append(deps, d.Packages[j].Name)
		}
		kind := p.Kind
		if kind == "" {
			kind = "runtime"
		}
		meta := map[string]string{"kind": kind}
		if p.Source != "" {
			meta["source"] = p.Source
		}
		if p.Root {
			meta["root"] = "true"
		}
		out = append(out, inventory.Package{
			Name: p.Name, Version: p.Version, Type: packageurl.TypeCargo,
			PURL:      packageurl.NewPackageURL(packageurl.TypeCargo, "", p.Name, p.Version, nil, "").ToString(),
			DependsOn: deps, Metadata: meta,
		})
	}
	return out, nil
}
