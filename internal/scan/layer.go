package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/image"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/owner"
	"github.com/bulkhead-sec/bulkhead/internal/osrelease"
)

// layerResult is everything one layer contributes; it is what the cache
// stores, keyed by the layer's diff id.
type layerResult struct {
	// Entries is the layer's entry index (see index.go), in tar order.
	Entries []entry
	// Packages were found in the layer's files; PkgFiles[i] is the file
	// Packages[i] was extracted from.
	Packages []inventory.Package
	PkgFiles []string
	Findings []finding.Finding
	// FindingOwners[i] names the installed package that owns the file of
	// Findings[i] by this layer's own evidence (a file list or package tree
	// written in the same layer), or is "" (see ownership.go).
	FindingOwners []string
	// OSFiles holds the release files osrelease wants, by path.
	OSFiles map[string][]byte
	// Bytes is the uncompressed size of the layer.
	Bytes    int64
	Warnings []string
	// Truncated is set when a limit stopped the walk.
	Truncated bool
	// Counts tallies per-consumer events (files handed, errors).
	Counts map[string]int
	// Verified is set when the walk read the whole layer and it hashed to
	// its digests (image.Stats.Verified): only then is it cached.
	Verified bool
}

// memBufferMax is the largest file handed to consumers from memory; larger
// ones spill to a temporary file under the cache dir.
const memBufferMax = 16 << 20

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// layerScanner receives one layer's entries and runs the consumers.
type layerScanner struct {
	ctx    context.Context
	opts   *Options
	tmpDir string
	res    *layerResult
	// seen maps a path to its last entry, to drop the packages of earlier
	// duplicates (the later entry wins, as when docker extracts).
	seen map[string]int

	exIdx []int
	anIdx []int
	// owned maps the files that this layer's package file lists name to
	// their package, when ownership is collected (see ownership.go); sums
	// holds the MD5 the package installed where the list says, fileSums the
	// MD5 of this layer's files with secret findings.
	owned, sums, fileSums map[string]string
	// tolerateReadErrors turns a file that cannot be read into a warning
	// (directories: one unreadable file must not stop the walk).
	tolerateReadErrors bool
}

func newLayerScanner(ctx context.Context, opts *Options, tmpDir string) *layerScanner {
	return &layerScanner{
		ctx:    ctx,
		opts:   opts,
		tmpDir: tmpDir,
		res:    &layerResult{OSFiles: map[string][]byte{}, Counts: map[string]int{}},
		seen:   map[string]int{},
	}
}

func (s *layerScanner) warn(format string, args ...any) {
	max := s.opts.Limits.WithDefaults().MaxWarnings
	if len(s.res.Warnings) < max {
		s.res.Warnings = append(s.res.Warnings, fmt.Sprintf(format, args...))
	}
}

// visit is the image.WalkFunc of the layer.
func (s *layerScanner) visit(e *image.Entry, r io.Reader) error {
	s.res.Entries = append(s.res.Entries, entryFrom(e))
	if prev, dup := s.seen[e.Path]; dup {
		s.dropPackagesOf(e.Path)
		s.res.Entries[prev].flags |= flagReplacedInLayer
	}
	s.seen[e.Path] = len(s.res.Entries) - 1
	if e.Type != image.TypeRegular || e.TooLarge {
		delete(s.res.OSFiles, e.Path)
		return nil
	}
	wantOS := osrelease.Wanted(e.Path) && e.Size <= osrelease.MaxFileSize
	wantOwn := s.collectOwners() && owner.Wanted(e.Path)
	s.exIdx = s.exIdx[:0]
	for i, ex := range s.opts.Extractors {
		if ex.Required(e.Path, e.Mode) {
			s.exIdx = append(s.exIdx, i)
		}
	}
	s.anIdx = s.anIdx[:0]
	for i, an := range s.opts.FileAnalyzers {
		if an.Required(e.Path, e.Mode, e.Size) {
			s.anIdx = append(s.anIdx, i)
		}
	}
	if !wantOS && !wantOwn && len(s.exIdx) == 0 && len(s.anIdx) == 0 {
		return nil
	}
	input := func(r io.Reader) *inventory.Input {
		return &inventory.Input{Path: e.Path, Mode: e.Mode, Size: e.Size, Reader: r, TempDir: s.tmpDir, MaxBytes: s.opts.Limits.WithDefaults().MaxFileBytes}
	}
	var newInput func() *inventory.Input
	if ra, ok := r.(io.ReaderAt); ok {
		// Random access to the file where it lies (a plain layer in an
		// archive, a file in a directory): each consumer reads only what
		// it needs, nothing is copied.
		newInput = func() *inventory.Input { return input(io.NewSectionReader(ra, 0, e.Size)) }
		if wantOS {
			b := make([]byte, e.Size)
			n, err := ra.ReadAt(b, 0)
			if err != nil && err != io.EOF {
				if !s.tolerateReadErrors {
					return fmt.Errorf("read %q: %w", e.Path, err)
				}
				s.warn("%s: %v: not read", e.Path, err)
			} else {
				s.res.OSFiles[e.Path] = b[:n]
			}
		}
	} else {
		// Read the file once; every consumer gets its own reader over it.
		var data []byte
		var spill *os.File
		if e.Size <= memBufferMax {
			bp := bufPool.Get().(*[]byte)
			defer func() {
				if cap(*bp) <= 4<<20 {
					bufPool.Put(bp)
				}
			}()
			buf := *bp
			if int64(cap(buf)) < e.Size {
				buf = make([]byte, e.Size)
			}
			buf = buf[:e.Size]
			n, err := io.ReadFull(r, buf)
			if err != nil {
				if s.tolerateReadErrors {
					s.warn("%s: %v: not read", e.Path, err)
					return nil
				}
				return fmt.Errorf("read %q: %w", e.Path, err)
			}
			data = buf[:n]
			*bp = buf[:0]
		} else {
			f, err := os.CreateTemp(s.tmpDir, "file-*")
			if err != nil {
				return fmt.Errorf("spill %q: %w", e.Path, err)
			}
			defer func() { f.Close(); os.Remove(f.Name()) }()
			if _, err := io.Copy(f, io.LimitReader(r, e.Size)); err != nil {
				if s.tolerateReadErrors {
					s.warn("%s: %v: not read", e.Path, err)
					return nil
				}
				return fmt.Errorf("read %q: %w", e.Path, err)
			}
			spill = f
		}
		newInput = func() *inventory.Input {
			if spill != nil {
				return input(io.NewSectionReader(spill, 0, e.Size))
			}
			return input(bytes.NewReader(data))
		}
		if wantOS && data != nil {
			s.res.OSFiles[e.Path] = bytes.Clone(data)
		}
	}
	if wantOwn {
		s.readOwners(newInput())
	}
	for _, i := range s.exIdx {
		ex := s.opts.Extractors[i]
		pkgs, err := safeExtract(s.ctx, ex, newInput())
		if err != nil {
			if ctxErr := s.ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			// An extractor may return what it found together with an error
			// about what it had to skip (a corrupt jar nested in a fat jar):
			// keep the packages, and warn.
			s.res.Counts[ex.Name()+".errors"]++
			s.warn("extractor %s: %s: %v", ex.Name(), e.Path, err)
		}
		for _, p := range pkgs {
			if p.Path == "" {
				p.Path = e.Path
			}
			if p.Extractor == "" {
				p.Extractor = ex.Name()
			}
			s.res.Packages = append(s.res.Packages, p)
			s.res.PkgFiles = append(s.res.PkgFiles, e.Path)
		}
	}
	for _, i := range s.anIdx {
		an := s.opts.FileAnalyzers[i]
		found, err := safeAnalyze(s.ctx, an, newInput())
		if err != nil {
			if ctxErr := s.ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			s.res.Counts[an.Name()+".errors"]++
			s.warn("analyzer %s: %s: %v", an.Name(), e.Path, err)
			continue
		}
		s.res.Counts[an.Name()+".files"]++
		if s.collectOwners() && slices.ContainsFunc(found, func(f finding.Finding) bool { return f.Kind == finding.Secret }) {
			s.sumFile(e.Path, newInput())
		}
		for _, f := range found {
			if f.Location.Path == "" {
				f.Location.Path = e.Path
			}
			s.res.Findings = append(s.res.Findings, f)
		}
	}
	return nil
}

// dropPackagesOf removes the packages of an earlier copy of path.
func (s *layerScanner) dropPackagesOf(path string) {
	j := 0
	for i := range s.res.Packages {
		if s.res.PkgFiles[i] == path {
			continue
		}
		s.res.Packages[j] = s.res.Packages[i]
		s.res.PkgFiles[j] = s.res.PkgFiles[i]
		j++
	}
	s.res.Packages = s.res.Packages[:j]
	s.res.PkgFiles = s.res.PkgFiles[:j]
}

// errPanic marks a consumer that panicked on a file.
var errPanic = errors.New("panicked")

func safeExtract(ctx context.Context, ex inventory.Extractor, in *inventory.Input) (pkgs []inventory.Package, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errPanic, r)
		}
	}()
	return ex.Extract(ctx, in)
}

func safeAnalyze(ctx context.Context, an FileAnalyzer, in *inventory.Input) (fs []finding.Finding, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errPanic, r)
		}
	}()
	return an.Analyze(ctx, in)
}

// finish records the walk's outcome in the result.
func (s *layerScanner) finish(st image.Stats, err error) (*layerResult, error) {
	s.res.Bytes = st.Bytes
	s.res.Truncated = st.Truncated
	s.res.Verified = st.Verified && err == nil
	for _, w := range st.Warnings {
		s.warn("%s", w)
	}
	if st.DroppedWarnings > 0 {
		s.warn("%d more warnings left out", st.DroppedWarnings)
	}
	if err != nil && !errors.Is(err, image.ErrLimit) {
		return s.res, err
	}
	s.ownFindings()
	return s.res, nil
}
