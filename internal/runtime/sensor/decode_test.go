package sensor

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
)

// onX86 makes d decode with the x86_64 syscall numbers, which the records
// of these tests use, on any architecture.
func onX86(d Decoder) Decoder {
	d.sys = syscallsAMD64
	return d
}

// rec describes a record for the test builder.
type rec struct {
	kind, syscall          uint32
	ret                    int64
	args                   [4]uint64
	pid, ppid, uid, euid   uint32
	comm, cgroup           string
	path, path2, argv      string
	path3                  string
	pflags                 uint16
	addr                   []byte
	exitCode               uint32
	ts                     uint64
	badPathLen, badArgvLen bool
}

func (r rec) bytes() []byte {
	b := make([]byte, RecordSize)
	le := binary.LittleEndian
	le.PutUint64(b[offTS:], r.ts)
	le.PutUint64(b[offCgroupV1ID:], 77)
	le.PutUint64(b[offRet:], uint64(r.ret))
	for i, a := range r.args {
		le.PutUint64(b[offArgs+8*i:], a)
	}
	le.PutUint32(b[offKind:], r.kind)
	le.PutUint32(b[offSyscall:], r.syscall)
	le.PutUint32(b[offPID:], r.pid)
	le.PutUint32(b[offTID:], r.pid)
	le.PutUint32(b[offPPID:], r.ppid)
	le.PutUint32(b[offVPID:], 1)
	le.PutUint32(b[offUID:], r.uid)
	le.PutUint32(b[offEUID:], r.euid)
	le.PutUint32(b[offPidNS:], 4026531836)
	le.PutUint32(b[offExitCode:], r.exitCode)
	copy(b[offComm:offComm+lenComm-1], r.comm)
	copy(b[offCgroupName:offCgroupName+lenCgroupName-1], r.cgroup)
	copy(b[offPath:], r.path)
	copy(b[offPath2:], r.path2)
	copy(b[offPath3:], r.path3)
	le.PutUint16(b[offPath3Len:], uint16(len(r.path3)))
	le.PutUint16(b[offPFlags:], r.pflags)
	copy(b[offArgv:offArgv+lenArgv], r.argv)
	copy(b[offAddr:offAddr+lenAddr], r.addr)
	le.PutUint16(b[offPathLen:], uint16(len(r.path)))
	le.PutUint16(b[offPath2Len:], uint16(len(r.path2)))
	le.PutUint16(b[offArgvLen:], uint16(len(r.argv)))
	le.PutUint16(b[offAddrLen:], uint16(len(r.addr)))
	if r.badPathLen {
		le.PutUint16(b[offPathLen:], lenPath)
	}
	if r.badArgvLen {
		le.PutUint16(b[offArgvLen:], lenArgv+1)
	}
	// end the record where the BPF program's submit does
	switch {
	case len(r.argv) > 0 || r.badArgvLen:
	case len(r.path3) > 0:
		b = b[:offArgv]
	case len(r.path2) > 0:
		b = b[:offPath2+len(r.path2)+1]
	default:
		b = b[:min(offPath+len(r.path)+1, RecordSize)]
	}
	return b
}

const testCID = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"

func sockaddr4(ip [4]byte, port uint16) []byte {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint16(b, event.AFInet)
	binary.BigEndian.PutUint16(b[2:], port)
	copy(b[4:], ip[:])
	return b
}

func TestDecode(t *testing.T) {
	boot := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	base := event.Event{PID: 10, TID: 10, PPID: 9, VPID: 1, UID: 1000, EUID: 1000, LoginUID: event.NoUID,
		PidNS: 4026531836, CgroupID: 77, FD: -1, NewUID: event.NoUID, NewGID: event.NoUID, Comm: "sh",
		Time: boot.Add(5 * time.Second)}
	with := func(f func(e *event.Event)) *event.Event {
		e := base
		f(&e)
		return &e
	}
	r := rec{pid: 10, ppid: 9, uid: 1000, euid: 1000, comm: "sh", ts: 5e9}
	tests := []struct {
		name string
		in   func(r rec) rec
		want *event.Event
	}{
		{"exec in container", func(r rec) rec {
			r.kind, r.cgroup, r.path, r.argv = kindExec, testCID, "/bin/cat", "cat\x00/etc/shadow\x00"
			return r
		}, with(func(e *event.Event) {
			e.Type, e.ExePath, e.Path, e.Args = event.Execve, "/bin/cat", "/bin/cat", []string{"cat", "/etc/shadow"}
			e.Container = &event.Container{ID: testCID}
		})},
		{"exec with a terminal and a socket for stdin", func(r rec) rec {
			r.kind, r.path, r.argv = kindExec, "/bin/sh", "sh\x00"
			r.args = [4]uint64{77, 34816, execStdio | uint64(event.FDPipe)<<8 | uint64(event.FDIPv4), 4242}
			return r
		}, with(func(e *event.Event) {
			e.Type, e.ExePath, e.Path, e.Args, e.TTY, e.SID = event.Execve, "/bin/sh", "/bin/sh", []string{"sh"}, 34816, 4242
			e.StdinType, e.StdoutType, e.ExecStdio = event.FDIPv4, event.FDPipe, true
		})},
		{"exec with the executable's inode", func(r rec) rec {
			r.kind, r.path, r.argv = kindExec, "/bin/sh", "sh\x00"
			r.addr = make([]byte, 24)
			binary.LittleEndian.PutUint64(r.addr, 1234)
			binary.LittleEndian.PutUint64(r.addr[8:], 1700000000123456789)
			binary.LittleEndian.PutUint64(r.addr[16:], 1700000001000000000)
			return r
		}, with(func(e *event.Event) {
			e.Type, e.ExePath, e.Path, e.Args = event.Execve, "/bin/sh", "/bin/sh", []string{"sh"}
			e.ExeIno, e.ExeMtime, e.ExeCtime = 1234, time.Unix(0, 1700000000123456789), time.Unix(0, 1700000001000000000)
		})},
		{"exec with an unclassified stdout leaves stdio to /proc", func(r rec) rec {
			r.kind, r.path, r.argv = kindExec, "/bin/sh", "sh\x00"
			r.args = [4]uint64{77, 0, execStdio | 0xff<<8 | uint64(event.FDFile)}
			return r
		}, with(func(e *event.Event) {
			e.Type, e.ExePath, e.Path, e.Args = event.Execve, "/bin/sh", "/bin/sh", []string{"sh"}
		})},
		{"script exec keeps interpreter", func(r rec) rec {
			r.kind, r.path, r.path2 = kindExec, "/x.sh", "/bin/sh"
			return r
		}, with(func(e *event.Event) { e.Type, e.ExePath, e.Path, e.Path2 = event.Execve, "/x.sh", "/x.sh", "/bin/sh" })},
		{"systemd scope cgroup", func(r rec) rec {
			r.kind, r.cgroup = kindFork, "docker-"+testCID+".scope"
			return r
		}, with(func(e *event.Event) { e.Type, e.Container = event.Clone, &event.Container{ID: testCID} })},
		{"other command", func(r rec) rec { r.kind, r.comm = kindFork, "cron"; return r },
			with(func(e *event.Event) { e.Type, e.Comm = event.Clone, "cron" })},
		{"exit status", func(r rec) rec { r.kind, r.exitCode = kindExit, 256; return r },
			with(func(e *event.Event) { e.Type, e.Ret = event.Procexit, 256 })},
		{"openat", func(r rec) rec {
			r.kind, r.syscall, r.ret, r.path = kindSyscall, 257, 3, "/etc/shadow"
			r.args = [4]uint64{uint64(0xffffff9c), 0, event.OWrOnly | event.OCreat, 0o644}
			return r
		}, with(func(e *event.Event) {
			e.Type, e.Ret, e.Path, e.Flags, e.Mode, e.FD, e.FDType = event.Openat, 3, "/etc/shadow", event.OWrOnly|event.OCreat, 0o644, -100, event.FDFile
		})},
		{"open failed", func(r rec) rec {
			r.kind, r.syscall, r.ret, r.path = kindSyscall, 2, -2, "/nope"
			r.args = [4]uint64{0, event.ODirectory}
			return r
		}, with(func(e *event.Event) {
			e.Type, e.Ret, e.Path, e.Flags, e.FDType = event.Open, -2, "/nope", event.ODirectory, event.FDDirectory
		})},
		{"connect ipv4", func(r rec) rec {
			r.kind, r.syscall, r.ret, r.addr = kindSyscall, 42, 0, sockaddr4([4]byte{10, 0, 0, 1}, 4444)
			r.args = [4]uint64{5, 0, 16}
			return r
		}, with(func(e *event.Event) {
			e.Type, e.FD, e.Family, e.FDType = event.Connect, 5, event.AFInet, event.FDIPv4
			e.DAddr, e.DPort = netip.MustParseAddr("10.0.0.1"), 4444
		})},
		{"connect to an ipv4-mapped ipv6 address is ipv4", func(r rec) rec {
			a := make([]byte, 28)
			binary.LittleEndian.PutUint16(a, event.AFInet6)
			binary.BigEndian.PutUint16(a[2:], 443)
			copy(a[8:], netip.MustParseAddr("::ffff:203.0.113.9").AsSlice())
			r.kind, r.syscall, r.ret, r.addr = kindSyscall, 42, 0, a
			r.args = [4]uint64{5, 0, 28}
			return r
		}, with(func(e *event.Event) {
			e.Type, e.FD, e.Family, e.FDType = event.Connect, 5, event.AFInet, event.FDIPv4
			e.DAddr, e.DPort = netip.MustParseAddr("203.0.113.9"), 443
		})},
		{"connect unix", func(r rec) rec {
			addr := append([]byte{1, 0}, "/var/run/docker.sock\x00"...)
			r.kind, r.syscall, r.ret, r.addr, r.path = kindSyscall, 42, 0, addr, "/var/run/docker.sock"
			r.args = [4]uint64{4, 0, uint64(len(addr))}
			return r
		}, with(func(e *event.Event) {
			e.Type, e.FD, e.Family, e.FDType, e.Path = event.Connect, 4, event.AFUnix, event.FDUnix, "/var/run/docker.sock"
		})},
		{"accept peer is the remote end", func(r rec) rec {
			r.kind, r.syscall, r.ret, r.addr = kindSyscall, 288, 7, sockaddr4([4]byte{192, 168, 1, 2}, 5555)
			r.args = [4]uint64{3}
			return r
		}, with(func(e *event.Event) {
			e.Type, e.Ret, e.FD, e.Family, e.FDType = event.Accept4, 7, 7, event.AFInet, event.FDIPv4
			e.DAddr, e.DPort = netip.MustParseAddr("192.168.1.2"), 5555
		})},
		{"recvfrom udp: the peer is the client, the local end the server", func(r rec) rec {
			r.kind, r.syscall, r.ret, r.addr = kindSyscall, 45, 12, sockaddr4([4]byte{10, 1, 2, 3}, 40000)
			// sk_protocol 17, sk_type 2 (SOCK_DGRAM); local port 53 and 172.17.0.2
			r.args = [4]uint64{6, 17 | 2<<16, 53, uint64(binary.LittleEndian.Uint32([]byte{172, 17, 0, 2}))}
			return r
		}, with(func(e *event.Event) {
			e.Type, e.Ret, e.FD, e.Family, e.FDType, e.Proto = event.Recvfrom, 12, 6, event.AFInet, event.FDIPv4, event.ProtoUDP
			e.DAddr, e.DPort = netip.MustParseAddr("10.1.2.3"), 40000
			e.SAddr, e.SPort = netip.MustParseAddr("172.17.0.2"), 53
		})},
		{"recvmsg raw ipv6", func(r rec) rec {
			a := make([]byte, 28)
			binary.LittleEndian.PutUint16(a, event.AFInet6)
			copy(a[8:], netip.MustParseAddr("fd00::7").AsSlice())
			r.kind, r.syscall, r.ret, r.addr = kindSyscall, 47, 64, a
			r.args = [4]uint64{9, 58 | 3<<16, 0, 0} // IPPROTO_ICMPV6, SOCK_RAW
			return r
		}, with(func(e *event.Event) {
			e.Type, e.Ret, e.FD, e.Family, e.FDType, e.Proto = event.Recvmsg, 64, 9, event.AFInet6, event.FDIPv6, event.ProtoRaw
			e.DAddr = netip.MustParseAddr("fd00::7")
		})},
		{"setresuid", func(r rec) rec {
			r.kind, r.syscall, r.args = kindSyscall, 117, [4]uint64{0, 0, 0}
			return r
		}, with(func(e *event.Event) { e.Type, e.NewUID = event.Setresuid, 0 })},
		{"ptrace", func(r rec) rec {
			r.kind, r.syscall, r.args = kindSyscall, 101, [4]uint64{event.PtraceAttach, 42}
			return r
		}, with(func(e *event.Event) { e.Type, e.Request, e.TargetPID = event.Ptrace, event.PtraceAttach, 42 })},
		{"mount", func(r rec) rec {
			r.kind, r.syscall, r.path, r.path2, r.argv = kindSyscall, 165, "/dev/sda1", "/mnt", "ext4"
			return r
		}, with(func(e *event.Event) { e.Type, e.Path, e.Path2, e.FSType = event.Mount, "/mnt", "/dev/sda1", "ext4" })},
		{"renameat2", func(r rec) rec {
			r.kind, r.syscall, r.path, r.path2, r.args = kindSyscall, 316, "a", "b", [4]uint64{3}
			return r
		}, with(func(e *event.Event) { e.Type, e.Path, e.Path2, e.FD = event.Renameat2, "a", "b", 3 })},
	}
	// the plain decoder, and one reusing strings: run twice so that the
	// second pass decodes from its cache
	decoders := []struct {
		name string
		d    Decoder
	}{{"plain", onX86(Decoder{Boot: boot})}, {"cached", onX86(NewDecoder(boot))}}
	for _, dec := range decoders {
		for pass := range 2 {
			for _, tc := range tests {
				t.Run(fmt.Sprintf("%s/%d/%s", dec.name, pass, tc.name), func(t *testing.T) {
					got, err := dec.d.Decode(tc.in(r).bytes())
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(tc.want, got, cmpopts.EquateComparable(netip.Addr{})); diff != "" {
						t.Errorf("(-want +got):\n%s", diff)
					}
				})
			}
		}
	}
}

func TestDecodeMalformed(t *testing.T) {
	r := rec{kind: kindSyscall, syscall: 257}
	tests := map[string][]byte{
		"empty":           nil,
		"short":           r.bytes()[:HeaderSize-1],
		"long":            make([]byte, RecordSize+1),
		"path past end":   rec{kind: kindSyscall, syscall: 257, path: "/etc/shadow"}.bytes()[:HeaderSize+3],
		"path2 past end":  rec{kind: kindSyscall, syscall: 82, path: "a", path2: "b"}.bytes()[:offPath2],
		"unknown kind":    rec{kind: 99}.bytes(),
		"unknown syscall": rec{kind: kindSyscall, syscall: 0}.bytes(),
		"path length":     rec{kind: kindSyscall, syscall: 257, badPathLen: true}.bytes(),
		"argv length":     rec{kind: kindExec, badArgvLen: true}.bytes(),
	}
	for name, b := range tests {
		if _, err := onX86(Decoder{}).Decode(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(rec{kind: kindExec, path: "/bin/sh", argv: "sh\x00-c\x00id"}.bytes())
	f.Add(rec{kind: kindSyscall, syscall: 42, addr: sockaddr4([4]byte{1, 2, 3, 4}, 80)}.bytes())
	f.Add(rec{kind: kindSyscall, syscall: 49, addr: make([]byte, 28)}.bytes())
	// a receive from a new peer, with both architectures' numbers
	f.Add(rec{kind: kindSyscall, syscall: 45, args: [4]uint64{3, 17 | 2<<16, 53, 0x0100007f}, addr: sockaddr4([4]byte{1, 2, 3, 4}, 80)}.bytes())
	f.Add(rec{kind: kindSyscall, syscall: 207, args: [4]uint64{3, 3 << 16}, addr: make([]byte, 28)}.bytes())
	f.Add([]byte{1, 2, 3})
	cached := NewDecoder(time.Unix(1, 0)) // shared across inputs, as in the sensor
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := (Decoder{}).Decode(b)
		e2, err2 := cached.Decode(b)
		if (err == nil) != (err2 == nil) || err == nil && (e.Comm != e2.Comm || (e.Container == nil) != (e2.Container == nil) ||
			e.Container != nil && e.Container.ID != e2.Container.ID) {
			t.Fatalf("plain and cached decoders differ: %v %v / %+v %+v", err, err2, e, e2)
		}
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if len(e.Path) >= lenPath || len(e.Path2) >= lenPath || len(strings.Join(e.Args, "\x00")) > lenArgv {
			t.Fatalf("decoded fields exceed the record's buffers")
		}
	})
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"": ModeAuto, "auto": ModeAuto, "bpf": ModeBPF, "fallback": ModeFallback} {
		got, err := ParseMode(in)
		if err != nil || got != want {
			t.Errorf("ParseMode(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseMode("kprobe"); err == nil {
		t.Error("ParseMode accepted kprobe")
	}
}

// BenchmarkDecode decodes the record of an open of /etc/passwd in a
// container, as the ring buffer delivers one per open: with the zero
// Decoder and with NewDecoder's string reuse.
func BenchmarkDecode(b *testing.B) {
	in := rec{kind: kindSyscall, syscall: 257, ret: 3, pid: 10, comm: "helper", cgroup: testCID, path: "/etc/passwd",
		args: [4]uint64{uint64(0xffffff9c), 0, 0, 0}}.bytes()
	for _, dec := range []struct {
		name string
		d    Decoder
	}{{"plain", onX86(Decoder{Boot: time.Unix(1, 0)})}, {"cached", onX86(NewDecoder(time.Unix(1, 0)))}} {
		b.Run(dec.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := dec.d.Decode(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestCheckPrefixes(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		ok   bool
	}{
		{"defaults", DefaultOpenPrefixes(), true},
		{"none", nil, true},
		{"root", []string{"/"}, true},
		{"relative", []string{"etc"}, false},
		{"empty", []string{""}, false},
		{"64 bytes", []string{"/" + strings.Repeat("a", 63)}, true},
		{"65 bytes", []string{"/" + strings.Repeat("a", 64)}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := CheckOpenPrefixes(tc.in); (err == nil) != tc.ok {
				t.Errorf("CheckOpenPrefixes(%q) = %v, want ok=%v", tc.in, err, tc.ok)
			}
		})
	}
}

func TestCanonical(t *testing.T) {
	for _, tc := range []struct{ p, base, clean, raw string }{
		{"/etc/shadow", "", "/etc/shadow", ""},
		{"/etc/./shadow", "", "/etc/shadow", "/etc/./shadow"},
		{"//etc/shadow", "", "/etc/shadow", "//etc/shadow"},
		{"/tmp/../etc/shadow", "/x", "/etc/shadow", "/tmp/../etc/shadow"},
		{"../etc/shadow", "/tmp", "/etc/shadow", "../etc/shadow"},
		{"shadow", "/etc", "/etc/shadow", "shadow"},
		{"../../../../etc/shadow", "/tmp", "/etc/shadow", "../../../../etc/shadow"},
		{"shadow", "", "shadow", ""}, // no base: left to enrichment
		{"", "/etc", "", ""},
	} {
		c, r := Canonical(tc.p, tc.base)
		if c != tc.clean || r != tc.raw {
			t.Errorf("Canonical(%q, %q) = %q, %q; want %q, %q", tc.p, tc.base, c, r, tc.clean, tc.raw)
		}
	}
}

// TestProduces: the BPF sensor produces every type its decoder maps a
// followed syscall to, plus the lifecycle events; the fallback fewer.
func TestProduces(t *testing.T) {
	bpf, fb := Produces(ModeBPF), Produces(ModeFallback)
	for _, ty := range []event.Type{event.Execve, event.Execveat, event.Clone, event.Procexit, event.Openat,
		event.Symlinkat, event.Linkat, event.Socket, event.Dup3, event.Sendto, event.Mkdirat, event.BPF, event.Userfaultfd,
		event.Recvfrom, event.Recvmsg} {
		if !bpf(ty) {
			t.Errorf("BPF sensor does not produce %s", ty)
		}
	}
	for nr, c := range nativeSyscalls {
		if !bpf(c.Type) {
			t.Errorf("BPF sensor follows syscall %d (%s) but does not produce %s", nr, c.Name, c.Type)
		}
	}
	for _, ty := range []event.Type{event.ProcessVMWritev, event.Read, event.Write, event.NumTypes} {
		if bpf(ty) {
			t.Errorf("BPF sensor claims %s", ty)
		}
	}
	if !fb(event.Execve) || fb(event.Connect) || fb(event.Socket) {
		t.Errorf("fallback: execve %v connect %v socket %v", fb(event.Execve), fb(event.Connect), fb(event.Socket))
	}
}

// TestDecodeKernelPaths: what the kernel resolved (pflags) makes the
// event's paths: the file an open opened, a relative path joined to its
// base, the cwd and file run of an exec, drift and execveat flags.
func TestDecodeKernelPaths(t *testing.T) {
	type view struct {
		Type                       event.Type
		Path, Raw, Path2, Exe, Cwd string
		Known, Upper               bool
	}
	for _, tc := range []struct {
		name string
		r    rec
		want view
	}{
		{"open through a link", rec{kind: kindSyscall, syscall: 257, ret: 3, path: "../tmp/link", path2: "/etc/shadow", pflags: pfFile},
			view{Type: event.Openat, Path: "/etc/shadow", Raw: "../tmp/link"}},
		{"failed relative open", rec{kind: kindSyscall, syscall: 257, ret: -2, path: "../etc/x", path3: "/tmp", pflags: pfBase1},
			view{Type: event.Openat, Path: "/etc/x", Raw: "../etc/x"}},
		{"absolute open not walked", rec{kind: kindSyscall, syscall: 2, ret: -13, path: "//etc/./shadow"},
			view{Type: event.Open, Path: "/etc/shadow", Raw: "//etc/./shadow"}},
		{"linkat both relative", rec{kind: kindSyscall, syscall: 265, path: "../etc/shadow", path2: "h", path3: "/tmp", pflags: pfBase1 | pfBase2},
			view{Type: event.Linkat, Path: "/etc/shadow", Raw: "../etc/shadow", Path2: "/tmp/h"}},
		{"symlink target kept", rec{kind: kindSyscall, syscall: 88, path: "../etc/shadow", path2: "s", path3: "/tmp", pflags: pfBase2},
			view{Type: event.Symlink, Path: "../etc/shadow", Path2: "/tmp/s"}},
		{"memfd name not a path", rec{kind: kindSyscall, syscall: 319, ret: 3, path: "x/../y"},
			view{Type: event.MemfdCreate, Path: "x/../y"}},
		{"exec of a link, upper layer", rec{kind: kindExec, path: "./run", path2: "/app", path3: "/usr/bin/dash", pflags: pfExec | pfExeOvl | pfExeUpper},
			view{Type: event.Execve, Path: "/app/run", Raw: "./run", Path2: "/usr/bin/dash", Exe: "/usr/bin/dash", Cwd: "/app", Known: true, Upper: true}},
		{"exec on an overlay, layer not read", rec{kind: kindExec, path: "/bin/x", path2: "/", path3: "/bin/x", pflags: pfExec | pfExeOvl | pfExeLayerUnknown},
			view{Type: event.Execve, Path: "/bin/x", Exe: "/bin/x", Cwd: "/"}},
		{"execveat of a memfd", rec{kind: kindExec, path: "/dev/fd/3", path2: "/", path3: "/memfd:x", pflags: pfExec | pfExecveat},
			view{Type: event.Execveat, Path: "/dev/fd/3", Path2: "/memfd:x", Exe: "/memfd:x", Cwd: "/", Known: true}},
		{"chdir ..", rec{kind: kindSyscall, syscall: 80, path: "..", path3: "/srv", pflags: pfCwd},
			view{Type: event.Chdir, Path: "/srv", Raw: "..", Cwd: "/srv"}},
		{"failed exec", rec{kind: kindSyscall, syscall: 59, ret: -13, path: "x", path3: "/dev/shm", pflags: pfBase1},
			view{Type: event.Execve, Path: "/dev/shm/x", Raw: "x", Exe: "/dev/shm/x"}},
	} {
		e, err := onX86(Decoder{}).Decode(tc.r.bytes())
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		got := view{e.Type, e.Path, e.PathRaw, e.Path2, e.ExePath, e.Cwd, e.ExeLayerKnown, e.ExeUpperLayer}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

// TestDecodeARM64Numbers: a record of the arm64 object names its syscall
// with arm64's number, which the arm64 table decodes, whatever the
// architecture running the test.
func TestDecodeARM64Numbers(t *testing.T) {
	d := Decoder{sys: syscallsARM64}
	for _, tc := range []struct {
		nr   uint32
		want event.Type
	}{{56, event.Openat}, {207, event.Recvfrom}, {212, event.Recvmsg}, {24, event.Dup3}, {151, event.Setuid}, {2, event.Unknown}} {
		e, err := d.Decode(rec{kind: kindSyscall, syscall: tc.nr, path: "/x", args: [4]uint64{7}}.bytes())
		if tc.want == event.Unknown {
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("syscall %d on arm64 (none): %v, %v", tc.nr, e, err)
			}
			continue
		}
		if err != nil || e.Type != tc.want {
			t.Errorf("syscall %d on arm64: %v, %v; want %s", tc.nr, e, err, tc.want)
		}
	}
	// setfsuid (151) reports the uid it sets, like setuid (146)
	if e, err := d.Decode(rec{kind: kindSyscall, syscall: 151, args: [4]uint64{1000}}.bytes()); err != nil || e.NewUID != 1000 {
		t.Errorf("setfsuid on arm64: %+v, %v", e, err)
	}
}
