// Package dpkg extracts the packages installed on Debian and its derivatives
// from dpkg's database: var/lib/dpkg/status, and the one-control-file-per-
// package var/lib/dpkg/status.d/* that distroless images use instead.
//
// Only packages that dpkg says are installed count: a status entry whose
// Status field's last word is "installed" ("install ok installed", "hold ok
// installed"); removed packages that left their configuration behind
// ("deinstall ok config-files") and half-installed ones are skipped. status.d
// files usually have no Status field and are taken as installed.
//
// For each package it reports Name, Version (epoch as written), Arch, the
// source package (Source: "name" or "name (version)"; SourceVersion is the
// binary's version when Source gives none), and DependsOn (the package names
// of Depends and Pre-Depends, alternatives included, version constraints and
// ":any"-style architecture qualifiers dropped). Both entries of a multi-arch
// pair (libc6:amd64 and libc6:i386) are kept. Licences are not in the dpkg
// database and are left empty.
//
// The file is streamed, one paragraph at a time, so memory stays small
// whatever its size; overly long lines are cut at MaxLineBytes, and more than
// MaxPackages entries, or more than the input's MaxBytes, is an error.
package dpkg

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
)

// Name is the extractor's name.
const Name = "os/dpkg"

const (
	statusFile = "var/lib/dpkg/status"
	statusDir  = "var/lib/dpkg/status.d/"
)

// MaxLineBytes is the longest line kept; the rest of a longer line is
// dropped (no real control field comes near it).
const MaxLineBytes = 64 << 10

// MaxPackages bounds the entries of one file (a full Debian desktop has
// about 5,000).
const MaxPackages = 200_000

// ErrTooManyPackages is returned when a file holds more than MaxPackages
// entries.
var ErrTooManyPackages = errors.New("too many packages")

// Extractor reads dpkg status files.
type Extractor struct{}

var _ inventory.Extractor = Extractor{}

// New returns the dpkg extractor.
func New() inventory.Extractor { return Extractor{} }

// Name implements inventory.Extractor.
func (Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (Extractor) Version() int { return 1 }

// Required implements inventory.Extractor: var/lib/dpkg/status and the files
// directly under var/lib/dpkg/status.d/ except *.md5sums.
func (Extractor) Required(path string, mode fs.FileMode) bool {
	if !mode.IsRegular() {
		return false
	}
	if path == statusFile {
		return true
	}
	if !strings.HasPrefix(path, statusDir) {
		return false
	}
	base := path[len(statusDir):]
	return base != "" && !strings.Contains(base, "/") && !strings.HasSuffix(base, ".md5sums") && base[0] != '.'
}

// Extract implements inventory.Extractor.
func (Extractor) Extract(ctx context.Context, in *inventory.Input) ([]inventory.Package, error) {
	max := in.MaxBytes
	if max <= 0 {
		max = inventory.DefaultMaxBytes
	}
	if in.Size > max {
		return nil, fmt.Errorf("read dpkg status %q: %d bytes: %w (limit %d)", in.Path, in.Size, inventory.ErrTooLarge, max)
	}
	lr := &io.LimitedReader{R: in.Reader, N: max + 1}
	inStatusD := strings.HasPrefix(in.Path, statusDir)
	var pkgs []inventory.Package
	err := parse(lr, func(p paragraph) error {
		if len(pkgs)%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		pkg, ok := p.pkg(inStatusD)
		if !ok {
			return nil
		}
		if len(pkgs) >= MaxPackages {
			return fmt.Errorf("%w: more than %d", ErrTooManyPackages, MaxPackages)
		}
		pkg.Path = in.Path
		pkg.Extractor = Name
		pkgs = append(pkgs, pkg)
		return nil
	})
	if err == nil && lr.N <= 0 {
		err = fmt.Errorf("%w (limit %d)", inventory.ErrTooLarge, max)
	}
	if err != nil {
		return nil, fmt.Errorf("read dpkg status %q: %w", in.Path, err)
	}
	return pkgs, nil
}

// paragraph holds the fields of one control paragraph that the extractor
// uses; other fields are skipped as they stream past.
type paragraph struct {
	Package, Version, Architecture, Status, Source string
	Depends, PreDepends                            string
}

// field returns where a field of the given name is kept, or nil for the
// fields the extractor does not use.
func (p *paragraph) field(name []byte) *string {
	switch {
	case equalFold(name, "package"):
		return &p.Package
	case equalFold(name, "version"):
		return &p.Version
	case equalFold(name, "architecture"):
		return &p.Architecture
	case equalFold(name, "status"):
		return &p.Status
	case equalFold(name, "source"):
		return &p.Source
	case equalFold(name, "depends"):
		return &p.Depends
	case equalFold(name, "pre-depends"):
		return &p.PreDepends
	}
	return nil
}

func equalFold(b []byte, s string) bool {
	return len(b) == len(s) && strings.EqualFold(string(b), s)
}

// Parse streams the deb822 paragraphs of r (blank-line separated "Field:
// value" lines, continuation lines starting with a space or tab) to fn,
// stopping at the first error fn returns. Lines that are neither a field nor
// a continuation are ignored.
func parse(r io.Reader, fn func(paragraph) error) error {
	br := bufio.NewReaderSize(r, MaxLineBytes)
	var (
		p       paragraph
		have    bool
		current *string // the field that continuation lines extend
	)
	flush := func() error {
		if !have {
			return nil
		}
		err := fn(p)
		p, have, current = paragraph{}, false, nil
		return err
	}
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// Keep the first MaxLineBytes of the line, drop the rest.
			line = bytes.Clone(line)
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
		}
		if err != nil && err != io.EOF {
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case len(bytes.TrimSpace(line)) == 0:
			if ferr := flush(); ferr != nil {
				return ferr
			}
		case line[0] == ' ' || line[0] == '\t':
			if current != nil && len(*current) < MaxLineBytes {
				*current += " " + string(bytes.TrimSpace(line))
			}
		case line[0] == '#':
			// Comments are allowed in control files.
		default:
			have = true
			current = nil
			name, value, ok := bytes.Cut(line, []byte(":"))
			if !ok {
				break
			}
			if f := p.field(bytes.TrimSpace(name)); f != nil {
				*f = string(bytes.TrimSpace(value))
				current = f
			}
		}
		if err == io.EOF {
			return flush()
		}
	}
}

// installed reports whether a Status value says the package is installed:
// its third word (the package state) is "installed".
func installed(status string) bool {
	f := strings.Fields(status)
	return len(f) == 3 && f[2] == "installed"
}

// pkg turns a paragraph into a Package; false for entries that are not
// installed or lack a name or version.
func (p paragraph) pkg(inStatusD bool) (inventory.Package, bool) {
	if p.Package == "" || p.Version == "" {
		return inventory.Package{}, false
	}
	if p.Status != "" || !inStatusD {
		if !installed(p.Status) {
			return inventory.Package{}, false
		}
	}
	pkg := inventory.Package{
		Name:          p.Package,
		Version:       p.Version,
		Type:          "deb",
		Arch:          p.Architecture,
		SourceVersion: p.Version,
	}
	if p.Source != "" {
		name, rest, _ := strings.Cut(p.Source, " ")
		if name != p.Package {
			pkg.SourceName = name
		}
		rest = strings.TrimSpace(rest)
		if strings.HasPrefix(rest, "(") && strings.HasSuffix(rest, ")") {
			if v := strings.TrimSpace(rest[1 : len(rest)-1]); v != "" {
				pkg.SourceVersion = v
			}
		}
	}
	pkg.DependsOn = dependsNames(p.PreDepends, p.Depends)
	return pkg, true
}

// dependsNames lists the package names of dependency fields, in order and
// without repeats: "libc6 (>= 2.34), a | b:any" gives libc6, a, b.
func dependsNames(fields ...string) []string {
	var names []string
	seen := map[string]bool{}
	for _, f := range fields {
		for _, rel := range strings.Split(f, ",") {
			for _, alt := range strings.Split(rel, "|") {
				alt = strings.TrimSpace(alt)
				if i := strings.IndexAny(alt, " \t([<"); i >= 0 {
					alt = alt[:i]
				}
				if i := strings.IndexByte(alt, ':'); i >= 0 {
					alt = alt[:i]
				}
				if alt == "" || seen[alt] {
					continue
				}
				seen[alt] = true
				names = append(names, alt)
			}
		}
	}
	return names
}
