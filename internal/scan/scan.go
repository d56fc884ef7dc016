package scan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/image"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/osrelease"
	"github.com/bulkhead-sec/bulkhead/internal/report"
)

// FileAnalyzer does per-file work other than package extraction, such as
// secret scanning. Like an extractor it says which files it wants from the
// path, mode and size alone, and is handed each such file once.
type FileAnalyzer interface {
	// Name is unique among the analyzers, such as "secret".
	Name() string
	// Version changes whenever the analyzer's output for the same input may
	// change, so that cached per-layer results are recomputed.
	Version() int
	// Required must be cheap: it is called for every regular file.
	Required(path string, mode fs.FileMode, size int64) bool
	Analyze(ctx context.Context, in *inventory.Input) ([]finding.Finding, error)
}

// Options configure a scan. The zero value scans with no extractors or
// analyzers (so it still reports the target, its layers and its OS).
type Options struct {
	// Extractors find packages; commands pass list.Extractors().
	Extractors []inventory.Extractor
	// FileAnalyzers run on every file they want, in every layer.
	FileAnalyzers []FileAnalyzer
	// Limits bound every layer walk.
	Limits image.Limits
	// CacheDir holds per-layer results (CacheDir/layers) and temporary
	// files (CacheDir/tmp). Empty means image.DefaultCacheDir().
	CacheDir string
	// NoCache neither reads nor writes per-layer results.
	NoCache bool
	// Parallelism bounds the layers walked at once; 0 means GOMAXPROCS.
	Parallelism int
	// Progress receives one line per layer; nil is silent.
	Progress io.Writer
	// CollectFiles keeps the final filesystem's metadata in Result.Files.
	CollectFiles bool
	// ToolVersion stamps the report.
	ToolVersion string
	// PackageFiles says what happens to secret findings in files that
	// installed packages own; the zero value skips (and counts) them.
	PackageFiles PackageFiles
	// Skip, for directory scans, leaves out a path (and, for a directory,
	// all below it); rel is slash separated and relative to the root. The
	// .git directory is always left out.
	Skip func(rel string, isDir bool) bool
}

// File is one entry of the final filesystem.
type File struct {
	Path string
	Type image.EntryType
	// Mode holds permission bits with setuid/setgid/sticky and type bits.
	Mode     fs.FileMode
	Size     int64
	Uid, Gid int
	Linkname string
	// Layer is the digest of the layer that added the file ("" for a
	// directory scan).
	Layer string
}

// Result is a scan's report plus, with Options.CollectFiles, the final
// filesystem.
type Result struct {
	Report *report.Report
	// Files is sorted by path.
	Files []File
}

// Image scans an opened image and returns its report: the target, the
// packages of the final filesystem (each with the layer that added it), the
// analyzers' findings from every layer, and the warnings of the walk.
func Image(ctx context.Context, img *image.Image, opts Options) (*report.Report, error) {
	res, err := ScanImage(ctx, img, opts)
	if err != nil {
		return nil, err
	}
	return res.Report, nil
}

// Dir scans a source tree or root filesystem at root as one pseudo-layer,
// skipping .git directories.
func Dir(ctx context.Context, root string, opts Options) (*report.Report, error) {
	res, err := ScanDir(ctx, root, opts)
	if err != nil {
		return nil, err
	}
	return res.Report, nil
}

// ScanDir is Dir returning the full Result.
func ScanDir(ctx context.Context, root string, opts Options) (*Result, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("scan %q: %w", root, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("scan %q: %w (hint: check the path)", root, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("scan %q: not a directory (hint: scan fs takes a directory)", root)
	}
	s, err := newScanner(&opts)
	if err != nil {
		return nil, err
	}
	defer s.cleanup()
	ls := newLayerScanner(ctx, &opts, s.tmpDir)
	ls.tolerateReadErrors = true
	skip := skipVCS
	if opts.Skip != nil {
		skip = func(p string, isDir bool) bool { return skipVCS(p, isDir) || opts.Skip(p, isDir) }
	}
	st, werr := image.WalkDir(ctx, abs, image.DirOptions{Limits: opts.Limits, Skip: skip}, ls.visit)
	lr, err := ls.finish(st, werr)
	if err != nil {
		return nil, fmt.Errorf("scan %q: %w", root, err)
	}
	target := report.Target{Kind: report.KindFilesystem, Name: root}
	return s.assemble(target, []*layerResult{lr}, []string{""}, 0)
}

// skipVCS skips version-control metadata directories.
func skipVCS(p string, isDir bool) bool {
	if !isDir {
		return false
	}
	base := p
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		base = p[i+1:]
	}
	return base == ".git" || base == ".hg" || base == ".svn"
}

// scanner holds what one scan shares across layers.
type scanner struct {
	opts   *Options
	tmpDir string
	cache  *layerCache
}

func newScanner(opts *Options) (*scanner, error) {
	if opts.CacheDir == "" {
		opts.CacheDir = image.DefaultCacheDir()
	}
	if opts.Parallelism <= 0 {
		opts.Parallelism = runtime.GOMAXPROCS(0)
	}
	s := &scanner{opts: opts}
	if !opts.NoCache {
		s.cache = &layerCache{dir: opts.CacheDir}
	}
	// Temporary files go under the cache dir when it is writable (so they
	// stay on the disk the user chose), else under the system's temporary
	// dir: a read-only cache dir, or none with NoCache, must not stop a scan.
	tmpRoot := filepath.Join(opts.CacheDir, "tmp")
	var tmp string
	err := errNoCacheDir
	if !opts.NoCache {
		if err = os.MkdirAll(tmpRoot, 0o700); err == nil {
			tmp, err = os.MkdirTemp(tmpRoot, "scan-*")
		}
	}
	if err != nil {
		var terr error
		if tmp, terr = os.MkdirTemp("", "bulkhead-scan-*"); terr != nil {
			return nil, fmt.Errorf("create a temporary dir: in %q: %v; in %q: %w", tmpRoot, err, os.TempDir(), terr)
		}
		if !errors.Is(err, errNoCacheDir) {
			s.progress("cache dir %q is not writable (%v): results are not cached", opts.CacheDir, err)
		}
	}
	s.tmpDir = tmp
	return s, nil
}

var errNoCacheDir = errors.New("no cache")

func (s *scanner) cleanup() { os.RemoveAll(s.tmpDir) }

func (s *scanner) progress(format string, args ...any) {
	if s.opts.Progress != nil {
		fmt.Fprintf(s.opts.Progress, format+"\n", args...)
	}
}

// ScanImage is Image returning the full Result.
func ScanImage(ctx context.Context, img *image.Image, opts Options) (*Result, error) {
	s, err := newScanner(&opts)
	if err != nil {
		return nil, err
	}
	defer s.cleanup()

	n := len(img.Layers)
	results := make([]*layerResult, n)
	keys := make([]string, n)
	for i := range img.Layers {
		if s.cache != nil {
			if id := img.CacheID(i); id != "" {
				keys[i] = cacheKey(id, &opts)
			}
		}
	}
	target := imageTarget(img)
	ids := make([]string, n)
	for i, l := range img.Layers {
		ids[i] = l.ID()
	}
	// The merged outcome of the same layers is cached as a whole too: a
	// rescan of an unchanged image reads one small file.
	imgKey := imageKey(keys, ids, opts.CollectFiles, opts.PackageFiles)
	if s.cache != nil && imgKey != "" {
		if a, err := s.cache.getAssembled(imgKey); err == nil {
			s.progress("image %s: cached", img.Name)
			return s.buildReport(target, a, n, n), nil
		} else if !errors.Is(err, errCacheMiss) {
			s.progress("image %s: ignoring the cache entry: %v", img.Name, err)
		}
	}
	var want []int
	cached := 0
	for i, l := range img.Layers {
		if keys[i] != "" {
			r, err := s.cache.get(keys[i])
			if err == nil {
				results[i] = r
				cached++
				s.progress("layer %d/%d %s: cached", i+1, n, short(l.ID()))
				continue
			}
			if !errors.Is(err, errCacheMiss) {
				s.progress("layer %d/%d %s: ignoring the cache entry: %v", i+1, n, short(l.ID()), err)
			}
		}
		want = append(want, i)
	}

	walked := map[int]bool{}
	if img.Source == image.SourceDir {
		if len(want) > 0 {
			ls := newLayerScanner(ctx, &opts, s.tmpDir)
			ls.tolerateReadErrors = true
			st, werr := image.WalkDir(ctx, img.Root, image.DirOptions{Limits: opts.Limits}, ls.visit)
			r, err := ls.finish(st, werr)
			if err != nil {
				return nil, fmt.Errorf("scan %q: %w", img.Name, err)
			}
			results[0] = r
			walked[0] = true
		}
	} else if len(want) > 0 {
		var mu sync.Mutex
		var layerErrs []error
		done := 0
		err := img.WalkLayers(ctx, want, opts.Limits, opts.Parallelism, func(int) image.LayerVisitor {
			return &layerVisitor{ls: newLayerScanner(ctx, &opts, s.tmpDir), done: func(idx []int, r *layerResult, err error) {
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					layerErrs = append(layerErrs, err)
					return
				}
				for _, i := range idx {
					results[i] = r
					walked[i] = true
					done++
					s.progress("layer %d/%d %s: %d entries, %d packages", i+1, n, short(img.Layers[i].ID()), len(r.Entries), len(r.Packages))
				}
			}}
		})
		if err != nil {
			return nil, fmt.Errorf("scan %q: %w", img.Name, err)
		}
		if len(layerErrs) > 0 {
			return nil, fmt.Errorf("scan %q: %w", img.Name, errors.Join(layerErrs...))
		}
	}
	for i, r := range results {
		if r == nil {
			return nil, fmt.Errorf("scan %q: layer %s (%d of %d) was not found in the image's layer data", img.Name, img.Layers[i].ID(), i+1, n)
		}
	}
	if s.cache != nil {
		for i := range walked {
			if keys[i] == "" {
				continue
			}
			if !results[i].Verified {
				// Neither the layer nor the image: the merged result holds it.
				imgKey = ""
				s.progress("layer %d/%d: not cached: its content was not verified against its digests", i+1, n)
				continue
			}
			if err := s.cache.put(keys[i], results[i]); err != nil {
				s.progress("layer %d/%d: not cached: %v", i+1, n, err)
			}
		}
	}

	a := s.mergeLayers(results, ids)
	if s.cache != nil && imgKey != "" {
		if err := s.cache.putAssembled(imgKey, a); err != nil {
			s.progress("image %s: not cached: %v", img.Name, err)
		}
	}
	return s.buildReport(target, a, n, cached), nil
}

// imageTarget describes an opened image for the report.
func imageTarget(img *image.Image) report.Target {
	target := report.Target{
		Kind:         report.KindImage,
		Name:         img.Name,
		Digest:       img.Digest,
		ImageID:      img.ID,
		RepoTags:     img.RepoTags,
		RepoDigests:  img.RepoDigests,
		Architecture: img.Arch,
	}
	if img.Source == image.SourceDir {
		target.Kind = report.KindFilesystem
	}
	if img.Variant != "" {
		target.Architecture += "/" + img.Variant
	}
	if !img.Created.IsZero() {
		t := img.Created
		target.Created = &t
	}
	if len(img.Config().Labels) > 0 {
		target.Labels = img.Config().Labels
	}
	if img.Source != image.SourceDir {
		for _, l := range img.Layers {
			target.Layers = append(target.Layers, report.Layer{Digest: l.Digest, DiffID: l.DiffID, Size: l.Size, CreatedBy: l.CreatedBy})
		}
	}
	return target
}

// layerVisitor adapts a layerScanner to image.LayerVisitor.
type layerVisitor struct {
	ls   *layerScanner
	done func(idx []int, r *layerResult, err error)
}

func (v *layerVisitor) Visit(e *image.Entry, r io.Reader) error { return v.ls.visit(e, r) }

func (v *layerVisitor) Done(idx []int, st image.Stats, err error) {
	r, err := v.ls.finish(st, err)
	v.done(idx, r, err)
}

func short(d string) string {
	if i := strings.IndexByte(d, ':'); i >= 0 {
		d = d[i+1:]
	}
	if len(d) > 12 {
		d = d[:12]
	}
	return d
}

// assembled is the merged outcome of all layers; the image cache stores it.
type assembled struct {
	Packages  []inventory.Package
	Findings  []finding.Finding
	Warnings  []string
	OS        *inventory.OS
	Size      int64
	Counts    map[string]int
	Files     int
	Truncated bool
	// FinalFiles is the final filesystem, with Options.CollectFiles.
	FinalFiles []File
}

// assemble merges the layers and builds the report.
func (s *scanner) assemble(target report.Target, results []*layerResult, ids []string, cached int) (*Result, error) {
	return s.buildReport(target, s.mergeLayers(results, ids), len(results), cached), nil
}

func (s *scanner) mergeLayers(results []*layerResult, ids []string) *assembled {
	m := merge(results)
	a := &assembled{Counts: map[string]int{}}
	pf := &packageFilter{policy: s.opts.PackageFiles}
	for i, r := range results {
		a.Size += r.Bytes
		a.Truncated = a.Truncated || r.Truncated
		for k, c := range r.Counts {
			a.Counts[k] += c
		}
		for x := range r.Packages {
			ref, ok := m.final[r.PkgFiles[x]]
			if !ok || ref.layer != i {
				continue
			}
			p := r.Packages[x]
			p.Layer = ids[i]
			a.Packages = append(a.Packages, p)
		}
		var last map[string]int
		for x, f := range r.Findings {
			pkg := ""
			if x < len(r.FindingOwners) {
				pkg = r.FindingOwners[x]
			}
			if !pf.keep(&f, pkg) {
				continue
			}
			f.Location.Layer = ids[i]
			if last == nil {
				last = lastIndex(r.Entries)
			}
			if k, ok := last[f.Location.Path]; ok {
				if j := m.removedIn[i][k]; j != visible {
					f.Location.RemovedIn = ids[j]
					if f.Location.RemovedIn == "" {
						f.Location.RemovedIn = "removed"
					}
				}
			}
			a.Findings = append(a.Findings, f)
		}
		for _, w := range r.Warnings {
			if ids[i] != "" && !strings.HasPrefix(w, "layer ") {
				w = "layer " + short(ids[i]) + ": " + w
			}
			a.Warnings = append(a.Warnings, w)
		}
		for k := range r.Entries {
			if r.Entries[k].typ == image.TypeRegular {
				a.Files++
			}
		}
	}
	if pf.dropped > 0 {
		a.Counts["secret."+CountPackageFilesSkipped] = len(pf.files)
		a.Counts["secret."+CountPackageFindingsSkipped] = pf.dropped
	}
	a.OS = osrelease.Detect(m.readOS(osrelease.DpkgStatusDir))
	inventory.Finalize(a.Packages, a.OS)
	if s.opts.CollectFiles {
		a.FinalFiles = make([]File, 0, len(m.final))
		for p, ref := range m.final {
			e := m.entry(ref)
			a.FinalFiles = append(a.FinalFiles, File{Path: p, Type: e.typ, Mode: e.mode, Size: e.size, Uid: e.uid, Gid: e.gid, Linkname: e.link, Layer: ids[ref.layer]})
		}
		sort.Slice(a.FinalFiles, func(x, y int) bool { return a.FinalFiles[x].Path < a.FinalFiles[y].Path })
	}
	return a
}

func (s *scanner) buildReport(target report.Target, a *assembled, layers, cached int) *Result {
	target.Size = a.Size
	target.OS = a.OS
	rep := report.New(target, s.opts.ToolVersion, time.Now())
	rep.Packages = a.Packages
	rep.Findings = a.Findings
	for _, w := range a.Warnings {
		rep.Warn(w)
	}
	st := report.ScannerStatus{Name: "packages", State: report.StateDone, Counts: map[string]int{
		"packages": len(a.Packages), "layers": layers, "layers_cached": cached, "files": a.Files,
	}}
	if a.Truncated {
		st.Reason = "partial: a limit stopped a layer walk (see warnings)"
	}
	if len(s.opts.Extractors) == 0 {
		st.State, st.Reason = report.StateSkipped, "no extractors"
	}
	rep.SetScanner(st)
	for _, an := range s.opts.FileAnalyzers {
		counts := map[string]int{"files": a.Counts[an.Name()+".files"], "errors": a.Counts[an.Name()+".errors"]}
		st := report.ScannerStatus{Name: an.Name(), State: report.StateDone, Counts: counts}
		if an.Name() == "secret" {
			counts[CountPackageFilesSkipped] = a.Counts["secret."+CountPackageFilesSkipped]
			counts[CountPackageFindingsSkipped] = a.Counts["secret."+CountPackageFindingsSkipped]
			if n := counts[CountPackageFilesSkipped]; n > 0 {
				st.Reason = PackageFilesReason(s.opts.PackageFiles, n, counts[CountPackageFindingsSkipped])
			}
		}
		rep.SetScanner(st)
	}
	rep.Sort()
	return &Result{Report: rep, Files: a.FinalFiles}
}
