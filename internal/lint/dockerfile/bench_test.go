package dockerfile

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLint lints the realistic golden Dockerfiles (about 15-25 lines
// each) in turn; ns/op is the cost of one Dockerfile.
func BenchmarkLint(b *testing.B) {
	paths, _ := filepath.Glob("testdata/golden/*.Dockerfile")
	var srcs [][]byte
	var size int64
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		srcs = append(srcs, src)
		size += int64(len(src))
	}
	b.SetBytes(size / int64(len(srcs)))
	b.ReportAllocs()
	b.ResetTimer()
	start := rusage()
	for i := 0; i < b.N; i++ {
		if _, err := Lint("Dockerfile", srcs[i%len(srcs)], Options{Now: testNow}); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "dockerfiles/s")
}

// BenchmarkLint30 lints one realistic 30-line multi-stage Dockerfile.
func BenchmarkLint30(b *testing.B) {
	src, err := os.ReadFile("testdata/bench/30-lines.Dockerfile")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	start := rusage()
	for i := 0; i < b.N; i++ {
		if _, err := Lint("Dockerfile", src, Options{Now: testNow}); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "dockerfiles/s")
}

func BenchmarkFix(b *testing.B) {
	src, err := os.ReadFile("testdata/bench/30-lines.Dockerfile")
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if _, _, err := Fix(src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLintParallel lints the 30-line Dockerfile on every core.
func BenchmarkLintParallel(b *testing.B) {
	src, err := os.ReadFile("testdata/bench/30-lines.Dockerfile")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := Lint("Dockerfile", src, Options{Now: testNow}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "dockerfiles/s")
}
