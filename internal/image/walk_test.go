package image

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// tarEnt describes one entry of a test tar.
type tarEnt struct {
	name     string
	typ      byte
	body     string
	link     string
	mode     int64
	uid, gid int
}

func mkTar(t testing.TB, ents ...tarEnt) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range ents {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		h := &tar.Header{Name: e.name, Typeflag: typ, Linkname: e.link, Mode: mode, Uid: e.uid, Gid: e.gid, Format: tar.FormatPAX}
		if typ == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("write header %q: %v", e.name, err)
		}
		if typ == tar.TypeReg {
			if _, err := io.WriteString(tw, e.body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func zst(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := zstd.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// seen is what a walk reports of one entry, for comparison.
type seen struct {
	Path, Type, Link, Body string
	OutsideRoot, TooLarge  bool
	Mode                   fs.FileMode
}

func collect(t testing.TB, r io.Reader, limits Limits) ([]seen, Stats, error) {
	t.Helper()
	var got []seen
	st, err := walkStream(context.Background(), "test", r, limits, func(e *Entry, r io.Reader) error {
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		got = append(got, seen{Path: e.Path, Type: e.Type.String(), Link: e.Linkname, Body: string(b),
			OutsideRoot: e.OutsideRoot, TooLarge: e.TooLarge, Mode: e.Mode})
		return nil
	})
	return got, st, err
}

func TestWalkEntries(t *testing.T) {
	layer := mkTar(t,
		tarEnt{name: "etc/", typ: tar.TypeDir, mode: 0o755},
		tarEnt{name: "etc/passwd", body: "root:x:0:0::/root:/bin/sh\n"},
		tarEnt{name: "/abs/file", body: "abs"},
		tarEnt{name: "../../escape", body: "x"},
		tarEnt{name: "a/../../escape2", body: "x"},
		tarEnt{name: "a/./b/../c", body: "c"},
		tarEnt{name: "bin/sh", typ: tar.TypeSymlink, link: "busybox"},
		tarEnt{name: "bin/evil", typ: tar.TypeSymlink, link: "../../../../etc/shadow"},
		tarEnt{name: "bin/abs", typ: tar.TypeSymlink, link: "/etc/shadow"},
		tarEnt{name: "bin/hl", typ: tar.TypeLink, link: "etc/passwd"},
		tarEnt{name: "bin/hlout", typ: tar.TypeLink, link: "../../etc/shadow"},
		tarEnt{name: "dev/sda", typ: tar.TypeBlock},
		tarEnt{name: "dev/null", typ: tar.TypeChar},
		tarEnt{name: "run/fifo", typ: tar.TypeFifo},
		tarEnt{name: "usr/bin/sudo", body: "elf", mode: 0o4755},
		tarEnt{name: "var/.wh.cache", body: ""},
		tarEnt{name: "opt/app/.wh..wh..opq", body: ""},
		tarEnt{name: ".wh..wh.plnk/123", body: ""},
		tarEnt{name: "etc/passwd", body: "second\n"},
	)
	want := []seen{
		{Path: "etc", Type: "dir", Mode: fs.ModeDir | 0o755},
		{Path: "etc/passwd", Type: "regular", Body: "root:x:0:0::/root:/bin/sh\n", Mode: 0o644},
		{Path: "abs/file", Type: "regular", Body: "abs", Mode: 0o644},
		{Path: "a/c", Type: "regular", Body: "c", Mode: 0o644},
		{Path: "bin/sh", Type: "symlink", Link: "busybox", Mode: fs.ModeSymlink | 0o644},
		{Path: "bin/evil", Type: "symlink", Link: "../../../../etc/shadow", OutsideRoot: true, Mode: fs.ModeSymlink | 0o644},
		{Path: "bin/abs", Type: "symlink", Link: "/etc/shadow", Mode: fs.ModeSymlink | 0o644},
		{Path: "bin/hl", Type: "hardlink", Link: "etc/passwd", Mode: 0o644},
		{Path: "bin/hlout", Type: "hardlink", Link: "../../etc/shadow", OutsideRoot: true, Mode: 0o644},
		{Path: "dev/sda", Type: "device", Mode: fs.ModeDevice | 0o644},
		{Path: "dev/null", Type: "device", Mode: fs.ModeDevice | fs.ModeCharDevice | 0o644},
		{Path: "run/fifo", Type: "fifo", Mode: fs.ModeNamedPipe | 0o644},
		{Path: "usr/bin/sudo", Type: "regular", Body: "elf", Mode: fs.ModeSetuid | 0o755},
		{Path: "var/cache", Type: "whiteout", Mode: 0o644},
		{Path: "opt/app", Type: "opaque", Mode: 0o644},
		{Path: "etc/passwd", Type: "regular", Body: "second\n", Mode: 0o644},
	}
	for _, tc := range []struct {
		name string
		blob []byte
	}{
		{"plain", layer},
		{"gzip", gz(t, layer)},
		{"zstd", zst(t, layer)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, seekable := range []bool{false, true} {
				var r io.Reader = bytes.NewReader(tc.blob)
				if !seekable {
					r = io.MultiReader(r) // hides Seek
				}
				got, st, err := collect(t, r, Limits{})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("seekable=%v entries (-want +got):\n%s", seekable, diff)
				}
				wantWarn := []string{"absolute path", "escapes the root", "escapes the root", "symlink \"bin/evil\" points out",
					"hardlink \"bin/hlout\" points out", "device file \"dev/sda\"", "device file \"dev/null\""}
				if len(st.Warnings) != len(wantWarn) {
					t.Fatalf("warnings = %q, want %d", st.Warnings, len(wantWarn))
				}
				for i, w := range wantWarn {
					if !strings.Contains(st.Warnings[i], w) {
						t.Errorf("warning %d = %q, want it to mention %q", i, st.Warnings[i], w)
					}
				}
				if st.Bytes != int64(len(layer)) {
					t.Errorf("Bytes = %d, want %d", st.Bytes, len(layer))
				}
			}
		})
	}
}

func TestWalkTruncated(t *testing.T) {
	var files []tarEnt
	for i := range 50 {
		files = append(files, tarEnt{name: fmt.Sprintf("f%d", i), body: strings.Repeat(fmt.Sprint(i), 3000)})
	}
	layer := mkTar(t, files...)
	for _, tc := range []struct {
		name string
		blob []byte
	}{
		{"gzip", gz(t, layer)},
		{"zstd", zst(t, layer)},
		{"plain", layer},
	} {
		for _, cut := range []int{len(tc.blob) / 2, len(tc.blob) - 9, 700} {
			t.Run(fmt.Sprintf("%s/%d", tc.name, cut), func(t *testing.T) {
				_, _, err := collect(t, io.MultiReader(bytes.NewReader(tc.blob[:cut])), Limits{})
				if err == nil {
					t.Fatal("walk of a truncated layer succeeded")
				}
				if _, _, err := collect(t, bytes.NewReader(tc.blob[:cut]), Limits{}); err == nil {
					t.Fatal("seekable walk of a truncated layer succeeded")
				}
				if !strings.Contains(err.Error(), "layer test") {
					t.Errorf("error %q does not name the layer", err)
				}
			})
		}
	}
}

func TestWalkLimits(t *testing.T) {
	var many []tarEnt
	for i := range 20 {
		many = append(many, tarEnt{name: fmt.Sprintf("f%02d", i), body: "x"})
	}
	big := mkTar(t, tarEnt{name: "big", body: strings.Repeat("A", 10000)}, tarEnt{name: "small", body: "s"})
	t.Run("entries", func(t *testing.T) {
		got, st, err := collect(t, bytes.NewReader(mkTar(t, many...)), Limits{MaxEntries: 5})
		if !errors.Is(err, ErrLimit) {
			t.Fatalf("err = %v, want ErrLimit", err)
		}
		if len(got) != 5 || !st.Truncated {
			t.Errorf("got %d entries, truncated=%v; want 5, true", len(got), st.Truncated)
		}
	})
	t.Run("file", func(t *testing.T) {
		got, st, err := collect(t, bytes.NewReader(big), Limits{MaxFileBytes: 100})
		if err != nil {
			t.Fatal(err)
		}
		want := []seen{{Path: "big", Type: "regular", TooLarge: true, Mode: 0o644}, {Path: "small", Type: "regular", Body: "s", Mode: 0o644}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], "file limit") {
			t.Errorf("warnings = %q", st.Warnings)
		}
	})
	t.Run("warnings", func(t *testing.T) {
		var devs []tarEnt
		for i := range 30 {
			devs = append(devs, tarEnt{name: fmt.Sprintf("dev/d%d", i), typ: tar.TypeChar})
		}
		_, st, err := collect(t, bytes.NewReader(mkTar(t, devs...)), Limits{MaxWarnings: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Warnings) != 10 || st.DroppedWarnings != 20 {
			t.Errorf("kept %d warnings, dropped %d; want 10, 20", len(st.Warnings), st.DroppedWarnings)
		}
	})
	for _, seekable := range []bool{true, false} {
		t.Run(fmt.Sprintf("layer-bytes/seekable=%v", seekable), func(t *testing.T) {
			var r io.Reader = bytes.NewReader(big)
			if !seekable {
				r = io.MultiReader(r)
			}
			_, st, err := collect(t, r, Limits{MaxLayerBytes: 4096})
			if !errors.Is(err, ErrLimit) || !st.Truncated {
				t.Fatalf("err = %v, truncated = %v; want ErrLimit, true", err, st.Truncated)
			}
		})
	}
}

// bombReader yields a gzip stream of a tar holding one file of size bytes
// of zeros, generated on the fly.
func bombReader(size int64) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		zw, _ := gzip.NewWriterLevel(pw, gzip.BestSpeed)
		tw := tar.NewWriter(zw)
		err := tw.WriteHeader(&tar.Header{Name: "bomb", Typeflag: tar.TypeReg, Size: size, Mode: 0o644})
		zeros := make([]byte, 1<<20)
		for n := int64(0); err == nil && n < size; n += int64(len(zeros)) {
			_, err = tw.Write(zeros[:min(int64(len(zeros)), size-n)])
		}
		if err == nil {
			err = tw.Close()
		}
		if err == nil {
			err = zw.Close()
		}
		pw.CloseWithError(err)
	}()
	return pr
}

func TestWalkGzipBomb(t *testing.T) {
	// 1 GiB of zeros compresses to about 1 MiB; the walk must stop at the
	// layer limit, reading the file as it goes.
	r := bombReader(1 << 30)
	defer r.Close()
	var read int64
	st, err := walkStream(context.Background(), "bomb", r, Limits{MaxLayerBytes: 32 << 20}, func(e *Entry, r io.Reader) error {
		n, err := io.Copy(io.Discard, r)
		read += n
		return err
	})
	if !errors.Is(err, ErrLimit) {
		t.Fatalf("err = %v, want ErrLimit", err)
	}
	if !st.Truncated || read > 33<<20 {
		t.Errorf("truncated=%v, read %d bytes; want true and at most the limit", st.Truncated, read)
	}
}

func TestWalkContextCancel(t *testing.T) {
	var many []tarEnt
	for i := range 1000 {
		many = append(many, tarEnt{name: fmt.Sprintf("f%d", i), body: "x"})
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_, err := walkStream(ctx, "c", bytes.NewReader(mkTar(t, many...)), Limits{}, func(*Entry, io.Reader) error {
		n++
		if n == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestCleanPath(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		escapes  bool
	}{
		{"a/b", "a/b", false},
		{"/a/b/", "a/b", false},
		{"./a//b", "a/b", false},
		{"a/../b", "b", false},
		{"..", "", true},
		{"a/../../b", "", true},
		{"/../etc", "", true},
		{"a/b/../../c", "c", false},
		{"...", "...", false},
		{"..foo/bar", "..foo/bar", false},
	} {
		got, esc := cleanPath(tc.in)
		if got != tc.want || esc != tc.escapes {
			t.Errorf("cleanPath(%q) = %q, %v; want %q, %v", tc.in, got, esc, tc.want, tc.escapes)
		}
	}
}

func FuzzWalkLayer(f *testing.F) {
	layer := mkTar(f,
		tarEnt{name: "etc/os-release", body: "ID=debian\n"},
		tarEnt{name: "a/.wh.b"},
		tarEnt{name: "l", typ: tar.TypeSymlink, link: "../../x"},
	)
	f.Add(layer)
	f.Add(gz(f, layer))
	f.Add(zst(f, layer))
	f.Add(gz(f, layer)[:40])
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		limits := Limits{MaxLayerBytes: 8 << 20, MaxEntries: 10000, MaxFileBytes: 1 << 20}
		for _, r := range []io.Reader{bytes.NewReader(b), io.MultiReader(bytes.NewReader(b))} {
			_, _ = walkStream(context.Background(), "fuzz", r, limits, func(e *Entry, r io.Reader) error {
				if e.Path == "" || strings.HasPrefix(e.Path, "/") || e.Path == ".." || strings.HasPrefix(e.Path, "../") {
					t.Fatalf("entry path %q is not clean and inside the root", e.Path)
				}
				_, err := io.Copy(io.Discard, r)
				return err
			})
		}
	})
}
