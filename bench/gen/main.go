// Command gen writes a synthetic container image for benchmarks, as a
// docker save archive (the Docker 20.10 layout: uncompressed layer tars,
// config JSON, manifest.json): about 1 GB uncompressed in six layers, about
// 60,000 files, with a dpkg status database, an apk installed database,
// os-release, binaries, text, large blobs, whiteouts and an overwrite.
//
//	go run ./bench/gen -o bench/out/image.tar
//
// The content is deterministic: the same flags give the same image id.
package main

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
)

func main() {
	out := flag.String("o", "bench/out/image.tar", "archive to write")
	scale := flag.Float64("scale", 1, "multiply sizes and file counts by this")
	kind := flag.String("kind", "image", "image (1 GB, 60k files), tiny (one layer of 300k tiny files) or bomb (a 4 GiB gzip bomb layer)")
	flag.Parse()
	var err error
	switch *kind {
	case "image":
		err = run(*out, *scale)
	case "tiny":
		err = runTiny(*out, *scale)
	case "bomb":
		err = runBomb(*out, *scale)
	default:
		err = fmt.Errorf("unknown -kind %q", *kind)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

var mtime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// noise is a block of random bytes that file contents are cut from.
var noise = func() []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 8<<20)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}()

type layerWriter struct {
	f     *os.File
	tw    *tar.Writer
	h     hash.Hash
	files int
	bytes int64
}

func newLayer(dir string, n int) (*layerWriter, error) {
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("layer%d.tar", n)))
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	return &layerWriter{f: f, tw: tar.NewWriter(io.MultiWriter(f, h)), h: h}, nil
}

func (l *layerWriter) dir(name string) error {
	return l.tw.WriteHeader(&tar.Header{Name: name + "/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: mtime})
}

func (l *layerWriter) file(name string, mode int64, body []byte) error {
	if err := l.tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: mode, Size: int64(len(body)), ModTime: mtime}); err != nil {
		return err
	}
	l.files++
	l.bytes += int64(len(body))
	_, err := l.tw.Write(body)
	return err
}

func (l *layerWriter) symlink(name, target string) error {
	return l.tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: target, Mode: 0o777, ModTime: mtime})
}

func (l *layerWriter) close() (string, error) {
	if err := l.tw.Close(); err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(l.h.Sum(nil)), l.f.Close()
}

// blob returns n bytes of noise starting at a position chosen by seed.
func blob(seed, n int) []byte {
	if n > len(noise) {
		b := make([]byte, 0, n)
		for len(b) < n {
			b = append(b, noise[:min(len(noise), n-len(b))]...)
		}
		return b
	}
	off := (seed * 7919) % (len(noise) - n + 1)
	return noise[off : off+n]
}

func text(seed, n int) []byte {
	words := []string{"container", "layer", "package", "version", "license", "debian", "security", "update", "the", "of"}
	var sb strings.Builder
	for i := 0; sb.Len() < n; i++ {
		sb.WriteString(words[(seed+i*i)%len(words)])
		if i%12 == 11 {
			sb.WriteByte('\n')
		} else {
			sb.WriteByte(' ')
		}
	}
	return []byte(sb.String()[:n])
}

func dpkgStatus(n int) []byte {
	var sb strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "Package: pkg%03d\nStatus: install ok installed\nPriority: optional\nSection: libs\nInstalled-Size: %d\n"+
			"Maintainer: Bench <bench@example.com>\nArchitecture: amd64\nMulti-Arch: same\nSource: src%03d (1.%d-%d)\nVersion: 1.%d-%d+deb12u1\n"+
			"Depends: libc6 (>= 2.36)\nDescription: synthetic package %d\n long description line\n\n", i, 100+i, i/3, i, i%5, i, i%5, i)
	}
	return []byte(sb.String())
}

func apkInstalled(n int) []byte {
	var sb strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "C:Q1%027d=\nP:apkpkg%03d\nV:2.%d.%d-r%d\nA:x86_64\nS:1024\nI:4096\nT:synthetic apk package\nU:https://example.com\nL:MIT\no:apkorigin%03d\nm:Bench\nt:1700000000\nc:abc\nF:usr/lib\nR:libapk%03d.so\n\n",
			i, i, i/10, i%10, i%3, i/2, i)
	}
	return []byte(sb.String())
}

func run(out string, scale float64) error {
	dir := filepath.Dir(out)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	work, err := os.MkdirTemp(dir, "gen-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	n := func(v int) int { return max(1, int(float64(v)*scale)) }

	type built struct{ diffID, createdBy string }
	var layers []built
	add := func(i int, createdBy string, fill func(l *layerWriter) error) error {
		l, err := newLayer(work, i)
		if err != nil {
			return err
		}
		if err := fill(l); err != nil {
			return err
		}
		d, err := l.close()
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "layer %d: %d files, %d MB\n", i, l.files, l.bytes>>20)
		layers = append(layers, built{d, createdBy})
		return nil
	}
	steps := []struct {
		createdBy string
		fill      func(l *layerWriter) error
	}{
		{"ADD rootfs.tar.xz / # base with dpkg", func(l *layerWriter) error {
			for _, d := range []string{"etc", "usr", "usr/lib", "var", "var/lib", "var/lib/dpkg", "usr/share", "usr/share/doc"} {
				l.dir(d)
			}
			l.file("usr/lib/os-release", 0o644, []byte("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n"))
			l.symlink("etc/os-release", "../usr/lib/os-release")
			l.file("etc/debian_version", 0o644, []byte("12.8\n"))
			l.file("var/lib/dpkg/status", 0o644, dpkgStatus(n(150)))
			for i := 0; i < n(15000); i++ {
				if err := l.file(fmt.Sprintf("usr/share/doc/pkg%03d/file%05d.txt", i%150, i), 0o644, text(i, 2000)); err != nil {
					return err
				}
			}
			return nil
		}},
		{"RUN apk add --no-cache things # apk db", func(l *layerWriter) error {
			l.dir("lib")
			l.dir("lib/apk")
			l.dir("lib/apk/db")
			return l.file("lib/apk/db/installed", 0o644, apkInstalled(n(60)))
		}},
		{"COPY bin/ /usr/local/bin/ # binaries", func(l *layerWriter) error {
			l.dir("usr/local/bin")
			for i := 0; i < n(200); i++ {
				if err := l.file(fmt.Sprintf("usr/local/bin/tool%03d", i), 0o755, blob(i, 2<<20)); err != nil {
					return err
				}
			}
			return nil
		}},
		{"COPY site/ /srv/site/ # text", func(l *layerWriter) error {
			for i := 0; i < n(30000); i++ {
				if err := l.file(fmt.Sprintf("srv/site/s%02d/page%05d.html", i%100, i), 0o644, text(i, 4096)); err != nil {
					return err
				}
			}
			return nil
		}},
		{"COPY data/ /data/ # large blobs", func(l *layerWriter) error {
			for i := 0; i < 4; i++ {
				if err := l.file(fmt.Sprintf("data/model%d.bin", i), 0o644, blob(i, n(100<<20))); err != nil {
					return err
				}
			}
			return nil
		}},
		{"RUN rm -rf /usr/share/doc/pkg00* && update # whiteouts, overwrite", func(l *layerWriter) error {
			for i := 0; i < 10; i++ {
				l.file(fmt.Sprintf("usr/share/doc/.wh.pkg%03d", i), 0o644, nil)
			}
			l.file("var/lib/dpkg/status", 0o644, dpkgStatus(n(160)))
			for i := 0; i < n(15000); i++ {
				if err := l.file(fmt.Sprintf("app/node_modules/m%03d/lib/f%05d.js", i%300, i), 0o644, text(i, 1500)); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for i, s := range steps {
		if err := add(i, s.createdBy, s.fill); err != nil {
			return err
		}
	}

	var ls []archLayer
	for i, l := range layers {
		ls = append(ls, archLayer{file: filepath.Join(work, fmt.Sprintf("layer%d.tar", i)), diffID: l.diffID, createdBy: l.createdBy})
	}
	return writeArchive(out, ls)
}

type archLayer struct {
	file, diffID, createdBy string
	gzip                    bool
}

// writeArchive writes a docker save archive of the layer files.
func writeArchive(out string, layers []archLayer) error {
	type history struct {
		Created   time.Time `json:"created"`
		CreatedBy string    `json:"created_by"`
	}
	cfg := map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"created":      mtime,
		"config":       map[string]any{"Env": []string{"PATH=/usr/local/bin:/usr/bin:/bin"}, "Cmd": []string{"/usr/local/bin/tool000"}},
		"rootfs": map[string]any{"type": "layers", "diff_ids": func() []string {
			var s []string
			for _, l := range layers {
				s = append(s, l.diffID)
			}
			return s
		}()},
		"history": func() []history {
			var h []history
			for _, l := range layers {
				h = append(h, history{mtime, l.createdBy})
			}
			return h
		}(),
	}
	rawCfg, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	cfgSum := sha256.Sum256(rawCfg)
	cfgName := hex.EncodeToString(cfgSum[:]) + ".json"

	tmp := out + ".partial"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	var names []string
	for _, l := range layers {
		id := strings.TrimPrefix(l.diffID, "sha256:")
		name := id + "/layer.tar"
		if l.gzip {
			name = id + "/layer.tar.gz"
		}
		names = append(names, name)
		lf, err := os.Open(l.file)
		if err != nil {
			return err
		}
		fi, _ := lf.Stat()
		tw.WriteHeader(&tar.Header{Name: id + "/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: mtime})
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: fi.Size(), ModTime: mtime}); err != nil {
			return err
		}
		if _, err := io.Copy(tw, lf); err != nil {
			return err
		}
		lf.Close()
	}
	writeFile := func(name string, b []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(b)), ModTime: mtime}); err != nil {
			return err
		}
		_, err := tw.Write(b)
		return err
	}
	if err := writeFile(cfgName, rawCfg); err != nil {
		return err
	}
	manifest, _ := json.Marshal([]map[string]any{{"Config": cfgName, "RepoTags": []string{"bench/image:latest"}, "Layers": names}})
	if err := writeFile("manifest.json", manifest); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}

// runTiny writes one layer of 300,000 tiny files.
func runTiny(out string, scale float64) error {
	work, err := os.MkdirTemp(filepath.Dir(out), "gen-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	l, err := newLayer(work, 0)
	if err != nil {
		return err
	}
	for i := 0; i < max(1, int(300000*scale)); i++ {
		if err := l.file(fmt.Sprintf("t/%03d/%03d/f%06d.txt", i/100000, (i/1000)%100, i), 0o644, []byte(fmt.Sprintf("tiny %d\n", i))); err != nil {
			return err
		}
	}
	d, err := l.close()
	if err != nil {
		return err
	}
	return writeArchive(out, []archLayer{{file: l.f.Name(), diffID: d, createdBy: "COPY tiny/ /t/"}})
}

// runBomb writes one gzip layer holding a 4 GiB file of zeros (about 4 MB
// compressed).
func runBomb(out string, scale float64) error {
	work, err := os.MkdirTemp(filepath.Dir(out), "gen-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	f, err := os.Create(filepath.Join(work, "bomb.tar.gz"))
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	h := sha256.New()
	tw := tar.NewWriter(io.MultiWriter(zw, h))
	size := int64(float64(4<<30) * scale)
	if err := tw.WriteHeader(&tar.Header{Name: "zeros", Typeflag: tar.TypeReg, Mode: 0o644, Size: size, ModTime: mtime}); err != nil {
		return err
	}
	zeros := make([]byte, 1<<20)
	for n := int64(0); n < size; n += int64(len(zeros)) {
		if _, err := tw.Write(zeros[:min(int64(len(zeros)), size-n)]); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	d := "sha256:" + hex.EncodeToString(h.Sum(nil))
	return writeArchive(out, []archLayer{{file: f.Name(), diffID: d, createdBy: "ADD bomb /", gzip: true}})
}
