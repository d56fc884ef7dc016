package secret

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
)

// benchFiles reads up to limit bytes of real files under GOROOT whose
// extension is in exts, in a stable order.
func benchFiles(b *testing.B, dirs []string, exts map[string]bool, limit int) map[string][]byte {
	b.Helper()
	out0, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		b.Skipf("go env GOROOT: %v", err)
	}
	root := strings.TrimSpace(string(out0))
	out := map[string][]byte{}
	total := 0
	var paths []string
	for _, d := range dirs {
		filepath.WalkDir(filepath.Join(root, d), func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || !exts[filepath.Ext(p)] || strings.Contains(p, "testdata") {
				return nil
			}
			paths = append(paths, p)
			return nil
		})
	}
	sort.Strings(paths)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil || bytes.IndexByte(data, 0) >= 0 {
			continue
		}
		out[p] = data
		total += len(data)
		if total >= limit {
			break
		}
	}
	if total < 1<<20 {
		b.Skipf("only %d bytes of sample files under %s", total, root)
	}
	return out
}

func benchAnalyze(b *testing.B, files map[string][]byte) {
	s, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	var total int64
	for _, d := range files {
		total += int64(len(d))
	}
	b.SetBytes(total)
	b.ReportAllocs()
	ctx := context.Background()
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		for p, d := range files {
			if _, err := s.Analyze(ctx, &inventory.Input{Path: p, Size: int64(len(d)), Reader: bytes.NewReader(d)}); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportCPU(b, start, total)
	if n := s.Stats().OverBudget; n > 0 {
		b.Errorf("%d ordinary files went over the regex budget", n)
	}
}

// BenchmarkAnalyzeSourceMix scans Go, assembly, C, shell, JSON, YAML,
// HTML and Markdown files from GOROOT, file by file, with all rules.
func BenchmarkAnalyzeSourceMix(b *testing.B) {
	files := benchFiles(b, []string{"src", "misc", "lib", "doc"},
		map[string]bool{".go": true, ".s": true, ".c": true, ".h": true, ".sh": true, ".json": true,
			".yaml": true, ".yml": true, ".html": true, ".md": true, ".txt": true, ".bash": true, ".js": true}, 24<<20)
	benchAnalyze(b, files)
}

// BenchmarkAnalyzeText scans GOROOT's API listings and docs: identifier
// dense text full of "Key", "Token", "Secret" and "Password".
func BenchmarkAnalyzeText(b *testing.B) {
	files := benchFiles(b, []string{"api", "doc", "lib"}, map[string]bool{".txt": true, ".html": true, ".md": true, ".next": true}, 16<<20)
	benchAnalyze(b, files)
}

// BenchmarkAnalyzeSourceMixParallel is the source mix on every core, as
// the image walk runs it.
func BenchmarkAnalyzeSourceMixParallel(b *testing.B) {
	files := benchFiles(b, []string{"src"}, map[string]bool{".go": true, ".s": true, ".c": true, ".json": true, ".md": true}, 24<<20)
	s, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	var list [][]byte
	var names []string
	var total int64
	for p, d := range files {
		list = append(list, d)
		names = append(names, p)
		total += int64(len(d))
	}
	b.SetBytes(total)
	b.ResetTimer()
	start := cpuTime()
	defer func() { reportCPU(b, start, total) }()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			for i, d := range list {
				s.Analyze(ctx, &inventory.Input{Path: names[i], Size: int64(len(d)), Reader: bytes.NewReader(d)})
			}
		}
	})
}

// BenchmarkPrefilter is the keyword pass alone.
func BenchmarkPrefilter(b *testing.B) {
	files := benchFiles(b, []string{"src"}, map[string]bool{".go": true}, 8<<20)
	s, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	var buf []byte
	for _, d := range files {
		buf = append(buf, d...)
	}
	b.SetBytes(int64(len(buf)))
	var hits []hit
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		hits, _ = s.pf.scan(buf, hits[:0], 0)
	}
	reportCPU(b, start, int64(len(buf)))
	b.ReportMetric(float64(len(hits))/float64(len(buf))*1e6, "hits/MB")
}

// BenchmarkScanTextEnv is one ScanText call on a typical ENV entry.
func BenchmarkScanTextEnv(b *testing.B) {
	s, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s.ScanText("config.Env[2]", "JAVA_OPTS=-Xmx512m -Dspring.profiles.active=prod -Dserver.port=8080")
	}
}

// BenchmarkBaselineByteLoop is a bare table lookup per byte over the same
// Go sources as BenchmarkPrefilter: the ceiling a byte-at-a-time pass can
// reach on this machine, to read the other figures against.
func BenchmarkBaselineByteLoop(b *testing.B) {
	files := benchFiles(b, []string{"src"}, map[string]bool{".go": true}, 8<<20)
	var buf []byte
	for _, d := range files {
		buf = append(buf, d...)
	}
	b.SetBytes(int64(len(buf)))
	var sum uint32
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		for _, c := range buf {
			sum += uint32(class5[c])
		}
	}
	reportCPU(b, start, int64(len(buf)))
	if sum == 1 {
		b.Log(sum)
	}
}

// BenchmarkImageLikeRoot offers the scanner what an image walk would: every
// regular file under this host's /etc, /usr/share, /usr/lib and /usr/bin
// (Debian; binaries, libraries, locale data, docs, scripts, configs), up to
// 256 MB held in memory, through Required and then Analyze. MB/s counts
// every byte offered, skipped or scanned: the figure for a whole image.
func BenchmarkImageLikeRoot(b *testing.B) {
	type file struct {
		path string
		mode fs.FileMode
		data []byte
	}
	var files []file
	var total int64
	for _, root := range []string{"/etc", "/usr/share", "/usr/lib", "/usr/bin"} {
		filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
			if err != nil || total >= 256<<20 {
				return nil
			}
			if !e.Type().IsRegular() {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			files = append(files, file{strings.TrimPrefix(p, "/"), 0o644, data})
			total += int64(len(data))
			return nil
		})
	}
	if total < 16<<20 {
		b.Skipf("only %d bytes under /etc and /usr", total)
	}
	s, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(total)
	ctx := context.Background()
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		for _, f := range files {
			if !s.Required(f.path, f.mode, int64(len(f.data))) {
				continue
			}
			s.Analyze(ctx, &inventory.Input{Path: f.path, Size: int64(len(f.data)), Reader: bytes.NewReader(f.data)})
		}
	}
	reportCPU(b, start, total)
	st := s.Stats()
	b.ReportMetric(float64(st.Bytes)/float64(b.N)/float64(total)*100, "%scanned")
	b.Logf("per run: %d files, %d scanned (%d MB), %d binary, %d size, %d findings",
		len(files), st.FilesScanned/int64(b.N), st.Bytes/int64(b.N)>>20, st.SkippedBinary/int64(b.N), st.SkippedSize/int64(b.N), st.Findings/int64(b.N))
}
