// Package apk extracts the packages installed on Alpine, Wolfi and
// Chainguard images from apk's database, lib/apk/db/installed (or
// usr/lib/apk/db/installed in merged-usr images, where lib links to usr/lib).
//
// The database is a list of blank-line separated records of "X:value" lines.
// The extractor reads P (name), V (version), A (architecture), o (origin:
// the source package), L (licence), m (maintainer, kept as Metadata
// "maintainer") and D (dependencies: space separated, each made a name by
// dropping a version constraint ("musl>=1.2") and a "so:", "cmd:" or "pc:"
// prefix; conflicts ("!name") are left out). File lines (F, R, a, Z, ...)
// are skipped as they stream past.
//
// The file is streamed, so memory stays small whatever its size; lines are
// cut at MaxLineBytes, and more than MaxPackages records, or more than the
// input's MaxBytes, is an error.
package apk

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
const Name = "os/apk"

const (
	installedPath    = "lib/apk/db/installed"
	usrInstalledPath = "usr/lib/apk/db/installed"
)

// MaxLineBytes is the longest line kept; the rest of a longer line is dropped.
const MaxLineBytes = 64 << 10

// MaxPackages bounds the records of one database.
const MaxPackages = 200_000

// ErrTooManyPackages is returned when a database holds more than
// MaxPackages records.
var ErrTooManyPackages = errors.New("too many packages")

// Extractor reads apk's installed database.
type Extractor struct{}

var _ inventory.Extractor = Extractor{}

// New returns the apk extractor.
func New() inventory.Extractor { return Extractor{} }

// Name implements inventory.Extractor.
func (Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (Extractor) Version() int { return 1 }

// Required implements inventory.Extractor.
func (Extractor) Required(path string, mode fs.FileMode) bool {
	return mode.IsRegular() && (path == installedPath || path == usrInstalledPath)
}

// record is the part of one database record that the extractor uses.
type record struct {
	name, version, arch, origin, license, maintainer string
	depends                                          []string
}

// Extract implements inventory.Extractor.
func (Extractor) Extract(ctx context.Context, in *inventory.Input) ([]inventory.Package, error) {
	max := in.MaxBytes
	if max <= 0 {
		max = inventory.DefaultMaxBytes
	}
	if in.Size > max {
		return nil, fmt.Errorf("read apk database %q: %d bytes: %w (limit %d)", in.Path, in.Size, inventory.ErrTooLarge, max)
	}
	lr := &io.LimitedReader{R: in.Reader, N: max + 1}
	var pkgs []inventory.Package
	err := parse(lr, func(r record) error {
		if len(pkgs)%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if r.name == "" || r.version == "" {
			return nil
		}
		if len(pkgs) >= MaxPackages {
			return fmt.Errorf("%w: more than %d", ErrTooManyPackages, MaxPackages)
		}
		p := inventory.Package{
			Name:      r.name,
			Version:   r.version,
			Type:      "apk",
			Arch:      r.arch,
			DependsOn: r.depends,
			Path:      in.Path,
			Extractor: Name,
		}
		if r.origin != "" {
			// An origin is the aport the package was built from, at the
			// same version.
			if r.origin != r.name {
				p.SourceName = r.origin
			}
			p.SourceVersion = r.version
		}
		if r.license != "" {
			p.Licenses = []string{r.license}
		}
		if r.maintainer != "" {
			p.Metadata = map[string]string{"maintainer": r.maintainer}
		}
		pkgs = append(pkgs, p)
		return nil
	})
	if err == nil && lr.N <= 0 {
		err = fmt.Errorf("%w (limit %d)", inventory.ErrTooLarge, max)
	}
	if err != nil {
		return nil, fmt.Errorf("read apk database %q: %w", in.Path, err)
	}
	return pkgs, nil
}

// parse streams the records of r to fn, stopping at the first error fn
// returns. Lines without the "X:" form are ignored.
func parse(r io.Reader, fn func(record) error) error {
	br := bufio.NewReaderSize(r, MaxLineBytes)
	var (
		rec  record
		have bool
	)
	flush := func() error {
		if !have {
			return nil
		}
		err := fn(rec)
		rec, have = record{}, false
		return err
	}
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			line = bytes.Clone(line)
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
		}
		if err != nil && err != io.EOF {
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			if ferr := flush(); ferr != nil {
				return ferr
			}
		} else if len(line) >= 2 && line[1] == ':' {
			have = true
			v := func() string { return string(bytes.TrimSpace(line[2:])) }
			switch line[0] {
			case 'P':
				rec.name = v()
			case 'V':
				rec.version = v()
			case 'A':
				rec.arch = v()
			case 'o':
				rec.origin = v()
			case 'L':
				rec.license = v()
			case 'm':
				rec.maintainer = v()
			case 'D':
				rec.depends = dependsNames(v())
			}
		}
		if err == io.EOF {
			return flush()
		}
	}
}

// dependsNames turns a D: value into package names, in order and without
// repeats.
func dependsNames(v string) []string {
	var names []string
	seen := map[string]bool{}
	for _, d := range strings.Fields(v) {
		if strings.HasPrefix(d, "!") {
			continue // a conflict, not a dependency
		}
		for _, prefix := range []string{"so:", "cmd:", "pc:"} {
			d = strings.TrimPrefix(d, prefix)
		}
		if i := strings.IndexAny(d, "=<>~"); i >= 0 {
			d = d[:i]
		}
		if d == "" || seen[d] {
			continue
		}
		seen[d] = true
		names = append(names, d)
	}
	return names
}
