//go:build linux

package sensor

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

const syscallsEnv = "BULKHEAD_TEST_SYSCALLS_DIR"

// TestHelperSyscalls is the child of TestBPFNewSyscalls, not a test.
func TestHelperSyscalls(t *testing.T) {
	dir := os.Getenv(syscallsEnv)
	if dir == "" {
		t.Skip("helper process")
	}
	if fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0); err == nil {
		unix.Dup2(fd, 100)
		unix.Sendto(fd, []byte("x"), 0, &unix.SockaddrInet4{Port: 9, Addr: [4]byte{127, 0, 0, 1}})
		unix.Close(fd)
	}
	unix.Syscall(unix.SYS_BPF, 0xffff, 0, 0)       // an unknown command: EINVAL
	unix.Syscall(unix.SYS_USERFAULTFD, 0, 0, 0)    // refused or not, the call is seen
	noexec := filepath.Join(dir, "not-executable") // mode 0644: EACCES
	p, _ := unix.BytePtrFromString(noexec)
	argv := []*byte{p, nil}
	unix.Syscall(unix.SYS_EXECVE, uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(&argv[0])), 0)
	missing, _ := unix.BytePtrFromString(filepath.Join(dir, "missing")) // ENOENT: a PATH miss, not sent
	unix.Syscall(unix.SYS_EXECVE, uintptr(unsafe.Pointer(missing)), uintptr(unsafe.Pointer(&argv[0])), 0)
	os.Exit(0)
}

// TestBPFNewSyscalls: socket (domain, descriptor), dup2 (x/sys uses dup3) of a socket (its
// class read in the kernel), sendto (destination), bpf (command),
// userfaultfd, and a failed execve (EACCES sent, ENOENT not) reach user
// space decoded.
func TestBPFNewSyscalls(t *testing.T) {
	testenv.RequireBPF(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "not-executable"), []byte("x"), 0o644)
	s, err := Open(Options{Mode: ModeBPF})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSyscalls$")
	cmd.Env = append(os.Environ(), syscallsEnv+"="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := uint32(cmd.Process.Pid)
	go cmd.Wait()
	type seen struct{ Socket, Dup, Sendto, BPF, Userfaultfd, ExecRefused, ExecMissing bool }
	var got seen
	var types []string
	collect(t, s, 15*time.Second, func(e *event.Event) bool {
		if e.PID != pid {
			return false
		}
		types = append(types, e.Type.String())
		switch e.Type {
		case event.Socket:
			got.Socket = got.Socket || e.Family == event.AFInet && e.Proto == event.ProtoUDP && e.FD >= 0 && e.FD == int32(e.Ret)
		case event.Dup2, event.Dup3:
			got.Dup = got.Dup || e.Ret == 100 && e.FDType == event.FDIPv4
		case event.Sendto:
			got.Sendto = got.Sendto || e.DPort == 9 && e.DAddr.String() == "127.0.0.1" && e.FDType == event.FDIPv4
		case event.BPF:
			got.BPF = got.BPF || e.Request == 0xffff && e.Ret < 0
		case event.Userfaultfd:
			got.Userfaultfd = true
		case event.Execve:
			if e.Ret == -int64(unix.EACCES) && e.Path == filepath.Join(dir, "not-executable") {
				got.ExecRefused = true
			}
			if e.Ret < 0 && e.Path == filepath.Join(dir, "missing") {
				got.ExecMissing = true
			}
		case event.Procexit:
			return true
		}
		return false
	})
	if diff := cmp.Diff(seen{true, true, true, true, true, true, false}, got); diff != "" {
		t.Errorf("events of pid %d (-want +got):\n%s\nevents seen: %v\nstats: %+v", pid, diff, types, s.Stats())
	}
}
