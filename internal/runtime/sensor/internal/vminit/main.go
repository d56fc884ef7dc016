//go:build linux

// Command vminit is PID 1 of the throwaway arm64 virtual machine in which
// scripts/arm64-sensor-test.sh runs the sensor's tests on a real arm64
// kernel (QEMU, initramfs only, no disk). It mounts the kernel file
// systems the tests use (proc, sysfs, devtmpfs, devpts, tmpfs on /tmp,
// tracefs, bpf, cgroup2), brings the loopback interface up, logs what the
// kernel offers (release, BTF), runs the package's test binary from /pkg
// as /pkg/args says (one argument a line; runs separated by "--"; a line
// "@symlink TARGET NAME" makes a link before its run), prints one result
// line, and powers the machine off.
//
// The result line is the last word on the run and the only thing the
// script trusts:
//
//	BULKHEAD-VM-RESULT: PASS exit=0
//	BULKHEAD-VM-RESULT: FAIL exit=N reason
//
// Without it (a kernel panic, a hang ended by the script's timeout) the
// run failed.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// resultPrefix starts the line the script looks for.
const resultPrefix = "BULKHEAD-VM-RESULT:"

func main() {
	code, reason := run()
	if code == 0 {
		fmt.Printf("\n%s PASS exit=0\n", resultPrefix)
	} else {
		fmt.Printf("\n%s FAIL exit=%d %s\n", resultPrefix, code, reason)
	}
	os.Stdout.Sync()
	unix.Sync()
	if os.Getpid() == 1 {
		// PID 1 must not return: the kernel would panic
		unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
		select {}
	}
	os.Exit(code)
}

// mount is one file system vminit mounts.
type mount struct {
	source, target, fstype, data string
	optional                     bool
}

var mounts = []mount{
	{"proc", "/proc", "proc", "", false},
	{"sysfs", "/sys", "sysfs", "", false},
	{"devtmpfs", "/dev", "devtmpfs", "", false},
	{"devpts", "/dev/pts", "devpts", "ptmxmode=0666,mode=0620", false},
	{"tmpfs", "/dev/shm", "tmpfs", "", false},
	{"tmpfs", "/tmp", "tmpfs", "", false},
	{"tmpfs", "/run", "tmpfs", "", false},
	{"tracefs", "/sys/kernel/tracing", "tracefs", "", true},
	{"debugfs", "/sys/kernel/debug", "debugfs", "", true},
	{"bpf", "/sys/fs/bpf", "bpf", "", true},
	{"cgroup2", "/sys/fs/cgroup", "cgroup2", "", true},
}

// run prepares the machine and runs the tests; it returns the exit code
// and, when not 0, why.
func run() (int, string) {
	start := time.Now()
	for _, m := range mounts {
		if err := os.MkdirAll(m.target, 0o755); err != nil {
			return 2, err.Error()
		}
		if err := unix.Mount(m.source, m.target, m.fstype, 0, m.data); err != nil && !errors.Is(err, unix.EBUSY) {
			if m.optional {
				fmt.Printf("vminit: mount %s on %s: %v (optional)\n", m.fstype, m.target, err)
				continue
			}
			return 2, fmt.Sprintf("mount %s on %s: %v", m.fstype, m.target, err)
		}
	}
	if err := loopbackUp(); err != nil {
		return 2, "loopback: " + err.Error()
	}
	if err := unix.Sethostname([]byte("bulkhead-arm64")); err != nil {
		return 2, "sethostname: " + err.Error()
	}
	var u unix.Utsname
	unix.Uname(&u)
	fmt.Printf("vminit: %s %s %s\n", unix.ByteSliceToString(u.Sysname[:]), unix.ByteSliceToString(u.Release[:]), unix.ByteSliceToString(u.Machine[:]))
	if st, err := os.Stat("/sys/kernel/btf/vmlinux"); err == nil {
		fmt.Printf("vminit: /sys/kernel/btf/vmlinux: %d bytes\n", st.Size())
	} else {
		fmt.Printf("vminit: no kernel BTF: %v\n", err)
	}
	if b, err := os.ReadFile("/proc/uptime"); err == nil {
		fmt.Printf("vminit: uptime at init %s", b)
	}

	runs, err := readRuns("/pkg/args")
	if err != nil {
		return 2, err.Error()
	}
	failed := 0
	var reasons []string
	for i, r := range runs {
		for _, l := range r.links {
			os.MkdirAll(filepath.Dir(l[1]), 0o755)
			if err := os.Symlink(l[0], l[1]); err != nil {
				return 2, err.Error()
			}
			fmt.Printf("vminit: %s -> %s\n", l[1], l[0])
		}
		code, reason := runTests(r.argv)
		mods, _ := os.ReadFile("/proc/modules")
		fmt.Printf("vminit: run %d of %d: exit %d; modules loaded: %q\n", i+1, len(runs), code, mods)
		if code != 0 {
			failed = code
			reasons = append(reasons, fmt.Sprintf("run %d: %s", i+1, reason))
		}
	}
	fmt.Printf("vminit: %.1fs since init started\n", time.Since(start).Seconds())
	return failed, strings.Join(reasons, "; ")
}

// testRun is one run of a program, after the links it needs are made.
type testRun struct {
	links [][2]string // target, link name
	argv  []string
}

// readRuns reads the runs in file: one argument a line, runs separated by
// a line "--"; a line "@symlink TARGET NAME" makes a link before its run
// (the second run of scripts/arm64-sensor-test.sh gets /sbin/modprobe so
// that the kernel can load a module).
func readRuns(file string) ([]testRun, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return parseRuns(file, string(b))
}

// parseRuns parses the text of readRuns' file, named file in errors.
func parseRuns(file, text string) ([]testRun, error) {
	var runs []testRun
	var cur testRun
	end := func() error {
		if len(cur.argv) == 0 {
			return fmt.Errorf("%s: a run without a program", file)
		}
		runs = append(runs, cur)
		cur = testRun{}
		return nil
	}
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		switch f := strings.Fields(l); {
		case l == "":
		case l == "--":
			if err := end(); err != nil {
				return nil, err
			}
		case f[0] == "@symlink" && len(f) == 3:
			cur.links = append(cur.links, [2]string{f[1], f[2]})
		case strings.HasPrefix(l, "@"):
			return nil, fmt.Errorf("%s: unknown directive %q", file, l)
		default:
			cur.argv = append(cur.argv, l)
		}
	}
	if err := end(); err != nil {
		return nil, err
	}
	return runs, nil
}

// runTests runs argv from /pkg as root with BULKHEAD_REQUIRE_BPF=1 and the
// variables in /pkg/env, its output on the console.
func runTests(argv []string) (int, string) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = "/pkg"
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stdout
	cmd.Env = []string{"PATH=/bin:/sbin:/usr/bin", "HOME=/root", "TMPDIR=/tmp", "BULKHEAD_REQUIRE_BPF=1"}
	if extra, err := os.ReadFile("/pkg/env"); err == nil {
		for _, l := range bytes.Split(extra, []byte("\n")) {
			if l = bytes.TrimSpace(l); len(l) > 0 {
				cmd.Env = append(cmd.Env, string(l))
			}
		}
	}
	fmt.Printf("vminit: running %s\n", strings.Join(argv, " "))
	t0 := time.Now()
	err := cmd.Run()
	fmt.Printf("vminit: the run took %.1fs\n", time.Since(t0).Seconds())
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, ""
	case errors.As(err, &ee):
		return ee.ExitCode(), ee.String()
	default:
		return 2, err.Error()
	}
}

// loopbackUp sets IFF_UP on lo; the kernel then gives it 127.0.0.1/8 and
// ::1.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}
