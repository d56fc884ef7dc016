//go:build linux

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// member is what the test reads back of a newc entry.
type member struct {
	Mode         uint64
	Major, Minor uint64
	Data         string
}

// readNewc parses a newc archive the way the kernel's initramfs unpacker
// does: a 110-byte header, the name, then the data, each padded to 4.
func readNewc(t *testing.T, b []byte) map[string]member {
	t.Helper()
	out := map[string]member{}
	field := func(h []byte, i int) uint64 {
		v, err := strconv.ParseUint(string(h[6+8*i:6+8*i+8]), 16, 32)
		if err != nil {
			t.Fatalf("header field %d: %v", i, err)
		}
		return v
	}
	align := func(n int) int { return (n + 3) &^ 3 }
	for off := 0; ; {
		if off+110 > len(b) || string(b[off:off+6]) != "070701" {
			t.Fatalf("no newc header at %d", off)
		}
		h := b[off : off+110]
		size, nameSize := int(field(h, 6)), int(field(h, 11))
		name := string(b[off+110 : off+110+nameSize-1])
		if b[off+110+nameSize-1] != 0 {
			t.Fatalf("%s: name not NUL-terminated", name)
		}
		data := align(off + 110 + nameSize)
		if name == "TRAILER!!!" {
			if end := align(data + size); end != len(b) {
				t.Errorf("archive ends at %d, trailer at %d", len(b), end)
			}
			return out
		}
		out[name] = member{field(h, 1), field(h, 9), field(h, 10), string(b[data : data+size])}
		off = align(data + size)
	}
}

func TestPack(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "bin"), 0o755)
	os.WriteFile(filepath.Join(dir, "bin", "busybox"), []byte("\x7fELF12345"), 0o755)
	os.Symlink("busybox", filepath.Join(dir, "bin", "cat"))
	os.WriteFile(filepath.Join(dir, "init"), []byte("abc"), 0o700)
	os.WriteFile(filepath.Join(dir, "empty"), nil, 0o644)
	// whatever the umask
	for name, mode := range map[string]os.FileMode{"bin": 0o755, "bin/busybox": 0o755, "init": 0o700, "empty": 0o644} {
		if err := os.Chmod(filepath.Join(dir, name), mode); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "initramfs.cpio")
	if err := pack(dir, out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]member{
		"bin":         {Mode: 0o40755},
		"bin/busybox": {Mode: 0o100755, Data: "\x7fELF12345"},
		"bin/cat":     {Mode: 0o120777, Data: "busybox"},
		"dev":         {Mode: 0o40755},
		"dev/console": {Mode: 0o20600, Major: 5, Minor: 1},
		"empty":       {Mode: 0o100644},
		"init":        {Mode: 0o100700, Data: "abc"},
	}
	if diff := cmp.Diff(want, readNewc(t, b)); diff != "" {
		t.Errorf("archive (-want +got):\n%s", diff)
	}
	// a FIFO is refused rather than written as something else
	if err := unix.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := pack(dir, out); err == nil || !bytes.Contains([]byte(err.Error()), []byte("fifo")) {
		t.Errorf("pack with a FIFO: %v", err)
	}
}
