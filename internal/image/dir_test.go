package image_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/image"
)

func TestWalkDir(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.MkdirAll(filepath.Join(root, "skip/deep"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/passwd"), []byte("root:x:0:0\n"), 0o644)
	os.WriteFile(filepath.Join(root, "big"), []byte(strings.Repeat("B", 5000)), 0o644)
	os.WriteFile(filepath.Join(root, "skip/deep/x"), []byte("x"), 0o644)
	os.Symlink("loop2", filepath.Join(root, "loop1"))
	os.Symlink("loop1", filepath.Join(root, "loop2"))
	os.Symlink("..", filepath.Join(root, "etc/up"))
	os.Symlink("../../../outside", filepath.Join(root, "etc/out"))
	os.Symlink(root, filepath.Join(root, "self"))
	syscall.Mkfifo(filepath.Join(root, "fifo"), 0o644)
	devErr := syscall.Mknod(filepath.Join(root, "null"), syscall.S_IFCHR|0o666, 1<<8|3)

	img, err := image.Open(context.Background(), "dir:"+root)
	if err != nil {
		t.Fatal(err)
	}
	if img.Source != image.SourceDir || len(img.Layers) != 1 {
		t.Fatalf("source %s, %d layers", img.Source, len(img.Layers))
	}
	var got []string
	st, err := img.WalkLayer(context.Background(), 0, image.Limits{MaxFileBytes: 1000}, func(e *image.Entry, r io.Reader) error {
		b, err := io.ReadAll(r)
		s := e.Path + " " + e.Type.String()
		if e.Type == image.TypeSymlink {
			s += " -> " + e.Linkname
		}
		if e.OutsideRoot {
			s += " (outside)"
		}
		if e.TooLarge {
			s += " (too large)"
		}
		if len(b) > 0 {
			s += " = " + string(b)
		}
		got = append(got, s)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"big regular (too large)",
		"etc dir",
		"etc/out symlink -> ../../../outside (outside)",
		"etc/passwd regular = root:x:0:0\n",
		"etc/up symlink -> ..",
		"fifo fifo",
		"loop1 symlink -> loop2",
		"loop2 symlink -> loop1",
		"null device",
		"self symlink -> " + root,
		"skip dir",
		"skip/deep dir",
		"skip/deep/x regular = x",
	}
	if devErr != nil {
		want = slicesWithout(want, "null device")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("walk (-want +got):\n%s", diff)
	}
	if len(st.Warnings) == 0 {
		t.Error("no warnings for the escaping symlink and the big file")
	}

	// Skip prunes directories; MaxEntries stops the walk.
	var paths []string
	_, err = image.WalkDir(context.Background(), root, image.DirOptions{Skip: func(p string, isDir bool) bool { return p == "skip" }},
		func(e *image.Entry, _ io.Reader) error { paths = append(paths, e.Path); return nil })
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if strings.HasPrefix(p, "skip") {
			t.Errorf("skipped path %s was walked", p)
		}
	}
	st, err = image.WalkDir(context.Background(), root, image.DirOptions{Limits: image.Limits{MaxEntries: 3}},
		func(*image.Entry, io.Reader) error { return nil })
	if !errors.Is(err, image.ErrLimit) || !st.Truncated {
		t.Errorf("MaxEntries: err %v, truncated %v", err, st.Truncated)
	}
}

func slicesWithout(s []string, drop string) []string {
	var out []string
	for _, v := range s {
		if v != drop {
			out = append(out, v)
		}
	}
	return out
}
