// Command attack performs one in-container attack behaviour for the
// acceptance test (TestAttacksInContainers), for what busybox cannot do
// itself: fileless execution from a memfd, a packet socket, ptrace attach
// and PTRACE_TRACEME, a kernel module load, UDP sent by a program named
// like a core utility, and a shell spawned by a program named like a web
// server. "noop" exits 0; "sleep N" sleeps N seconds.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

func main() {
	if filepath.Base(os.Args[0]) == "nginx" {
		// a "web server" running a command through a shell
		out, err := exec.Command("/bin/sh", "-c", "id").CombinedOutput()
		fmt.Printf("%s %v\n", out, err)
		return
	}
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: attack noop|sleep N|memfd|packet|ptrace|traceme|module|udp ADDR")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "noop":
	case "sleep":
		n, _ := strconv.Atoi(os.Args[2])
		time.Sleep(time.Duration(n) * time.Second)
	case "memfd":
		err = memfdExec()
	case "packet":
		var fd int
		fd, err = syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW, 0x0300) // htons(ETH_P_ALL)
		if err == nil {
			syscall.Close(fd)
		}
	case "ptrace":
		err = ptraceAttach()
	case "traceme":
		_, _, e := syscall.RawSyscall(syscall.SYS_PTRACE, syscall.PTRACE_TRACEME, 0, 0)
		if e != 0 {
			err = e
		}
	case "module":
		// an empty image: the kernel refuses it (EPERM without
		// CAP_SYS_MODULE), the attempt is what counts
		buf := make([]byte, 64)
		p, _ := syscall.BytePtrFromString("")
		_, _, e := syscall.Syscall(syscall.SYS_INIT_MODULE, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), uintptr(unsafe.Pointer(p)))
		if e != 0 {
			err = e
		}
	case "udp":
		err = udp(os.Args[2])
	default:
		err = fmt.Errorf("unknown action %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, os.Args[1]+":", err)
		os.Exit(1)
	}
}

// memfdExec copies this program into a memfd and runs it from there.
func memfdExec() error {
	fd, err := unix.MemfdCreate("payload", 0) // the number differs between x86_64 and arm64
	if err != nil {
		return err
	}
	self, err := os.ReadFile("/proc/self/exe")
	if err != nil {
		return err
	}
	if _, err := syscall.Write(int(fd), self); err != nil {
		return err
	}
	return syscall.Exec(fmt.Sprintf("/proc/self/fd/%d", fd), []string{"payload", "noop"}, os.Environ())
}

// ptraceAttach starts a child and attaches to it.
func ptraceAttach() error {
	cmd := exec.Command("/proc/self/exe", "sleep", "5")
	if err := cmd.Start(); err != nil {
		return err
	}
	defer cmd.Process.Kill()
	time.Sleep(100 * time.Millisecond)
	if err := syscall.PtraceAttach(cmd.Process.Pid); err != nil {
		return err
	}
	var ws syscall.WaitStatus
	syscall.Wait4(cmd.Process.Pid, &ws, 0, nil)
	return syscall.PtraceDetach(cmd.Process.Pid)
}

// udp sends one datagram with sendto.
func udp(addr string) error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	host, port := addr, 9
	if i := len(addr) - 1; i > 0 {
		for j := len(addr) - 1; j >= 0; j-- {
			if addr[j] == ':' {
				host = addr[:j]
				port, _ = strconv.Atoi(addr[j+1:])
				break
			}
		}
	}
	var ip [4]byte
	fmt.Sscanf(host, "%d.%d.%d.%d", &ip[0], &ip[1], &ip[2], &ip[3])
	return syscall.Sendto(fd, []byte("x"), 0, &syscall.SockaddrInet4{Port: port, Addr: ip})
}
