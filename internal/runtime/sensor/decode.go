package sensor

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"path"
	"strings"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
)

// Layout of struct event in bpf/sensor.c (little endian, x86_64 and arm64 alike). A test on
// Linux compares these offsets with the struct bpf2go generated.
const (
	offTS         = 0
	offCgroupID   = 8
	offCgroupV1ID = 16
	offRet        = 24
	offArgs       = 32
	offKind       = 64
	offSyscall    = 68
	offPID        = 72
	offTID        = 76
	offPPID       = 80
	offVPID       = 84
	offUID        = 88
	offGID        = 92
	offEUID       = 96
	offEGID       = 100
	offMntNS      = 104
	offPidNS      = 108
	offNetNS      = 112
	offExitCode   = 116
	offPathLen    = 120
	offPath2Len   = 122
	offArgvLen    = 124
	offAddrLen    = 126
	offPath3Len   = 128
	offPFlags     = 130
	offComm       = 136
	offCgroupName = 152
	offAddr       = 224
	offPath       = 256
	offPath2      = 512
	offPath3      = 768
	offArgv       = 1024

	lenComm       = 16
	lenCgroupName = 72
	lenPath       = 256
	lenArgv       = 512
	lenAddr       = 32

	// RecordSize is the size of a full record (an exec); records end
	// after their last field in use, at least HeaderSize plus one byte.
	RecordSize = 1536
	// HeaderSize is the fixed part of a record (up to the path).
	HeaderSize = offPath
)

// Path flags (PF_* in bpf/sensor.c): what path2 and path3 hold.
const (
	pfFile     = 1   // opens: path2 is the path of the file opened
	pfBase1    = 2   // path3 is the directory a relative path is relative to
	pfBase2    = 4   // path3 is the directory a relative path2 is relative to
	pfExec     = 8   // exec: path2 is the cwd, path3 the file executed
	pfExecveat = 16  // exec: the call was execveat
	pfExeOvl   = 32  // exec: the file run is on an overlay file system
	pfExeUpper = 64  // exec: ... in its upper (writable) layer
	pfCwd      = 128 // chdir, fchdir: path3 is the new working directory
	// exec: on an overlay, but the program could not tell the layer (the
	// overlay module's BTF was not loaded when the sensor was)
	pfExeLayerUnknown = 256
)

// Record kinds (KIND_* in bpf/sensor.c).
const (
	kindExec    = 1
	kindFork    = 2
	kindExit    = 3
	kindSyscall = 4
)

// ErrMalformed is wrapped by every Decode error: the record does not have the
// layout the sensor writes.
var ErrMalformed = errors.New("malformed sensor record")

// Decoder turns ring-buffer records into events. The zero value is usable;
// Boot converts the kernel's monotonic timestamps to wall-clock time.
type Decoder struct {
	// Boot is the wall-clock time of monotonic zero (time.Now() minus
	// CLOCK_MONOTONIC). When zero, events get time.Now().
	Boot time.Time

	// strs, when set (NewDecoder), reuses the strings of comm and of the
	// cgroup name's container id, which repeat from record to record.
	strs *stringCache

	// sys maps syscall numbers to calls; nil: nativeSyscalls. Tests set
	// another architecture's table.
	sys map[uint32]sysCall
}

// NewDecoder returns a Decoder that reuses repeated strings (command names,
// container ids) between records instead of allocating them for each one.
// Unlike the zero Decoder, it must not be used by two goroutines at once.
func NewDecoder(boot time.Time) Decoder {
	return Decoder{Boot: boot, strs: &stringCache{comm: map[string]string{}, cid: map[string]string{}}}
}

// maxCached bounds each map of a stringCache; a full map is emptied.
const maxCached = 4096

// stringCache maps raw record bytes to strings already made from them.
type stringCache struct {
	comm map[string]string // comm bytes → comm
	cid  map[string]string // cgroup name → container id ("" when none)
}

func (d Decoder) comm(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if d.strs == nil {
		return string(b)
	}
	if s, ok := d.strs.comm[string(b)]; ok {
		return s
	}
	if len(d.strs.comm) >= maxCached {
		clear(d.strs.comm)
	}
	s := string(b)
	d.strs.comm[s] = s
	return s
}

func (d Decoder) containerID(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if d.strs == nil {
		return ContainerIDFromCgroupName(string(b))
	}
	if id, ok := d.strs.cid[string(b)]; ok {
		return id
	}
	if len(d.strs.cid) >= maxCached {
		clear(d.strs.cid)
	}
	id := ContainerIDFromCgroupName(string(b))
	d.strs.cid[string(b)] = id
	return id
}

func cstr(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// Decode parses one record. Malformed records give an error wrapping
// ErrMalformed; Decode never panics on any input.
func (d Decoder) Decode(b []byte) (*event.Event, error) {
	if len(b) < HeaderSize || len(b) > RecordSize {
		return nil, fmt.Errorf("decode record of %d bytes (want %d to %d): %w", len(b), HeaderSize, RecordSize, ErrMalformed)
	}
	le := binary.LittleEndian
	u32 := func(off int) uint32 { return le.Uint32(b[off:]) }
	u16 := func(off int) int { return int(le.Uint16(b[off:])) }
	arg := func(i int) uint64 { return le.Uint64(b[offArgs+8*i:]) }

	pathLen, path2Len, argvLen, addrLen := u16(offPathLen), u16(offPath2Len), u16(offArgvLen), u16(offAddrLen)
	path3Len, pflags := u16(offPath3Len), u16(offPFlags)
	if pathLen >= lenPath || path2Len >= lenPath || path3Len >= lenPath || argvLen > lenArgv || addrLen > lenAddr ||
		offPath+pathLen > len(b) || path2Len > 0 && offPath2+path2Len > len(b) ||
		path3Len > 0 && offPath3+path3Len > len(b) || argvLen > 0 && offArgv+argvLen > len(b) {
		return nil, fmt.Errorf("decode record of %d bytes, lengths path=%d path2=%d path3=%d argv=%d addr=%d: %w",
			len(b), pathLen, path2Len, path3Len, argvLen, addrLen, ErrMalformed)
	}

	e := &event.Event{
		PID: u32(offPID), TID: u32(offTID), PPID: u32(offPPID), VPID: u32(offVPID),
		UID: u32(offUID), GID: u32(offGID), EUID: u32(offEUID),
		LoginUID: event.NoUID,
		Comm:     d.comm(b[offComm : offComm+lenComm]),
		MntNS:    u32(offMntNS), PidNS: u32(offPidNS), NetNS: u32(offNetNS),
		Ret:    int64(le.Uint64(b[offRet:])),
		FD:     -1,
		NewUID: event.NoUID,
		NewGID: event.NoUID,
	}
	e.CgroupID = le.Uint64(b[offCgroupV1ID:])
	if e.CgroupID == 0 {
		e.CgroupID = le.Uint64(b[offCgroupID:])
	}
	if ts := le.Uint64(b[offTS:]); !d.Boot.IsZero() && ts < 1<<62 {
		e.Time = d.Boot.Add(time.Duration(ts))
	} else {
		e.Time = time.Now()
	}
	if id := d.containerID(b[offCgroupName : offCgroupName+lenCgroupName]); id != "" {
		e.Container = &event.Container{ID: id}
	}
	path := string(b[offPath : offPath+pathLen])
	var path2, path3, argvText string
	var argv []byte
	if path2Len > 0 {
		path2 = string(b[offPath2 : offPath2+path2Len])
	}
	if path3Len > 0 {
		path3 = string(b[offPath3 : offPath3+path3Len])
	}
	if pflags&(pfFile|pfExec) != 0 {
		// paths walked in the kernel are clean, but for a root that is
		// its own parent ("/" named "/"); Clean does not allocate for a
		// clean path
		path2, path3 = cleanWalked(path2), cleanWalked(path3)
	}
	if argvLen > 0 {
		argv = b[offArgv : offArgv+argvLen]
		argvText = cstr(argv)
	}

	switch kind := u32(offKind); kind {
	case kindExec:
		e.Type = event.Execve
		e.ExePath = path
		e.Path = path
		if pflags&pfExec != 0 {
			// the kernel's view: cwd, and the file run (symlinks
			// followed, a script's interpreter, /memfd:NAME)
			e.Cwd = path2
			if pflags&pfExecveat != 0 {
				e.Type = event.Execveat
			}
			e.ExeLayerKnown = pflags&pfExeLayerUnknown == 0
			e.ExeUpperLayer = pflags&pfExeUpper != 0
			e.Path, e.PathRaw = Canonical(path, path2)
			if path3 != "" {
				e.ExePath = path3
				if path3 != e.Path {
					e.Path2 = path3
				}
			} else {
				e.ExePath = e.Path
			}
		} else if path2 != "" && path2 != path {
			e.Path2 = path2 // interpreter
		}
		e.Args = splitArgv(argv)
		e.TTY = uint32(arg(1))
		e.SID = uint32(arg(3))
		if addrLen == 24 {
			// the executable's inode: number, mtime and ctime (ns)
			a := b[offAddr : offAddr+24]
			e.ExeIno = binary.LittleEndian.Uint64(a)
			e.ExeMtime = nsTime(binary.LittleEndian.Uint64(a[8:]))
			e.ExeCtime = nsTime(binary.LittleEndian.Uint64(a[16:]))
		}
		if st := arg(2); st&execStdio != 0 {
			in, inOK := fdClass(uint8(st))
			out, outOK := fdClass(uint8(st >> 8))
			if inOK && outOK {
				e.StdinType, e.StdoutType, e.ExecStdio = in, out, true
			}
		}
	case kindFork:
		e.Type = event.Clone
	case kindExit:
		e.Type = event.Procexit
		e.Ret = int64(u32(offExitCode))
	case kindSyscall:
		nr := u32(offSyscall)
		sys := d.sys
		if sys == nil {
			sys = nativeSyscalls
		}
		sc, ok := sys[nr]
		if !ok {
			return nil, fmt.Errorf("decode record: unknown syscall %d: %w", nr, ErrMalformed)
		}
		e.Type = sc.Type
		e.Path, e.Path2 = path, path2
		fillSyscall(e, sc.Name, arg, b[offAddr:offAddr+addrLen], argvText)
		canonicalPaths(e, pflags, path, path2, path3)
		if pflags&pfCwd != 0 && path3 != "" {
			// chdir, fchdir: the working directory it left the task in
			e.Cwd = cleanWalked(path3)
			if e.Type == event.Fchdir {
				e.FD = int32(arg(0))
			}
			if e.Cwd != path {
				e.PathRaw = path
			}
			e.Path = e.Cwd
		}
		if e.Type == event.Execve || e.Type == event.Execveat {
			// a failed exec (Ret < 0): the file it tried
			e.ExePath = e.Path
		}
	default:
		return nil, fmt.Errorf("decode record: unknown kind %d: %w", kind, ErrMalformed)
	}
	return e, nil
}

// Canonical returns p as an absolute, clean path: relative paths joined to
// base (when base is absolute), ".", ".." and "//" removed lexically. raw
// is p when that changed it, else "". A relative p without a base is
// returned as it is (enrichment resolves it).
func Canonical(p, base string) (clean, raw string) {
	if p == "" {
		return "", ""
	}
	var c string
	switch {
	case p[0] == '/':
		c = path.Clean(p)
	case strings.HasPrefix(base, "/"):
		c = path.Join(base, p)
	default:
		return p, ""
	}
	if c == p {
		return p, ""
	}
	return c, p
}

// filePaths says which of Path (1) and Path2 (2) of an event type name
// files, to be made canonical.
func filePaths(t event.Type) (p1, p2 bool) {
	switch t {
	case event.Open, event.Openat, event.Openat2, event.Unlink, event.Unlinkat, event.Chmod, event.Fchmodat,
		event.Chown, event.Lchown, event.Fchownat, event.Mkdir, event.Mkdirat, event.Rmdir, event.Umount2,
		event.Execve, event.Execveat:
		return true, false
	case event.Rename, event.Renameat, event.Renameat2, event.Link, event.Linkat:
		return true, true
	case event.Symlink, event.Symlinkat:
		return false, true // Path is the link's content
	case event.Mount:
		return true, false // the target; Path2 is the source
	}
	return false, false
}

// canonicalPaths makes the file paths of a syscall event absolute and
// clean, from what the kernel resolved (pflags): the file an open opened
// (symlinks followed, in the task's root) or the directory a relative path
// is relative to. The argument as passed stays in PathRaw.
func canonicalPaths(e *event.Event, pflags int, path, path2, path3 string) {
	p1, p2 := filePaths(e.Type)
	if p1 {
		switch {
		case pflags&pfFile != 0 && path2 != "":
			e.Path, e.Path2 = path2, ""
			if path2 != path {
				e.PathRaw = path
			}
		case pflags&pfBase1 != 0:
			e.Path, e.PathRaw = Canonical(e.Path, path3)
		default:
			e.Path, e.PathRaw = Canonical(e.Path, "")
		}
	}
	if p2 {
		base := ""
		if pflags&pfBase2 != 0 {
			base = path3
		}
		e.Path2, _ = Canonical(e.Path2, base)
	}
}

// cleanWalked cleans a path the kernel walked ("" stays "").
func cleanWalked(p string) string {
	if p == "" {
		return p
	}
	return path.Clean(p)
}

// nsTime is a time in ns since the epoch; the zero Time for 0.
func nsTime(ns uint64) time.Time {
	if ns == 0 || ns > math.MaxInt64 {
		return time.Time{}
	}
	return time.Unix(0, int64(ns))
}

// execStdio marks an exec record's args[2] as holding the classes of
// descriptors 0 (low byte) and 1 (next byte); EXEC_STDIO in bpf/sensor.c.
const execStdio = 1 << 16

// fdClass reads a descriptor class of an exec record (FD_* in bpf/sensor.c,
// event.FDType numbers); false for FD_UNCLASSIFIED or a value the sensor
// does not send, which leave the question to /proc.
func fdClass(v uint8) (event.FDType, bool) {
	switch t := event.FDType(v); t {
	case event.FDUnknown, event.FDFile, event.FDIPv4, event.FDIPv6, event.FDUnix, event.FDPipe,
		event.FDNetlink, event.FDMemfd:
		return t, true
	}
	return event.FDUnknown, false
}

func fillSyscall(e *event.Event, name string, arg func(int) uint64, addr []byte, fstype string) {
	switch e.Type {
	case event.Open:
		e.Flags, e.Mode = uint32(arg(1)), uint32(arg(2))
	case event.Openat, event.Openat2:
		e.Flags, e.Mode = uint32(arg(2)), uint32(arg(3))
	case event.Connect, event.Bind, event.Accept, event.Accept4, event.Listen:
		e.FD = int32(arg(0))
		family, ip, port := parseSockaddr(addr)
		e.Family = family
		switch e.Type {
		case event.Connect:
			e.DAddr, e.DPort = ip, port // the remote end
		case event.Bind:
			e.SAddr, e.SPort = ip, port // the local end
		case event.Accept, event.Accept4:
			e.DAddr, e.DPort = ip, port // the peer: the remote end
			if e.Ret >= 0 {
				e.FD = int32(e.Ret)
			}
		}
		switch family {
		case event.AFInet:
			e.FDType = event.FDIPv4
		case event.AFInet6:
			e.FDType = event.FDIPv6
		case event.AFUnix:
			e.FDType = event.FDUnix
		}
	case event.Setuid:
		if name == "setuid" || name == "setfsuid" {
			e.NewUID = uint32(arg(0))
		}
	case event.Setgid:
		e.NewGID = uint32(arg(0))
	case event.Setreuid, event.Setresuid:
		e.NewUID = uint32(arg(1)) // the effective uid
	case event.Setregid, event.Setresgid:
		e.NewGID = uint32(arg(1))
	case event.Ptrace:
		e.Request, e.TargetPID = uint32(arg(0)), uint32(arg(1))
	case event.Mount:
		// the BPF program reads source into path and target into path2;
		// the event carries the target in Path and the source in Path2
		e.Path, e.Path2 = e.Path2, e.Path
		e.FSType = fstype
		e.Flags = uint32(arg(3))
	case event.Umount2:
		e.Flags = uint32(arg(1))
	case event.Unshare:
		e.Flags = uint32(arg(0))
	case event.Setns:
		e.FD, e.Flags = int32(arg(0)), uint32(arg(1))
	case event.Chmod:
		e.Mode = uint32(arg(1))
	case event.Fchmod:
		e.FD, e.Mode = int32(arg(0)), uint32(arg(1))
	case event.Fchmodat:
		e.FD, e.Mode = int32(arg(0)), uint32(arg(2))
	case event.Chown, event.Lchown:
		e.NewUID, e.NewGID = uint32(arg(1)), uint32(arg(2))
	case event.Fchown:
		e.FD, e.NewUID, e.NewGID = int32(arg(0)), uint32(arg(1)), uint32(arg(2))
	case event.Fchownat:
		e.FD, e.NewUID, e.NewGID = int32(arg(0)), uint32(arg(2)), uint32(arg(3))
	case event.MemfdCreate:
		e.Flags = uint32(arg(1))
	case event.Unlinkat:
		e.FD, e.Flags = int32(arg(0)), uint32(arg(2))
	case event.Renameat, event.Renameat2:
		e.FD = int32(arg(0))
	case event.FinitModule:
		e.FD = int32(arg(0))
	case event.Mkdirat:
		e.FD, e.Mode = int32(arg(0)), uint32(arg(2))
	case event.Mkdir:
		e.Mode = uint32(arg(1))
	case event.Linkat:
		e.FD = int32(arg(0))
	case event.Symlinkat:
		e.FD = int32(arg(1))
	case event.Socket:
		// socket(domain, type, protocol): the new descriptor is Ret
		e.Family = uint16(arg(0))
		e.Flags = uint32(arg(1))
		if e.Ret >= 0 {
			e.FD = int32(e.Ret)
		}
		switch e.Family {
		case event.AFInet, event.AFInet6:
			switch arg(1) & 0xf {
			case 1:
				e.Proto = event.ProtoTCP
			case 2:
				e.Proto = event.ProtoUDP
			}
		}
		switch e.Family {
		case event.AFInet:
			e.FDType = event.FDIPv4
		case event.AFInet6:
			e.FDType = event.FDIPv6
		case event.AFUnix:
			e.FDType = event.FDUnix
		case event.AFNetlink:
			e.FDType = event.FDNetlink
		}
	case event.Dup, event.Dup2, event.Dup3, event.Sendmsg:
		e.FD = int32(arg(0))
		if len(addr) == 1 {
			if t, ok := fdClass(addr[0]); ok {
				e.FDType = t
			}
		}
		if e.Type == event.Dup3 {
			e.Flags = uint32(arg(2))
		}
	case event.Sendto:
		e.FD = int32(arg(0))
		family, ip, port := parseSockaddr(addr)
		e.Family, e.DAddr, e.DPort = family, ip, port
		switch family {
		case event.AFInet:
			e.FDType, e.Proto = event.FDIPv4, event.ProtoUDP
		case event.AFInet6:
			e.FDType, e.Proto = event.FDIPv6, event.ProtoUDP
		}
	case event.Recvfrom, event.Recvmsg:
		// the sensor reports a receive on an unconnected IPv4/IPv6
		// socket other than TCP whose source address changed: addr is
		// the peer (the remote end, the client of an inbound
		// exchange), args[1] the socket's protocol and type, args[2]
		// and args[3] its local port and IPv4 address
		e.FD = int32(arg(0))
		family, ip, port := parseSockaddr(addr)
		e.Family, e.DAddr, e.DPort = family, ip, port
		e.SPort = uint16(arg(2))
		switch family {
		case event.AFInet:
			e.FDType = event.FDIPv4
			if la := uint32(arg(3)); la != 0 {
				var b [4]byte
				binary.LittleEndian.PutUint32(b[:], la) // network order in memory
				e.SAddr = netip.AddrFrom4(b)
			}
		case event.AFInet6:
			e.FDType = event.FDIPv6
		}
		e.Proto = recvProto(uint16(arg(1)), uint16(arg(1)>>16))
	case event.BPF:
		e.Request = uint32(arg(0)) // the command
	case event.Execveat:
		e.FD = int32(arg(0))
	case event.Userfaultfd:
		e.Flags = uint32(arg(0))
		if e.Ret >= 0 {
			e.FD = int32(e.Ret)
		}
	}
	switch e.Type {
	case event.Open, event.Openat, event.Openat2:
		// Ret is the new descriptor; FD is the directory fd of the *at
		// calls (AT_FDCWD = -100), for resolving a relative Path
		e.FDType = event.FDFile
		if e.Flags&event.ODirectory != 0 {
			e.FDType = event.FDDirectory
		}
		if e.Type != event.Open {
			e.FD = int32(arg(0))
		}
	case event.MemfdCreate:
		e.FDType = event.FDMemfd
		if e.Ret >= 0 {
			e.FD = int32(e.Ret)
		}
	}
}

// recvProto is fd.l4proto of a socket from its sk_protocol and sk_type.
func recvProto(proto, typ uint16) event.L4Proto {
	switch {
	case typ == 3: // SOCK_RAW
		return event.ProtoRaw
	case proto == 17 || proto == 136: // UDP, UDP-Lite
		return event.ProtoUDP
	case proto == 1 || proto == 58: // ICMP, ICMPv6 (ping sockets)
		return event.ProtoICMP
	case proto == 6:
		return event.ProtoTCP
	}
	return event.ProtoUnknown
}

// parseSockaddr reads a raw struct sockaddr (AF_INET, AF_INET6 or AF_UNIX).
// An IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a dual-stack socket
// sees of an IPv4 peer) is reported as the IPv4 address it is, family
// AF_INET, as Falco does: otherwise a rule on fd.sip = 1.2.3.4 or a
// 10.0.0.0/8 network would not see a connect to ::ffff:1.2.3.4.
func parseSockaddr(b []byte) (family uint16, ip netip.Addr, port uint16) {
	if len(b) < 2 {
		return 0, netip.Addr{}, 0
	}
	family = binary.LittleEndian.Uint16(b)
	switch family {
	case event.AFInet:
		if len(b) >= 8 {
			port = binary.BigEndian.Uint16(b[2:])
			ip = netip.AddrFrom4([4]byte(b[4:8]))
		}
	case event.AFInet6:
		if len(b) >= 24 {
			port = binary.BigEndian.Uint16(b[2:])
			ip = netip.AddrFrom16([16]byte(b[8:24]))
			if ip.Is4In6() {
				ip, family = ip.Unmap(), event.AFInet
			}
		}
	}
	return family, ip, port
}

// splitArgv splits the NUL-separated argument area of a process. The last
// argument may be cut by the record's limit.
func splitArgv(b []byte) []string {
	b = bytes.TrimRight(b, "\x00")
	if len(b) == 0 {
		return nil
	}
	return strings.Split(string(b), "\x00")
}

// ContainerIDFromCgroupName returns the container id in the last element of
// a cgroup path ("<64 hex>" as Docker's cgroupfs driver names it, or
// "docker-<64 hex>.scope" under systemd), or "".
func ContainerIDFromCgroupName(name string) string {
	name = strings.TrimPrefix(name, "docker-")
	name = strings.TrimPrefix(name, "cri-containerd-")
	name = strings.TrimPrefix(name, "crio-")
	name = strings.TrimPrefix(name, "libpod-")
	name = strings.TrimSuffix(name, ".scope")
	if len(name) != 64 {
		return ""
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return ""
		}
	}
	return name
}
