//go:build linux

package sensor

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// pathsEnv makes TestHelperPaths, run as a child, make the calls that
// TestBPFCanonicalPaths checks, in the directory the variable names.
const pathsEnv = "BULKHEAD_TEST_PATHS_DIR"

// TestHelperPaths is the child of TestBPFCanonicalPaths, not a test.
func TestHelperPaths(t *testing.T) {
	dir := os.Getenv(pathsEnv)
	if dir == "" {
		t.Skip("helper process")
	}
	open := func(p string) {
		if fd, err := unix.Open(p, unix.O_RDONLY, 0); err == nil {
			unix.Close(fd)
		}
	}
	open(filepath.Join(dir, "etc") + "/./shadow")
	open("/" + filepath.Join(dir, "etc", "shadow"))
	os.Chdir(filepath.Join(dir, "tmp"))
	open("../etc/shadow")
	os.Chdir("../etc")
	open("shadow")
	open("missing-file") // fails: resolved against the cwd all the same
	if d, err := unix.Open(filepath.Join(dir, "etc"), unix.O_RDONLY|unix.O_DIRECTORY, 0); err == nil {
		if fd, err := unix.Openat(d, "shadow", unix.O_RDONLY, 0); err == nil {
			unix.Close(fd)
		}
		unix.Unlinkat(d, "gone", 0)
		unix.Close(d)
	}
	os.Chdir(filepath.Join(dir, "tmp"))
	open("link-to-shadow")
	unix.Mkdir("newdir", 0o755)
	unix.Symlink("../etc/shadow", "sym")
	unix.Link("../etc/shadow", "hard")
	legacyPathCalls()
	os.Exit(0)
}

// pathEvent is what TestBPFCanonicalPaths compares of an event.
type pathEvent struct {
	Type      string
	Path, Raw string
	Path2     string
}

// TestBPFCanonicalPaths: every spelling of a file's path reaches rules as
// the absolute, clean path the kernel opened, with the argument as given
// in PathRaw: /x/./y, //x/y, ../x/y from a sibling, a name relative to the
// cwd, openat with a directory fd, and a path through a symlink (the
// target). Paths of calls that open nothing are resolved against the cwd
// or the directory fd read in the kernel.
func TestBPFCanonicalPaths(t *testing.T) {
	testenv.RequireBPF(t)
	dir := t.TempDir()
	dir, _ = filepath.EvalSymlinks(dir)
	for _, d := range []string{"etc", "tmp"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	shadow := filepath.Join(dir, "etc", "shadow")
	os.WriteFile(shadow, []byte("x"), 0o600)
	os.WriteFile(filepath.Join(dir, "etc", "gone"), []byte("x"), 0o600)
	os.Symlink(shadow, filepath.Join(dir, "tmp", "link-to-shadow"))

	s, err := Open(Options{Mode: ModeBPF})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperPaths$")
	cmd.Env = append(os.Environ(), pathsEnv+"="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := uint32(cmd.Process.Pid)
	go cmd.Wait()
	var evs []pathEvent
	collect(t, s, 15*time.Second, func(e *event.Event) bool {
		if e.PID != pid {
			return false
		}
		if e.Type == event.Procexit {
			return true
		}
		if !strings.HasPrefix(e.Path, dir) && !strings.HasPrefix(e.PathRaw, dir) && !strings.Contains(e.PathRaw, "shadow") &&
			e.Type != event.Symlink && e.Type != event.Symlinkat && e.PathRaw != "missing-file" {
			return false
		}
		evs = append(evs, pathEvent{e.Type.String(), strings.ReplaceAll(e.Path, dir, "D"), strings.ReplaceAll(e.PathRaw, dir, "D"), strings.ReplaceAll(e.Path2, dir, "D")})
		return false
	})
	want := []pathEvent{
		{"openat", "D/etc/shadow", "D/etc/./shadow", ""},
		{"openat", "D/etc/shadow", "/D/etc/shadow", ""}, // "//" + dir
		{"chdir", "D/tmp", "", ""},                      // proc.cwd follows
		{"openat", "D/etc/shadow", "../etc/shadow", ""},
		{"chdir", "D/etc", "../etc", ""},
		{"openat", "D/etc/shadow", "shadow", ""},
		{"openat", "D/etc/missing-file", "missing-file", ""},
		{"openat", "D/etc", "", ""},
		{"openat", "D/etc/shadow", "shadow", ""},
		{"unlinkat", "D/etc/gone", "gone", ""},
		{"chdir", "D/tmp", "", ""},
		{"openat", "D/etc/shadow", "link-to-shadow", ""},
		{"mkdirat", "D/tmp/newdir", "newdir", ""},
		{"symlinkat", "../etc/shadow", "", "D/tmp/sym"},
		{"linkat", "D/etc/shadow", "../etc/shadow", "D/tmp/hard"},
	}
	want = append(want, legacyPathWant...)
	if diff := cmp.Diff(want, evs); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
}
