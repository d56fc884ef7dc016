package rules

import (
	"strconv"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
)

// Linux names used to render numeric arguments the way Falco prints them, so
// that conditions such as "evt.arg.flags contains O_TRUNC" work.

var errnoNames = map[int64]string{
	1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 6: "ENXIO", 7: "E2BIG", 8: "ENOEXEC",
	9: "EBADF", 10: "ECHILD", 11: "EAGAIN", 12: "ENOMEM", 13: "EACCES", 14: "EFAULT", 15: "ENOTBLK",
	16: "EBUSY", 17: "EEXIST", 18: "EXDEV", 19: "ENODEV", 20: "ENOTDIR", 21: "EISDIR", 22: "EINVAL",
	23: "ENFILE", 24: "EMFILE", 25: "ENOTTY", 26: "ETXTBSY", 27: "EFBIG", 28: "ENOSPC", 29: "ESPIPE",
	30: "EROFS", 31: "EMLINK", 32: "EPIPE", 33: "EDOM", 34: "ERANGE", 35: "EDEADLK", 36: "ENAMETOOLONG",
	38: "ENOSYS", 39: "ENOTEMPTY", 40: "ELOOP", 61: "ENODATA", 88: "ENOTSOCK", 95: "EOPNOTSUPP",
	97: "EAFNOSUPPORT", 98: "EADDRINUSE", 99: "EADDRNOTAVAIL", 100: "ENETDOWN", 101: "ENETUNREACH",
	103: "ECONNABORTED", 104: "ECONNRESET", 106: "EISCONN", 107: "ENOTCONN", 110: "ETIMEDOUT",
	111: "ECONNREFUSED", 113: "EHOSTUNREACH", 114: "EALREADY", 115: "EINPROGRESS",
}

// resString renders a return value as Falco's evt.res: SUCCESS or the errno name.
func resString(ret int64) string {
	if ret >= 0 {
		return "SUCCESS"
	}
	if n, ok := errnoNames[-ret]; ok {
		return n
	}
	return "E" + strconv.FormatInt(-ret, 10)
}

var capNames = [...]string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
	"CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
	"CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
	"CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE"}

// capString renders a capability mask as space-separated CAP_ names.
func capString(mask uint64) string {
	var b strings.Builder
	for i, n := range capNames {
		if mask&(1<<uint(i)) != 0 {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(n)
		}
	}
	return b.String()
}

type flagName struct {
	v    uint32
	name string
}

var openFlagNames = []flagName{
	{event.OCreat, "O_CREAT"}, {event.OExcl, "O_EXCL"}, {event.ONoCTTY, "O_NOCTTY"},
	{event.OTrunc, "O_TRUNC"}, {event.OAppend, "O_APPEND"}, {event.ONonBlock, "O_NONBLOCK"},
	{event.ODirectory, "O_DIRECTORY"}, {event.OCloExec, "O_CLOEXEC"}, {0x1000, "O_DSYNC"},
	{0x4000, "O_DIRECT"}, {0x20000, "O_NOFOLLOW"}, {0x40000, "O_NOATIME"}, {0x200000, "O_PATH"},
	{0x400000, "O_TMPFILE"},
}

// openFlagsString renders open(2) flags as Falco does: O_RDONLY|O_CREAT|...
func openFlagsString(f uint32) string {
	var parts []string
	switch f & 3 {
	case event.ORdOnly:
		parts = append(parts, "O_RDONLY")
	case event.OWrOnly:
		parts = append(parts, "O_WRONLY")
	case event.ORdWr:
		parts = append(parts, "O_RDWR")
	}
	for _, n := range openFlagNames {
		if f&n.v == n.v {
			parts = append(parts, n.name)
		}
	}
	return strings.Join(parts, "|")
}

var cloneFlagNames = []flagName{
	{event.CloneNewNS, "CLONE_NEWNS"}, {event.CloneNewCgroup, "CLONE_NEWCGROUP"},
	{event.CloneNewUTS, "CLONE_NEWUTS"}, {event.CloneNewIPC, "CLONE_NEWIPC"},
	{event.CloneNewUser, "CLONE_NEWUSER"}, {event.CloneNewPID, "CLONE_NEWPID"},
	{event.CloneNewNet, "CLONE_NEWNET"}, {0x100, "CLONE_VM"}, {0x200, "CLONE_FS"},
	{0x400, "CLONE_FILES"}, {0x10000, "CLONE_THREAD"},
}

func flagsString(f uint32, names []flagName) string {
	var parts []string
	for _, n := range names {
		if f&n.v == n.v && n.v != 0 {
			parts = append(parts, n.name)
		}
	}
	if len(parts) == 0 {
		return strconv.FormatUint(uint64(f), 10)
	}
	return strings.Join(parts, "|")
}

var modeNames = []flagName{
	{0o1, "S_IXOTH"}, {0o2, "S_IWOTH"}, {0o4, "S_IROTH"}, {0o10, "S_IXGRP"}, {0o20, "S_IWGRP"},
	{0o40, "S_IRGRP"}, {0o100, "S_IXUSR"}, {0o200, "S_IWUSR"}, {0o400, "S_IRUSR"},
	{0o1000, "S_ISVTX"}, {0o2000, "S_ISGID"}, {0o4000, "S_ISUID"},
}

// modeString renders a file mode as 0755(S_IXOTH|...), Falco's form.
func modeString(m uint32) string {
	s := "0" + strconv.FormatUint(uint64(m&0o7777), 8)
	var parts []string
	for _, n := range modeNames {
		if m&n.v != 0 {
			parts = append(parts, n.name)
		}
	}
	if len(parts) == 0 {
		return s
	}
	return s + "(" + strings.Join(parts, "|") + ")"
}

var ptraceNames = map[uint32]string{
	0: "PTRACE_TRACEME", 1: "PTRACE_PEEKTEXT", 2: "PTRACE_PEEKDATA", 3: "PTRACE_PEEKUSR",
	4: "PTRACE_POKETEXT", 5: "PTRACE_POKEDATA", 6: "PTRACE_POKEUSR", 7: "PTRACE_CONT",
	8: "PTRACE_KILL", 9: "PTRACE_SINGLESTEP", 12: "PTRACE_GETREGS", 13: "PTRACE_SETREGS",
	16: "PTRACE_ATTACH", 17: "PTRACE_DETACH", 24: "PTRACE_SYSCALL", 0x4200: "PTRACE_SETOPTIONS",
	0x4206: "PTRACE_SEIZE", 0x4207: "PTRACE_INTERRUPT",
}

func ptraceString(r uint32) string {
	if n, ok := ptraceNames[r]; ok {
		return n
	}
	return strconv.FormatUint(uint64(r), 10)
}

func familyString(f uint16) string {
	switch f {
	case event.AFUnspec:
		return "AF_UNSPEC"
	case event.AFUnix:
		return "AF_UNIX"
	case event.AFInet:
		return "AF_INET"
	case event.AFInet6:
		return "AF_INET6"
	case event.AFNetlink:
		return "AF_NETLINK"
	case event.AFPacket:
		return "AF_PACKET"
	}
	return "AF_" + strconv.FormatUint(uint64(f), 10)
}

// exeFlagsString renders execve's flags (Falco's EXE_* flags).
func exeFlagsString(p *event.Process) string {
	if p == nil {
		return ""
	}
	var parts []string
	if p.ExeWritable {
		parts = append(parts, "EXE_WRITABLE")
	}
	if p.ExeUpperLayer {
		parts = append(parts, "EXE_UPPER_LAYER")
	} else {
		parts = append(parts, "EXE_LOWER_LAYER")
	}
	if p.ExeFromMemfd {
		parts = append(parts, "EXE_FROM_MEMFD")
	}
	return strings.Join(parts, "|")
}
