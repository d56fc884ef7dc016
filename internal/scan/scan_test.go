package scan

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/image"
	"github.com/bulkhead-sec/bulkhead/internal/image/imagetest"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/report"
)

// lineExtractor reads "name version" lines from *.pkgs files.
type lineExtractor struct{ calls atomic.Int64 }

func (*lineExtractor) Name() string { return "test/lines" }
func (*lineExtractor) Version() int { return 1 }
func (*lineExtractor) Required(p string, m fs.FileMode) bool {
	return m.IsRegular() && strings.HasSuffix(p, ".pkgs")
}
func (x *lineExtractor) Extract(_ context.Context, in *inventory.Input) ([]inventory.Package, error) {
	x.calls.Add(1)
	var out []inventory.Package
	sc := bufio.NewScanner(in.Reader)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		name, ver, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			return nil, fmt.Errorf("bad line %q", sc.Text())
		}
		out = append(out, inventory.Package{Name: name, Version: ver, Type: "generic"})
	}
	return out, sc.Err()
}

// secretAnalyzer flags files holding the word SECRET.
type secretAnalyzer struct{ calls atomic.Int64 }

func (*secretAnalyzer) Name() string                                   { return "test/secret" }
func (*secretAnalyzer) Version() int                                   { return 1 }
func (*secretAnalyzer) Required(_ string, m fs.FileMode, _ int64) bool { return m.IsRegular() }
func (a *secretAnalyzer) Analyze(_ context.Context, in *inventory.Input) ([]finding.Finding, error) {
	a.calls.Add(1)
	ra, n, err := in.ReaderAt()
	if err != nil {
		return nil, err
	}
	defer ra.Close()
	b := make([]byte, n)
	if _, err := ra.ReadAt(b, 0); err != nil && err != io.EOF {
		return nil, err
	}
	if !strings.Contains(string(b), "SECRET") {
		return nil, nil
	}
	return []finding.Finding{{Kind: finding.Secret, ID: "test-secret", Severity: finding.High, Title: "a secret"}}, nil
}

var f = imagetest.File

// layeredImage has overwrites, whiteouts, an opaque dir, a directory
// replaced by a file, duplicate entries, and secrets added and removed.
func layeredImage(t *testing.T) v1.Image {
	layers := []v1.Layer{
		imagetest.Layer(t,
			imagetest.Dir("etc"), imagetest.Symlink("etc/os-release", "../usr/lib/os-release"),
			imagetest.Dir("usr"), imagetest.Dir("usr/lib"), f("usr/lib/os-release", "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n"),
			f("app/a.pkgs", "a 1"), f("app/b.pkgs", "b 1"), f("secret.txt", "SECRET one"),
			f("opt/x.pkgs", "x 1"), imagetest.Dir("d"), f("d/d.pkgs", "d 1"), f("keep.pkgs", "k 1")),
		imagetest.ZstdLayer(t,
			imagetest.Whiteout("app/b.pkgs"), imagetest.Whiteout("secret.txt"), f("app/a.pkgs", "a 2"),
			imagetest.Opaque("opt"), f("opt/y.pkgs", "y 1")),
		imagetest.Layer(t,
			f("d", "now a file"), f("secret2.txt", "SECRET two"), f("c.pkgs", "c 1"), f("c.pkgs", "c 2"),
			f("app/a.pkgs", "a 3\n# SECRET")),
	}
	return imagetest.Image(t, layers, []string{"ADD base", "RUN change", "COPY more"})
}

func openOCI(t *testing.T, img v1.Image) *image.Image {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "oci")
	imagetest.WriteOCI(t, dir, img)
	out, err := image.Open(context.Background(), "oci:"+dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { out.Close() })
	return out
}

type pkgAt struct {
	Name, Version, Path string
	Layer               int
}
type findingAt struct {
	Path           string
	Layer, Removed int
}

func layerIndex(img *image.Image, d string) int {
	if d == "" {
		return -1
	}
	for i, l := range img.Layers {
		if l.ID() == d {
			return i
		}
	}
	return -2
}

func summarize(img *image.Image, r *report.Report) ([]pkgAt, []findingAt) {
	var ps []pkgAt
	for _, p := range r.Packages {
		ps = append(ps, pkgAt{p.Name, p.Version, p.Path, layerIndex(img, p.Layer)})
	}
	var fs []findingAt
	for _, f := range r.Findings {
		fs = append(fs, findingAt{f.Location.Path, layerIndex(img, f.Location.Layer), layerIndex(img, f.Location.RemovedIn)})
	}
	sort.Slice(fs, func(i, j int) bool {
		return fs[i].Path < fs[j].Path || fs[i].Path == fs[j].Path && fs[i].Layer < fs[j].Layer
	})
	return ps, fs
}

func TestScanImageMerge(t *testing.T) {
	img := openOCI(t, layeredImage(t))
	ex, an := &lineExtractor{}, &secretAnalyzer{}
	res, err := ScanImage(context.Background(), img, Options{
		Extractors: []inventory.Extractor{ex}, FileAnalyzers: []FileAnalyzer{an},
		CacheDir: t.TempDir(), CollectFiles: true, ToolVersion: "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Report
	ps, fs := summarize(img, r)
	wantPkgs := []pkgAt{
		{"a", "3", "app/a.pkgs", 2},
		{"c", "2", "c.pkgs", 2},
		{"k", "1", "keep.pkgs", 0},
		{"y", "1", "opt/y.pkgs", 1},
	}
	if diff := cmp.Diff(wantPkgs, ps); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	wantFindings := []findingAt{
		{"app/a.pkgs", 2, -1},
		{"secret.txt", 0, 1},
		{"secret2.txt", 2, -1},
	}
	if diff := cmp.Diff(wantFindings, fs); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if r.Target.OS == nil || r.Target.OS.ID != "debian" || r.Target.OS.VersionID != "12" {
		t.Errorf("OS = %+v, want debian 12", r.Target.OS)
	}
	for _, p := range r.Packages {
		if p.PURL == "" {
			t.Errorf("package %s has no purl", p.Name)
		}
	}
	var createdBy []string
	for _, l := range r.Target.Layers {
		createdBy = append(createdBy, l.CreatedBy)
	}
	if diff := cmp.Diff([]string{"ADD base", "RUN change", "COPY more"}, createdBy); diff != "" {
		t.Errorf("created_by (-want +got):\n%s", diff)
	}
	if r.Target.Kind != report.KindImage || r.Target.ImageID != img.ID || r.Target.Digest != img.Digest || r.Target.Labels["org.example"] != "yes" {
		t.Errorf("target = %+v", r.Target)
	}
	var paths []string
	for _, f := range res.Files {
		paths = append(paths, fmt.Sprintf("%s %s L%d", f.Path, f.Type, layerIndex(img, f.Layer)))
	}
	wantFiles := []string{
		"app L0", "app/a.pkgs regular L2", "c.pkgs regular L2", "d regular L2", "etc dir L0",
		"etc/os-release symlink L0", "keep.pkgs regular L0", "opt L0", "opt/y.pkgs regular L1",
		"secret2.txt regular L2", "usr dir L0", "usr/lib dir L0", "usr/lib/os-release regular L0",
	}
	// Implicit parent dirs (app, opt) have no entry in these test tars.
	wantFiles = slicesDelete(wantFiles, "app L0", "opt L0")
	if diff := cmp.Diff(wantFiles, paths); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

func slicesDelete(s []string, drop ...string) []string {
	var out []string
	for _, v := range s {
		keep := true
		for _, d := range drop {
			keep = keep && v != d
		}
		if keep {
			out = append(out, v)
		}
	}
	return out
}

func stable(r *report.Report) *report.Report {
	c := *r
	c.CreatedAt = time.Time{}
	c.Scanners = nil
	return &c
}

func TestScanCache(t *testing.T) {
	img := openOCI(t, layeredImage(t))
	cache := t.TempDir()
	ex, an := &lineExtractor{}, &secretAnalyzer{}
	opts := Options{Extractors: []inventory.Extractor{ex}, FileAnalyzers: []FileAnalyzer{an}, CacheDir: cache}
	cold, err := Image(context.Background(), img, opts)
	if err != nil {
		t.Fatal(err)
	}
	coldCalls := ex.calls.Load()
	if coldCalls == 0 {
		t.Fatal("no extractor calls on a cold scan")
	}
	warm, err := Image(context.Background(), img, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := ex.calls.Load() - coldCalls; got != 0 {
		t.Errorf("warm scan made %d extractor calls, want 0", got)
	}
	if diff := cmp.Diff(stable(cold), stable(warm)); diff != "" {
		t.Errorf("warm report differs (-cold +warm):\n%s", diff)
	}
	if n := warm.Scanners[0].Counts["layers_cached"]; n != 3 {
		t.Errorf("layers_cached = %d, want 3", n)
	}

	// A corrupt image entry is ignored: the layer entries rebuild it.
	imgs, _ := filepath.Glob(filepath.Join(cache, "images", "*", "*"))
	if len(imgs) != 1 {
		t.Fatalf("image cache holds %d files, want 1: %v", len(imgs), imgs)
	}
	os.WriteFile(imgs[0], []byte(cacheFormat+"garbage that is long enough to hold a checksum"), 0o600)
	before := ex.calls.Load()
	fromLayers, err := Image(context.Background(), img, opts)
	if err != nil {
		t.Fatal(err)
	}
	if ex.calls.Load() != before {
		t.Error("a corrupt image entry made layers rescan")
	}
	if diff := cmp.Diff(stable(cold), stable(fromLayers)); diff != "" {
		t.Errorf("report from layer entries differs (-cold +got):\n%s", diff)
	}

	// A corrupt layer entry is ignored, rescanned and rewritten.
	files, _ := filepath.Glob(filepath.Join(cache, "layers", "*", "*"))
	if len(files) != 3 {
		t.Fatalf("cache holds %d files, want 3: %v", len(files), files)
	}
	os.Remove(imgs[0])
	for i, garbage := range [][]byte{[]byte("garbage"), nil, []byte(cacheFormat + strings.Repeat("x", 100))} {
		os.WriteFile(files[i], garbage, 0o600)
	}
	before = ex.calls.Load()
	again, err := Image(context.Background(), img, opts)
	if err != nil {
		t.Fatal(err)
	}
	if ex.calls.Load() == before {
		t.Error("corrupt cache entries were used")
	}
	if diff := cmp.Diff(stable(cold), stable(again)); diff != "" {
		t.Errorf("report after corruption differs (-cold +again):\n%s", diff)
	}
	before = ex.calls.Load()
	if _, err := Image(context.Background(), img, opts); err != nil {
		t.Fatal(err)
	}
	if ex.calls.Load() != before {
		t.Error("rewritten cache entries were not used")
	}

	// A new extractor version is a new key.
	opts.Extractors = []inventory.Extractor{versioned{ex, 2}}
	before = ex.calls.Load()
	if _, err := Image(context.Background(), img, opts); err != nil {
		t.Fatal(err)
	}
	if ex.calls.Load() == before {
		t.Error("a new extractor version reused the old cache entries")
	}

	// So is a different configuration, for consumers that say so.
	opts.Extractors = []inventory.Extractor{keyed{ex, "rules-a"}}
	before = ex.calls.Load()
	if _, err := Image(context.Background(), img, opts); err != nil {
		t.Fatal(err)
	}
	if ex.calls.Load() == before {
		t.Error("an extractor's new CacheKey reused the old cache entries")
	}

	// NoCache neither reads nor writes.
	nc := t.TempDir()
	before = ex.calls.Load()
	if _, err := Image(context.Background(), img, Options{Extractors: []inventory.Extractor{ex}, CacheDir: nc, NoCache: true}); err != nil {
		t.Fatal(err)
	}
	if ex.calls.Load() == before {
		t.Error("NoCache scan made no extractor calls")
	}
	if files, _ := filepath.Glob(filepath.Join(nc, "*", "*", "*")); len(files) != 0 {
		t.Errorf("NoCache wrote %v", files)
	}
	if ents, _ := os.ReadDir(filepath.Join(nc, "tmp")); len(ents) != 0 {
		t.Errorf("temporary files left: %v", ents)
	}
}

type versioned struct {
	*lineExtractor
	v int
}

func (v versioned) Version() int { return v.v }

type keyed struct {
	*lineExtractor
	key string
}

func (k keyed) CacheKey() string { return k.key }

func TestScanCacheConcurrent(t *testing.T) {
	img := layeredImage(t)
	cache := t.TempDir()
	var wg sync.WaitGroup
	reports := make([]*report.Report, 6)
	errs := make([]error, 6)
	for i := range reports {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			dir := filepath.Join(t.TempDir(), "oci")
			imagetest.WriteOCI(t, dir, img)
			im, err := image.Open(context.Background(), "oci:"+dir)
			if err != nil {
				errs[i] = err
				return
			}
			defer im.Close()
			reports[i], errs[i] = Image(context.Background(), im, Options{Extractors: []inventory.Extractor{&lineExtractor{}}, CacheDir: cache})
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("scan %d: %v", i, err)
		}
		if diff := cmp.Diff(stable(reports[0]).Packages, stable(reports[i]).Packages); diff != "" {
			t.Errorf("scan %d packages differ (-0 +%d):\n%s", i, i, diff)
		}
	}
	if tmps, _ := filepath.Glob(filepath.Join(cache, "layers", "*", ".tmp-*")); len(tmps) != 0 {
		t.Errorf("temporary cache files left: %v", tmps)
	}
}

// TestScanCacheProcesses runs scans in several processes at once over one
// cache dir: none may fail or wait on another.
func TestScanCacheProcesses(t *testing.T) {
	if dir := os.Getenv("BULKHEAD_SCAN_CHILD"); dir != "" {
		im, err := image.Open(context.Background(), "oci:"+dir)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Image(context.Background(), im, Options{Extractors: []inventory.Extractor{&lineExtractor{}}, CacheDir: os.Getenv("BULKHEAD_SCAN_CACHE")})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("PACKAGES %d\n", len(r.Packages))
		return
	}
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := filepath.Join(t.TempDir(), "oci")
	imagetest.WriteOCI(t, dir, layeredImage(t))
	cache := t.TempDir()
	var wg sync.WaitGroup
	outs := make([]string, 4)
	errs := make([]error, 4)
	for i := range outs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestScanCacheProcesses$", "-test.v")
			cmd.Env = append(os.Environ(), "BULKHEAD_SCAN_CHILD="+dir, "BULKHEAD_SCAN_CACHE="+cache)
			out, err := cmd.CombinedOutput()
			outs[i], errs[i] = string(out), err
		}(i)
	}
	wg.Wait()
	for i := range outs {
		if errs[i] != nil || !strings.Contains(outs[i], "PACKAGES 4\n") {
			t.Errorf("process %d: %v\n%s", i, errs[i], outs[i])
		}
	}
}

func TestScanDir(t *testing.T) {
	root := t.TempDir()
	for p, body := range map[string]string{
		"app/a.pkgs":          "a 1",
		".git/objects/x.pkgs": "git 1",
		"sub/.git/y.pkgs":     "git 2",
		"config.env":          "TOKEN=SECRET",
		"etc/os-release":      "ID=alpine\nVERSION_ID=3.19.1\n",
	} {
		os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(root, p), []byte(body), 0o644)
	}
	os.Symlink("loop2", filepath.Join(root, "loop1"))
	os.Symlink("loop1", filepath.Join(root, "loop2"))
	os.Symlink("../../../../etc", filepath.Join(root, "app/escape"))
	os.Symlink(".", filepath.Join(root, "app/self"))
	os.Symlink("/etc/passwd", filepath.Join(root, "passwd.pkgs"))
	res, err := ScanDir(context.Background(), root, Options{
		Extractors: []inventory.Extractor{&lineExtractor{}}, FileAnalyzers: []FileAnalyzer{&secretAnalyzer{}},
		CacheDir: t.TempDir(), CollectFiles: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Report
	var got []string
	for _, p := range r.Packages {
		got = append(got, p.Name+"@"+p.Version+" "+p.Path+" layer="+p.Layer)
	}
	if diff := cmp.Diff([]string{"a@1 app/a.pkgs layer="}, got); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	if len(r.Findings) != 1 || r.Findings[0].Location.Path != "config.env" {
		t.Errorf("findings = %+v", r.Findings)
	}
	if r.Target.Kind != report.KindFilesystem || r.Target.OS == nil || r.Target.OS.ID != "alpine" {
		t.Errorf("target = %+v", r.Target)
	}
	if !strings.Contains(strings.Join(r.Warnings, "\n"), `symlink "app/escape" points out of the root`) {
		t.Errorf("warnings = %q, want the escaping symlink", r.Warnings)
	}
	for _, f := range res.Files {
		if strings.Contains(f.Path, ".git") {
			t.Errorf("file %s from .git was kept", f.Path)
		}
	}
}

func TestScanLimitsPartial(t *testing.T) {
	var ents []imagetest.Ent
	for i := range 50 {
		ents = append(ents, f(fmt.Sprintf("f%02d.pkgs", i), fmt.Sprintf("p%d 1", i)))
	}
	img := openOCI(t, imagetest.Image(t, []v1.Layer{imagetest.Layer(t, ents...)}, nil))
	r, err := Image(context.Background(), img, Options{Extractors: []inventory.Extractor{&lineExtractor{}}, CacheDir: t.TempDir(),
		Limits: image.Limits{MaxEntries: 10}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Packages) != 10 {
		t.Errorf("%d packages, want the 10 before the limit", len(r.Packages))
	}
	if !strings.Contains(strings.Join(r.Warnings, "\n"), "walk stopped after 10 entries") || r.Scanners[0].Reason == "" {
		t.Errorf("warnings %q, status %+v: want the limit named", r.Warnings, r.Scanners[0])
	}
}

func TestScanTruncatedLayer(t *testing.T) {
	img := layeredImage(t)
	dir := filepath.Join(t.TempDir(), "oci")
	imagetest.WriteOCI(t, dir, img)
	ls, _ := img.Layers()
	d, _ := ls[2].Digest()
	blob := filepath.Join(dir, "blobs", d.Algorithm, d.Hex)
	b, _ := os.ReadFile(blob)
	os.WriteFile(blob, b[:len(b)/2], 0o644)
	im, err := image.Open(context.Background(), "oci:"+dir)
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	_, err = Image(context.Background(), im, Options{Extractors: []inventory.Extractor{&lineExtractor{}}, CacheDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), d.Hex) || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("err = %v, want a truncation error naming layer %s", err, d.Hex)
	}
}

func TestMergeTable(t *testing.T) {
	e := func(p string, typ image.EntryType) entry { return entry{path: p, typ: typ} }
	const (
		reg = image.TypeRegular
		dir = image.TypeDir
		wh  = image.TypeWhiteout
		opq = image.TypeOpaque
		sym = image.TypeSymlink
	)
	layers := []*layerResult{
		{Entries: []entry{e("a", dir), e("a/1", reg), e("a/b", dir), e("a/b/2", reg), e("c", reg), e("d", dir), e("d/3", reg), e("e/4", reg), e("f", reg)}},
		{Entries: []entry{e("a/b", wh), e("c", dir), e("c/5", reg), e("d", sym), e("e", opq), e("e/6", reg)}},
		{Entries: []entry{e("a", dir), e("a/b/7", reg), e("f", wh), e("f", reg)}},
	}
	m := merge(layers)
	var final []string
	for p, ref := range m.final {
		final = append(final, fmt.Sprintf("%s L%d", p, ref.layer))
	}
	sort.Strings(final)
	want := []string{"a L2", "a/1 L0", "a/b/7 L2", "c L1", "c/5 L1", "d L1", "e/6 L1", "f L2"}
	if diff := cmp.Diff(want, final); diff != "" {
		t.Errorf("final (-want +got):\n%s", diff)
	}
	wantRemoved := [][]int{
		{2, -1, 1, 1, 1, 1, 1, 1, 2},
		{1, -1, -1, -1, 1, -1},
		{-1, -1, 2, -1},
	}
	if diff := cmp.Diff(wantRemoved, m.removedIn); diff != "" {
		t.Errorf("removedIn (-want +got):\n%s", diff)
	}
}

func TestResolve(t *testing.T) {
	e := func(p string, typ image.EntryType, link string) entry { return entry{path: p, typ: typ, link: link} }
	m := merge([]*layerResult{{Entries: []entry{
		e("usr", image.TypeDir, ""), e("usr/lib", image.TypeDir, ""), e("usr/lib/os-release", image.TypeRegular, ""),
		e("etc", image.TypeDir, ""), e("etc/os-release", image.TypeSymlink, "../usr/lib/os-release"),
		e("lib", image.TypeSymlink, "usr/lib"), e("abs", image.TypeSymlink, "/usr/lib/os-release"),
		e("up", image.TypeSymlink, "../../../../usr/lib/os-release"),
		e("loop1", image.TypeSymlink, "loop2"), e("loop2", image.TypeSymlink, "loop1"),
	}}})
	for in, want := range map[string]string{
		"etc/os-release": "usr/lib/os-release", "lib/os-release": "usr/lib/os-release", "abs": "usr/lib/os-release",
		"up": "usr/lib/os-release", "loop1": "", "missing": "", "lib/missing": "",
	} {
		got, _, ok := m.resolve(in)
		if got != want || ok != (want != "") {
			t.Errorf("resolve(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func FuzzUnpackEntries(f *testing.F) {
	f.Add(packEntries([]entry{{path: "a/b", link: "c", size: 5, mode: 0o755, uid: 1, gid: 2, typ: image.TypeSymlink}}))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		es, err := unpackEntries(b)
		if err != nil {
			return
		}
		if diff := cmp.Diff(b, packEntries(es)); diff != "" && len(es) > 0 {
			// Varints have one canonical form when written by packEntries;
			// others may decode, which is fine, but must re-decode equal.
			es2, err := unpackEntries(packEntries(es))
			if err != nil || !cmp.Equal(es, es2, cmp.AllowUnexported(entry{})) {
				t.Fatalf("round trip changed entries")
			}
		}
	})
}

// sizeAnalyzer records the sizes its inputs' ReaderAt reports.
type sizeAnalyzer struct {
	mu    sync.Mutex
	sizes map[string]int64
	tmp   []string
}

func (*sizeAnalyzer) Name() string { return "test/size" }
func (*sizeAnalyzer) Version() int { return 1 }
func (*sizeAnalyzer) Required(p string, _ fs.FileMode, _ int64) bool {
	return strings.HasPrefix(p, "big/")
}
func (a *sizeAnalyzer) Analyze(_ context.Context, in *inventory.Input) ([]finding.Finding, error) {
	ra, n, err := in.ReaderAt()
	if err != nil {
		return nil, err
	}
	defer ra.Close()
	last := make([]byte, 1)
	if _, err := ra.ReadAt(last, n-1); err != nil && err != io.EOF {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sizes[in.Path+":"+string(last)] = n
	a.tmp = append(a.tmp, in.TempDir)
	return nil, nil
}

func TestScanLargeFileSpill(t *testing.T) {
	big := strings.Repeat("x", memBufferMax+100) + "!"
	img := openOCI(t, imagetest.Image(t, []v1.Layer{imagetest.Layer(t, f("big/file", big), f("big/small", "s?"),
		f("../../escape", "x"), imagetest.Symlink("big/out", "../../../../root"))}, nil))
	an := &sizeAnalyzer{sizes: map[string]int64{}}
	cache := t.TempDir()
	r, err := Image(context.Background(), img, Options{FileAnalyzers: []FileAnalyzer{an}, CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"big/file:!": int64(len(big)), "big/small:?": 2}
	if diff := cmp.Diff(want, an.sizes); diff != "" {
		t.Errorf("sizes (-want +got):\n%s", diff)
	}
	for _, d := range an.tmp {
		if !strings.HasPrefix(d, filepath.Join(cache, "tmp")) {
			t.Errorf("TempDir %q is outside the cache dir", d)
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(cache, "tmp")); len(ents) != 0 {
		t.Errorf("temporary files left: %v", ents)
	}
	joined := strings.Join(r.Warnings, "\n")
	for _, w := range []string{`"../../escape" escapes the root`, `symlink "big/out" points out of the root`} {
		if !strings.Contains(joined, w) {
			t.Errorf("warnings %q lack %q", r.Warnings, w)
		}
	}
	if !strings.Contains(joined, "layer "+img.Layers[0].Digest) {
		t.Errorf("warnings %q do not name the layer", r.Warnings)
	}
}
