// Package event is the runtime event model shared by the sensor, the
// enrichment stage, the rule engine and the alert outputs.
//
// An Event is one completed system call (or process lifecycle step) seen on
// the host. The sensor fills the raw fields (PID, Path, addresses, ...) from
// the kernel record; enrichment attaches the Process (with its ancestor chain)
// and the Container. Everything the rule engine reads is a plain struct field
// or a pointer hop: there are no maps on the hot path. Events and the Process
// and Container values they point to are read-only once handed to the rule
// engine; a process table that learns something new builds a new Process.
package event

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Dir is the direction of a system call event. bulkhead delivers exit events
// (the call has completed and Ret holds its result).
type Dir uint8

const (
	// DirExit is a completed call ("<" in Falco's evt.dir).
	DirExit Dir = iota
	// DirEnter is a call being entered (">" in Falco's evt.dir).
	DirEnter
)

// String returns Falco's evt.dir notation: ">" for enter, "<" for exit.
func (d Dir) String() string {
	if d == DirEnter {
		return ">"
	}
	return "<"
}

// L4Proto is the transport protocol of a socket (fd.l4proto).
type L4Proto uint8

const (
	ProtoUnknown L4Proto = iota
	ProtoTCP
	ProtoUDP
	ProtoICMP
	ProtoRaw
)

var protoNames = [...]string{"", "tcp", "udp", "icmp", "raw"}

// String returns the Falco name of the protocol ("tcp", "udp", ...) or "".
func (p L4Proto) String() string {
	if int(p) < len(protoNames) {
		return protoNames[p]
	}
	return ""
}

// FDType is the kind of object a file descriptor refers to (fd.type and
// fd.typechar in Falco).
type FDType uint8

const (
	FDUnknown FDType = iota
	FDFile
	FDDirectory
	FDIPv4
	FDIPv6
	FDUnix
	FDPipe
	FDEvent
	FDSignalfd
	FDEventPoll
	FDInotify
	FDTimerfd
	FDNetlink
	FDMemfd
	FDBPF
	FDUserfaultfd
	FDIOUring
)

var fdTypeNames = [...]string{"", "file", "directory", "ipv4", "ipv6", "unix", "pipe", "event",
	"signalfd", "eventpoll", "inotify", "timerfd", "netlink", "memfd", "bpf", "userfaultfd", "io_uring"}

var fdTypeChars = [...]byte{'?', 'f', 'd', '4', '6', 'u', 'p', 'e', 's', 'l', 'i', 't', 'n', 'm', 'b', 'u', 'r'}

// String returns Falco's fd.type name ("file", "ipv4", "unix", ...) or "".
func (t FDType) String() string {
	if int(t) < len(fdTypeNames) {
		return fdTypeNames[t]
	}
	return ""
}

// Char returns Falco's fd.typechar ('f', '4', '6', 'u', 'p', ...), '?' when unknown.
func (t FDType) Char() byte {
	if int(t) < len(fdTypeChars) {
		return fdTypeChars[t]
	}
	return '?'
}

// IsSocket reports whether the descriptor is a network or unix socket.
func (t FDType) IsSocket() bool { return t == FDIPv4 || t == FDIPv6 || t == FDUnix || t == FDNetlink }

// Address families (Event.Family), the Linux values.
const (
	AFUnspec  = 0
	AFUnix    = 1
	AFInet    = 2
	AFInet6   = 10
	AFNetlink = 16
	AFPacket  = 17
)

// Open flags as Linux defines them (Event.Flags for open events).
const (
	ORdOnly    = 0x0
	OWrOnly    = 0x1
	ORdWr      = 0x2
	OCreat     = 0x40
	OExcl      = 0x80
	ONoCTTY    = 0x100
	OTrunc     = 0x200
	OAppend    = 0x400
	ONonBlock  = 0x800
	ODirectory = 0x10000
	OCloExec   = 0x80000
	OTmpFile   = 0x410000
)

// Namespace flags (Event.Flags for unshare, setns and clone events).
const (
	CloneNewNS     = 0x00020000
	CloneNewCgroup = 0x02000000
	CloneNewUTS    = 0x04000000
	CloneNewIPC    = 0x08000000
	CloneNewUser   = 0x10000000
	CloneNewPID    = 0x20000000
	CloneNewNet    = 0x40000000
)

// Ptrace requests (Event.Request for ptrace events).
const (
	PtracePeekText  = 1
	PtracePeekData  = 2
	PtracePokeText  = 4
	PtracePokeData  = 5
	PtracePokeUser  = 6
	PtraceSetRegs   = 13
	PtraceAttach    = 16
	PtraceDetach    = 17
	PtraceSeize     = 0x4206
	PtraceInterrupt = 0x4207
)

// NoUID is the value of an unset login uid ((uid_t)-1).
const NoUID = ^uint32(0)

// Event is one completed system call or process lifecycle step.
//
// Field use by type:
//   - Execve/Execveat: ExePath, Args (argv, argv[0] included), Cwd; Ret;
//     TTY, StdinType, StdoutType when ExecStdio; SID.
//   - Open/Openat/Openat2/Creat: Path (absolute), Flags (O_*), Mode, FD = Ret.
//   - Connect/Accept/Bind/Listen/Socket/Sendto/Dup*: Family, Proto, FD, FDType;
//     SAddr:SPort is always the LOCAL end of the socket and DAddr:DPort the
//     REMOTE end (for connect the local end is the client, for accept and
//     listen it is the server); Path holds a unix socket's path.
//   - Dup/Dup2/Dup3: FD = the old descriptor, Ret = the new one, FDType and
//     the address fields describe what the descriptor refers to.
//   - Setuid/Setgid/Setresuid/Setresgid: NewUID / NewGID.
//   - Ptrace/Kill: TargetPID, Request (ptrace request or signal number).
//   - InitModule/FinitModule/DeleteModule: Path (module name or file when known).
//   - Mount/Umount: Path = target dir, Path2 = source device, FSType, Flags.
//   - Unshare/Setns/Clone: Flags (CLONE_NEW*); Setns: FD of the namespace file.
//   - Chmod/Fchmod/Fchmodat: Path, Mode. Chown*: Path, NewUID, NewGID.
//   - Rename*/Link*/Symlink*: Path = old path (or symlink target), Path2 = new path.
//   - Unlink*/Rmdir/Mkdir*: Path.
//   - MemfdCreate: Path = the memfd name, Flags.
type Event struct {
	Time time.Time
	Num  uint64 // sequence number (evt.num), from 1; 0 when the sensor does not count
	Type Type
	Dir  Dir

	// The calling thread and its credentials, as the kernel saw them.
	PID, TID, PPID, VPID uint32
	UID, GID, EUID       uint32
	LoginUID             uint32 // NoUID when unset
	Comm                 string // task name (up to 15 bytes)
	ExePath              string
	Args                 []string // argv of the process (argv[0] included)
	Cwd                  string
	CgroupID             uint64
	MntNS, PidNS, NetNS  uint32
	TTY                  uint32 // controlling terminal device (tty_nr of /proc/PID/stat), 0 when none

	// Exec only: what descriptors 0 and 1 refer to. ExecStdio says the
	// sensor read TTY, StdinType and StdoutType at the exec itself;
	// otherwise enrichment reads them from /proc.
	StdinType, StdoutType FDType
	ExecStdio             bool
	// Exec only: the session id in the host's pid namespace; 0 when the
	// sensor did not read it.
	SID uint32
	// Exec only: the executable's inode number and its modification and
	// change times; zero when the sensor did not read them.
	ExeIno             uint64
	ExeMtime, ExeCtime time.Time
	// Exec only: ExeLayerKnown says the sensor decided at the exec, from
	// the inode run, whether it lies in the container's writable overlay
	// layer (ExeUpperLayer); otherwise enrichment looks at the upper dir.
	ExeLayerKnown, ExeUpperLayer bool

	// The call's result: the return value, negative errno on failure.
	Ret int64

	// Call arguments (see the type table above).
	Path    string // absolute, resolved against Cwd / the dirfd
	PathRaw string // as the program passed it (fd.nameraw); empty means same as Path
	Path2   string
	FSType  string
	Flags   uint32
	Mode    uint32
	Request uint32
	FD      int32
	FDType  FDType

	Family       uint16
	Proto        L4Proto
	SAddr, DAddr netip.Addr
	SPort, DPort uint16

	TargetPID uint32
	NewUID    uint32
	NewGID    uint32

	// Names resolved by enrichment (user.name, group.name, user.loginname);
	// empty when unknown.
	UserName, GroupName, LoginName string

	// Enrichment. Nil when unknown; rules then read the raw fields above.
	Process   *Process
	Container *Container
}

// Process is what enrichment knows about the process behind an event.
type Process struct {
	PID, PPID, VPID, SID, PGID uint32
	Name                       string   // comm, or the exe basename
	ExePath                    string   // full path of the executable
	Args                       []string // argv, argv[0] included
	Cwd                        string
	TTY                        uint32
	UID, EUID, GID, LoginUID   uint32
	CapEffective               uint64
	StartTime                  time.Time

	// What fd 0 and 1 refer to (reverse-shell detection); FDUnknown when not read.
	StdinType, StdoutType FDType

	// ExeUpperLayer is true when the executable lives in the container's
	// writable (upper) overlay layer, i.e. it was not in the image.
	ExeUpperLayer bool
	// ExeFromMemfd is true when the executable is a memfd (fileless exec).
	ExeFromMemfd bool
	// The executable's inode number, modification and change times, as
	// the sensor read them at the exec (zero when unknown).
	ExeIno             uint64
	ExeMtime, ExeCtime time.Time
	// ExeWritable is true when the executable is writable by the process's user.
	ExeWritable bool

	// Parent is the parent process, nil when unknown or at the root.
	Parent *Process
}

// Cmdline returns the process name followed by its arguments (argv[1:]),
// the way Falco renders proc.cmdline.
func (p *Process) Cmdline() string {
	if p == nil {
		return ""
	}
	return Cmdline(p.Name, p.Args)
}

// Cmdline joins a process name and argv (argv[0] skipped) with spaces.
func Cmdline(name string, argv []string) string {
	if len(argv) <= 1 {
		return name
	}
	n := len(name)
	for _, a := range argv[1:] {
		n += 1 + len(a)
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(name)
	for _, a := range argv[1:] {
		b.WriteByte(' ')
		b.WriteString(a)
	}
	return b.String()
}

// Container describes the container an event came from.
type Container struct {
	ID              string // full id
	Name            string
	Image           string // as given to the runtime, e.g. "nginx:1.25"
	ImageRepository string // e.g. "nginx" or "registry.example.com/team/app"
	ImageTag        string
	ImageDigest     string
	Privileged      bool
	StartTime       time.Time
	Labels          map[string]string // not read on the hot path
}

// ShortID returns the first 12 characters of the container id (Falco's container.id).
func (c *Container) ShortID() string {
	if c == nil {
		return ""
	}
	if len(c.ID) > 12 {
		return c.ID[:12]
	}
	return c.ID
}

// Failed reports whether the call returned an error (evt.failed).
func (e *Event) Failed() bool { return e.Ret < 0 }

// Name returns the process name: the enriched Process name, else Comm.
func (e *Event) Name() string {
	if e.Process != nil && e.Process.Name != "" {
		return e.Process.Name
	}
	return e.Comm
}

// Exe returns the executable path: the enriched one, else ExePath.
func (e *Event) Exe() string {
	if e.Process != nil && e.Process.ExePath != "" {
		return e.Process.ExePath
	}
	return e.ExePath
}

// Argv returns the process argv: the enriched one, else Args.
func (e *Event) Argv() []string {
	if e.Process != nil && e.Process.Args != nil {
		return e.Process.Args
	}
	return e.Args
}

// IsContainer reports whether the event comes from a container (not the host).
func (e *Event) IsContainer() bool { return e.Container != nil && e.Container.ID != "" }

// MarshalText writes the fd.type name ("file", "ipv4", ...).
func (t FDType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads an fd.type name; "" is FDUnknown.
func (t *FDType) UnmarshalText(b []byte) error {
	for i, n := range fdTypeNames {
		if n == string(b) {
			*t = FDType(i)
			return nil
		}
	}
	return fmt.Errorf("unknown fd type %q", b)
}

// MarshalText writes "tcp", "udp", ... ("" when unknown).
func (p L4Proto) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads a protocol name; "" is ProtoUnknown.
func (p *L4Proto) UnmarshalText(b []byte) error {
	for i, n := range protoNames {
		if n == string(b) {
			*p = L4Proto(i)
			return nil
		}
	}
	return fmt.Errorf("unknown protocol %q", b)
}
