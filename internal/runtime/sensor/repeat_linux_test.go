//go:build linux && (amd64 || arm64)

package sensor

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// repeatEnv makes the test binary, run as a child, open files in a folder
// in the order TestBPFRepeatWindow expects and exit; repeatEnv+"_STAGE" is
// "2" after the child re-executes itself, repeatEnv+"_WINDOW" the window.
const repeatEnv = "BULKHEAD_SENSOR_REPEAT_DIR"

// The child's steps run in init, on the main thread (the runtime keeps the
// main goroutine there during init): an exec from another thread would
// make the kernel end the thread group leader first, which the sensor
// reports as the process's exit.
func init() {
	if os.Getenv(repeatEnv) == "" {
		return
	}
	if err := repeatSteps(os.Getenv(repeatEnv)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// repeatSteps is the child of TestBPFRepeatWindow.
func repeatSteps(dir string) error {
	// one CPU: the repeat slots are per CPU
	runtime.LockOSThread()
	var cpus unix.CPUSet
	cpus.Set(0)
	if err := unix.SchedSetaffinity(0, &cpus); err != nil {
		return err
	}
	open := func(name string, flags, n int) {
		for range n {
			if fd, err := unix.Open(filepath.Join(dir, name), flags|unix.O_CLOEXEC, 0); err == nil {
				unix.Close(fd)
			}
		}
	}
	if os.Getenv(repeatEnv+"_STAGE") != "2" {
		// The order matters: slots are direct-mapped, and the last open
		// of a before the exec must be the one repeated after it.
		open("b", unix.O_RDONLY, 2)                 // a hard link to a: sent once, 1 repeat
		open("a", unix.O_RDONLY|unix.O_NONBLOCK, 2) // another name: sent once, 1 repeat
		open("a", unix.O_RDONLY, 5)                 // other flags: sent once, 4 repeats
		open("missing", unix.O_RDONLY, 2)           // failed opens: always sent
		self, err := os.Executable()
		if err != nil {
			return err
		}
		err = unix.Exec(self, []string{self}, append(os.Environ(), repeatEnv+"_STAGE=2"))
		return fmt.Errorf("exec: %w", err)
	}
	open("a", unix.O_RDONLY, 2) // a new process image: sent once, 1 repeat
	name, err := unix.BytePtrFromString("renamed")
	if err != nil {
		return err
	}
	if err := unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(name)), 0, 0, 0); err != nil {
		return err
	}
	open("a", unix.O_RDONLY, 1) // another process name: sent
	window, err := time.ParseDuration(os.Getenv(repeatEnv + "_WINDOW"))
	if err != nil {
		return err
	}
	time.Sleep(window + window/2)
	open("a", unix.O_RDONLY, 1) // the window has passed: sent
	return nil
}

// TestBPFRepeatWindow checks Options.RepeatWindow on the real kernel: an
// open that repeats one sent within the window is counted and not sent,
// while other flags, another name for the same file, a failed open, a new
// process image (exec), a new process name, and the end of the window each
// send the open again.
func TestBPFRepeatWindow(t *testing.T) {
	testenv.RequireBPF(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(dir, "a"), filepath.Join(dir, "b")); err != nil {
		t.Fatal(err)
	}
	const window = 400 * time.Millisecond
	s, err := Open(Options{Mode: ModeBPF, RepeatWindow: window})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), repeatEnv+"="+dir, repeatEnv+"_WINDOW="+window.String())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	type open struct {
		Name     string
		Comm     string
		NonBlock bool
		Failed   bool
	}
	var got []open
	pid := uint32(cmd.Process.Pid)
	collect(t, s, 20*time.Second, func(e *event.Event) bool {
		if e.PID != pid {
			return false
		}
		switch e.Type {
		case event.Openat, event.Open:
			if filepath.Dir(e.Path) == dir {
				got = append(got, open{filepath.Base(e.Path), e.Comm, e.Flags&unix.O_NONBLOCK != 0, e.Ret < 0})
			}
		case event.Procexit:
			return true
		}
		return false
	})
	if err := <-waited; err != nil {
		t.Fatalf("helper: %v", err)
	}
	comm := filepath.Base(os.Args[0])
	if len(comm) > 15 {
		comm = comm[:15]
	}
	want := []open{
		{"b", comm, false, false},
		{"a", comm, true, false},
		{"a", comm, false, false},
		{"missing", comm, false, true},
		{"missing", comm, false, true},
		{"a", comm, false, false}, // after exec
		{"a", "renamed", false, false},
		{"a", "renamed", false, false}, // after the window
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("opens sent (-want +got):\n%s", diff)
	}
	if st := s.Stats(); st.OpensRepeated < 7 {
		t.Errorf("stats = %+v, want OpensRepeated >= 7", st)
	}
}

// TestRepeatWindowNegative checks that a negative window is refused
// whichever back end would be used.
func TestRepeatWindowNegative(t *testing.T) {
	if _, err := Open(Options{Mode: ModeFallback, RepeatWindow: -time.Second}); err == nil {
		t.Fatal("Open accepted a negative repeat window")
	}
}
