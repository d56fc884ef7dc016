package scan

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/bulkhead-sec/bulkhead/internal/image"
	"github.com/bulkhead-sec/bulkhead/internal/image/imagetest"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/os/apk"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/os/dpkg"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// benchImage is the archive bench/image.sh generates (go run ./bench/gen).
func benchImage(b *testing.B) string {
	p := os.Getenv("BULKHEAD_BENCH_IMAGE")
	if p == "" {
		p = filepath.Join(testenv.RepoRoot(b), "bench", "out", "image.tar")
	}
	if _, err := os.Stat(p); err != nil {
		b.Skipf("skipping: %s is missing (run bench/image.sh or go run ./bench/gen)", p)
	}
	return "docker-archive:" + p
}

func benchScan(b *testing.B, warm bool) {
	ref := benchImage(b)
	ctx := context.Background()
	cache := b.TempDir()
	opts := Options{Extractors: []inventory.Extractor{dpkg.New(), apk.New()}, CacheDir: cache}
	if warm {
		img, err := image.Open(ctx, ref)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Image(ctx, img, opts); err != nil {
			b.Fatal(err)
		}
		img.Close()
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !warm {
			opts.CacheDir = filepath.Join(cache, fmt.Sprint(i))
		}
		img, err := image.Open(ctx, ref)
		if err != nil {
			b.Fatal(err)
		}
		r, err := Image(ctx, img, opts)
		if err != nil {
			b.Fatal(err)
		}
		img.Close()
		if len(r.Packages) == 0 {
			b.Fatal("no packages")
		}
	}
}

// BenchmarkScanImageCold scans the 1 GB bench image with an empty cache.
func BenchmarkScanImageCold(b *testing.B) { benchScan(b, false) }

// BenchmarkScanImageWarm rescans it with every layer cached.
func BenchmarkScanImageWarm(b *testing.B) { benchScan(b, true) }

func tinyFilesImage(t testing.TB, n int) *image.Image {
	ents := make([]imagetest.Ent, 0, n+1)
	ents = append(ents, imagetest.File("app/x.pkgs", "x 1"))
	for i := 0; i < n; i++ {
		ents = append(ents, imagetest.File(fmt.Sprintf("t/%03d/f%06d", i/1000, i), "tiny"))
	}
	dir := filepath.Join(t.TempDir(), "oci")
	imagetest.WriteOCI(t, dir, imagetest.Image(t, []v1.Layer{imagetest.Layer(t, ents...)}, nil))
	img, err := image.Open(context.Background(), "oci:"+dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { img.Close() })
	return img
}

// TestTinyFiles scans a layer of 300,000 tiny files (skipped with -short).
func TestTinyFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a layer of 300,000 files")
	}
	img := tinyFilesImage(t, 300_000)
	res, err := ScanImage(context.Background(), img, Options{Extractors: []inventory.Extractor{&lineExtractor{}}, CacheDir: t.TempDir(), CollectFiles: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Report.Scanners[0].Counts["files"]; got != 300_001 {
		t.Errorf("files = %d, want 300001", got)
	}
	if len(res.Report.Packages) != 1 || len(res.Files) != 300_001 {
		t.Errorf("%d packages, %d final files", len(res.Report.Packages), len(res.Files))
	}
}

// BenchmarkScanTinyFiles scans a layer of 100,000 tiny files, cold.
func BenchmarkScanTinyFiles(b *testing.B) {
	img := tinyFilesImage(b, 100_000)
	cache := b.TempDir()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Image(context.Background(), img, Options{Extractors: []inventory.Extractor{&lineExtractor{}}, CacheDir: filepath.Join(cache, fmt.Sprint(i))}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMerge merges six layers of 10,000 entries with whiteouts.
func BenchmarkMerge(b *testing.B) {
	var layers []*layerResult
	for l := 0; l < 6; l++ {
		r := &layerResult{}
		for i := 0; i < 10_000; i++ {
			r.Entries = append(r.Entries, entry{path: fmt.Sprintf("usr/share/l%d/d%03d/f%05d", l%3, i%300, i), typ: image.TypeRegular})
		}
		for i := 0; i < 50; i++ {
			r.Entries = append(r.Entries, entry{path: fmt.Sprintf("usr/share/l%d/d%03d", (l+1)%3, i), typ: image.TypeWhiteout})
		}
		layers = append(layers, r)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		merge(layers)
	}
}
