//go:build linux && (amd64 || arm64)

package sensor

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// copyExecutable copies the file behind /bin/true to dst, mode 0755.
func copyExecutable(t *testing.T, dst string) {
	t.Helper()
	src, err := filepath.EvalSymlinks("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestBPFExecOverlayLayer: an exec from an overlay mount is told apart in
// the kernel, from the inode run: a file of the lower layer is not in the
// upper layer, a file written through the mount is. The sensor is opened
// before anything is mounted: where overlayfs is a module not yet loaded
// (a sensor started before Docker), Open loads it, so that the program
// knows struct ovl_inode (ExeLayerKnown); scripts/arm64-sensor-test.sh
// runs this on a modular kernel with the module unloaded.
func TestBPFExecOverlayLayer(t *testing.T) {
	testenv.RequireBPF(t)
	s, err := Open(Options{Mode: ModeBPF})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()

	// a tmpfs of its own: the upper layer needs a file system overlayfs
	// accepts, whatever /tmp is
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=64m"); err != nil {
		t.Fatalf("mount tmpfs: %v", err)
	}
	defer unix.Unmount(dir, unix.MNT_DETACH)
	lower, upper, work, merged := filepath.Join(dir, "lower"), filepath.Join(dir, "upper"), filepath.Join(dir, "work"), filepath.Join(dir, "merged")
	for _, d := range []string{upper, work, merged} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyExecutable(t, filepath.Join(lower, "bin", "true"))
	err = unix.Mount("overlay", merged, "overlay", 0, "lowerdir="+lower+",upperdir="+upper+",workdir="+work)
	if errors.Is(err, unix.ENODEV) {
		t.Skip("the kernel has no overlay file system")
	}
	if err != nil {
		t.Fatalf("mount overlay: %v", err)
	}
	defer unix.Unmount(merged, unix.MNT_DETACH)
	// written through the mount: the upper layer
	copyExecutable(t, filepath.Join(merged, "new", "true"))

	type layer struct{ Known, Upper bool }
	got := map[string]layer{}
	for _, p := range []string{filepath.Join(merged, "bin", "true"), filepath.Join(merged, "new", "true")} {
		cmd := exec.Command(p)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pid := uint32(cmd.Process.Pid)
		go cmd.Wait()
		collect(t, s, 10*time.Second, func(e *event.Event) bool {
			if e.PID != pid || e.Type != event.Execve {
				return false
			}
			rel, _ := filepath.Rel(merged, e.ExePath)
			got[rel] = layer{e.ExeLayerKnown, e.ExeUpperLayer}
			return true
		})
	}
	want := map[string]layer{"bin/true": {true, false}, "new/true": {true, true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("execs on the overlay (-want +got):\n%s", diff)
	}
}
