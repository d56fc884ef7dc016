//go:build linux && (amd64 || arm64)

package sensor

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// TestLayout checks the decoder's offsets against the struct bpf2go
// generated from bpf/sensor.c.
func TestLayout(t *testing.T) {
	var e bpfSensorEvent
	got := []uintptr{unsafe.Offsetof(e.TsNs), unsafe.Offsetof(e.CgroupId), unsafe.Offsetof(e.CgroupV1Id),
		unsafe.Offsetof(e.Ret), unsafe.Offsetof(e.Args), unsafe.Offsetof(e.Kind), unsafe.Offsetof(e.Syscall),
		unsafe.Offsetof(e.Pid), unsafe.Offsetof(e.Tid), unsafe.Offsetof(e.Ppid), unsafe.Offsetof(e.Vpid),
		unsafe.Offsetof(e.Uid), unsafe.Offsetof(e.Gid), unsafe.Offsetof(e.Euid), unsafe.Offsetof(e.Egid),
		unsafe.Offsetof(e.Mntns), unsafe.Offsetof(e.Pidns), unsafe.Offsetof(e.Netns), unsafe.Offsetof(e.ExitCode),
		unsafe.Offsetof(e.PathLen), unsafe.Offsetof(e.Path2Len), unsafe.Offsetof(e.ArgvLen), unsafe.Offsetof(e.AddrLen),
		unsafe.Offsetof(e.Path3Len), unsafe.Offsetof(e.Pflags),
		unsafe.Offsetof(e.Comm), unsafe.Offsetof(e.CgroupName), unsafe.Offsetof(e.Addr), unsafe.Offsetof(e.Path),
		unsafe.Offsetof(e.Path2), unsafe.Offsetof(e.Path3), unsafe.Offsetof(e.Argv), unsafe.Sizeof(e)}
	want := []uintptr{offTS, offCgroupID, offCgroupV1ID, offRet, offArgs, offKind, offSyscall, offPID, offTID,
		offPPID, offVPID, offUID, offGID, offEUID, offEGID, offMntNS, offPidNS, offNetNS, offExitCode,
		offPathLen, offPath2Len, offArgvLen, offAddrLen, offPath3Len, offPFlags, offComm, offCgroupName, offAddr, offPath, offPath2,
		offPath3, offArgv, RecordSize}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("record layout (-want +got):\n%s", diff)
	}
	if len(e.Path) != lenPath || len(e.Argv) != lenArgv || len(e.Addr) != lenAddr || len(e.CgroupName) != lenCgroupName {
		t.Errorf("buffer sizes differ from the decoder's")
	}
}

func TestBPFSeesExecOpenExit(t *testing.T) {
	testenv.RequireBPF(t)
	s, err := Open(Options{Mode: ModeBPF})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	// the programs are attached: events wait in the ring buffer until Run
	cmd := exec.Command("/bin/cat", "/etc/hostname", "/nonexistent-bulkhead")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go cmd.Wait()
	type seen struct{ Exec, Args, Open, OpenFail, Exit bool }
	var got seen
	pid := uint32(cmd.Process.Pid)
	collect(t, s, 10*time.Second, func(e *event.Event) bool {
		if e.PID != pid {
			return false
		}
		switch e.Type {
		case event.Execve:
			// Path is the name exec was given; ExePath the file run, by
			// the kernel (on a merged /usr, /bin is a link to usr/bin)
			real, _ := filepath.EvalSymlinks("/bin/cat")
			got.Exec = e.Path == "/bin/cat" && e.ExePath == real
			got.Args = cmp.Equal(e.Args, []string{"/bin/cat", "/etc/hostname", "/nonexistent-bulkhead"})
		case event.Openat, event.Open:
			if e.Path == "/etc/hostname" && e.Ret >= 0 && (e.Type == event.Open || e.FD == -100) {
				got.Open = true
			}
			if e.Path == "/nonexistent-bulkhead" && e.Ret == -2 {
				got.OpenFail = true
			}
		case event.Procexit:
			got.Exit = e.Ret == 256 // exit status 1 << 8
			return true
		}
		return false
	})
	if diff := cmp.Diff(seen{true, true, true, true, true}, got); diff != "" {
		t.Errorf("events of pid %d (-want +got):\n%s", pid, diff)
	}
	st := s.Stats()
	if st.Events == 0 || st.DecodeErrors != 0 {
		t.Errorf("stats = %+v", st)
	}
	t.Logf("stats %+v", st)
}

// TestBPFRunStopsWhenIdle checks that Run returns soon after its context
// ends even when no record arrives (the filter lets nothing through).
func TestBPFRunStopsWhenIdle(t *testing.T) {
	testenv.RequireBPF(t)
	s, err := Open(Options{Mode: ModeBPF, Filter: FilterCgroups}) // no cgroups: nothing passes
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, make(chan *event.Event)) }()
	time.Sleep(300 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5s of cancel")
	}
}

// TestBPFOpenPrefixes checks that with Options.OpenPrefixes an open outside
// them is counted and not sent, one inside is sent, and exec/exit are not
// affected.
func TestBPFOpenPrefixes(t *testing.T) {
	testenv.RequireBPF(t)
	outside := filepath.Join(t.TempDir(), "outside")
	if err := os.WriteFile(outside, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(Options{Mode: ModeBPF, OpenPrefixes: []string{"/etc/host"}})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	// other spellings of a path inside a prefix are decided on the file
	// opened, not skipped for their spelling
	cmd := exec.Command("/bin/cat", "/etc/hostname", outside, "/etc/passwd", "//etc/hostname", "/tmp/../etc/hostname")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go cmd.Wait()
	var opens []string
	exited := false
	pid := uint32(cmd.Process.Pid)
	collect(t, s, 10*time.Second, func(e *event.Event) bool {
		if e.PID != pid {
			return false
		}
		switch e.Type {
		case event.Openat, event.Open:
			opens = append(opens, e.Path)
		case event.Procexit:
			exited = true
			return true
		}
		return false
	})
	if diff := cmp.Diff([]string{"/etc/hostname", "/etc/hostname", "/etc/hostname"}, opens); diff != "" || !exited {
		t.Errorf("opens of pid %d (-want +got):\n%s\nexit seen: %v", pid, diff, exited)
	}
	// at least the file outside, /etc/passwd and cat's libraries
	if st := s.Stats(); st.OpensSkipped < 2 {
		t.Errorf("stats = %+v, want OpensSkipped >= 2", st)
	}
}

// TestBPFExecStdio checks that an exec record carries the controlling
// terminal, the session, what stdin and stdout are and the executable's
// inode, read by the program at the exec: a child leading a new session
// with a pty as its terminal, a TCP socket as stdin and a pipe as stdout.
func TestBPFExecStdio(t *testing.T) {
	testenv.RequireBPF(t)
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	defer ptmx.Close()
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer pts.Close()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conn, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sock, err := conn.(*net.TCPConn).File()
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()

	s, err := Open(Options{Mode: ModeBPF})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	cmd := exec.Command("/bin/true")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = sock, pw, pts
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 2}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	go cmd.Wait()
	type stdio struct {
		Known         bool
		TTY, SID      uint32
		Stdin, Stdout event.FDType
		Ino           uint64
		Mtime, Ctime  int64
	}
	var got stdio
	pid := uint32(cmd.Process.Pid)
	collect(t, s, 10*time.Second, func(e *event.Event) bool {
		if e.PID != pid || e.Type != event.Execve {
			return false
		}
		got = stdio{e.ExecStdio, e.TTY, e.SID, e.StdinType, e.StdoutType, e.ExeIno, e.ExeMtime.UnixNano(), e.ExeCtime.UnixNano()}
		return true
	})
	// /dev/pts/N is major 136, minor N, as /proc/PID/stat encodes it
	tty := uint32(n&0xff | 136<<8 | (n&^0xff)<<12)
	var st unix.Stat_t
	if err := unix.Stat("/bin/true", &st); err != nil {
		t.Fatal(err)
	}
	// Setsid: the child leads its own session
	want := stdio{true, tty, pid, event.FDIPv4, event.FDPipe, st.Ino, st.Mtim.Nano(), st.Ctim.Nano()}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("exec of pid %d (-want +got):\n%s", pid, diff)
	}
}
