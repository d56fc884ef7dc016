package event

import "fmt"

// Type is the kind of an event. Its String is Falco's evt.type name, so a
// Falco condition such as "evt.type in (open, openat)" compares names.
type Type uint16

// Event types. Each Linux system call that Falco names separately has its own
// Type, so that evt.type comparisons are exact.
const (
	// Unknown is the zero Type.
	Unknown Type = iota
	Execve
	Execveat
	Procexit
	Clone
	Clone3
	Fork
	Vfork
	Open
	Openat
	Openat2
	Creat
	Close
	Read
	Write
	Connect
	Accept
	Accept4
	Bind
	Listen
	Socket
	Sendto
	Recvfrom
	Sendmsg
	Recvmsg
	Setuid
	Setgid
	Setreuid
	Setregid
	Setresuid
	Setresgid
	Capset
	Ptrace
	ProcessVMReadv
	ProcessVMWritev
	Kill
	Tkill
	Tgkill
	InitModule
	FinitModule
	DeleteModule
	Mount
	Umount
	Umount2
	PivotRoot
	Chroot
	Unshare
	Setns
	Chmod
	Fchmod
	Fchmodat
	Chown
	Lchown
	Fchown
	Fchownat
	MemfdCreate
	Unlink
	Unlinkat
	Rename
	Renameat
	Renameat2
	Symlink
	Symlinkat
	Link
	Linkat
	Mkdir
	Mkdirat
	Rmdir
	Truncate
	Ftruncate
	Dup
	Dup2
	Dup3
	Mmap
	Mprotect
	Prctl
	BPF
	Userfaultfd
	Chdir
	Fchdir

	// NumTypes is one more than the largest Type; a [NumTypes]T array is
	// indexed by Type.
	NumTypes
)

// Short aliases for the lifecycle events.
const (
	Exec = Execve
	Exit = Procexit
)

var typeNames = [NumTypes]string{
	Unknown:         "unknown",
	Execve:          "execve",
	Execveat:        "execveat",
	Procexit:        "procexit",
	Clone:           "clone",
	Clone3:          "clone3",
	Fork:            "fork",
	Vfork:           "vfork",
	Open:            "open",
	Openat:          "openat",
	Openat2:         "openat2",
	Creat:           "creat",
	Close:           "close",
	Read:            "read",
	Write:           "write",
	Connect:         "connect",
	Accept:          "accept",
	Accept4:         "accept4",
	Bind:            "bind",
	Listen:          "listen",
	Socket:          "socket",
	Sendto:          "sendto",
	Recvfrom:        "recvfrom",
	Sendmsg:         "sendmsg",
	Recvmsg:         "recvmsg",
	Setuid:          "setuid",
	Setgid:          "setgid",
	Setreuid:        "setreuid",
	Setregid:        "setregid",
	Setresuid:       "setresuid",
	Setresgid:       "setresgid",
	Capset:          "capset",
	Ptrace:          "ptrace",
	ProcessVMReadv:  "process_vm_readv",
	ProcessVMWritev: "process_vm_writev",
	Kill:            "kill",
	Tkill:           "tkill",
	Tgkill:          "tgkill",
	InitModule:      "init_module",
	FinitModule:     "finit_module",
	DeleteModule:    "delete_module",
	Mount:           "mount",
	Umount:          "umount",
	Umount2:         "umount2",
	PivotRoot:       "pivot_root",
	Chroot:          "chroot",
	Unshare:         "unshare",
	Setns:           "setns",
	Chmod:           "chmod",
	Fchmod:          "fchmod",
	Fchmodat:        "fchmodat",
	Chown:           "chown",
	Lchown:          "lchown",
	Fchown:          "fchown",
	Fchownat:        "fchownat",
	MemfdCreate:     "memfd_create",
	Unlink:          "unlink",
	Unlinkat:        "unlinkat",
	Rename:          "rename",
	Renameat:        "renameat",
	Renameat2:       "renameat2",
	Symlink:         "symlink",
	Symlinkat:       "symlinkat",
	Link:            "link",
	Linkat:          "linkat",
	Mkdir:           "mkdir",
	Mkdirat:         "mkdirat",
	Rmdir:           "rmdir",
	Truncate:        "truncate",
	Ftruncate:       "ftruncate",
	Dup:             "dup",
	Dup2:            "dup2",
	Dup3:            "dup3",
	Mmap:            "mmap",
	Mprotect:        "mprotect",
	Prctl:           "prctl",
	BPF:             "bpf",
	Userfaultfd:     "userfaultfd",
	Chdir:           "chdir",
	Fchdir:          "fchdir",
}

// String returns Falco's evt.type name ("execve", "openat", ...).
func (t Type) String() string {
	if t < NumTypes {
		return typeNames[t]
	}
	return "unknown"
}

var typeByName = func() map[string]Type {
	m := make(map[string]Type, NumTypes)
	for t := Type(1); t < NumTypes; t++ {
		m[typeNames[t]] = t
	}
	return m
}()

// ParseType returns the Type with Falco's evt.type name, and false when
// bulkhead has no such event type.
func ParseType(name string) (Type, bool) {
	t, ok := typeByName[name]
	return t, ok
}

// IsOpen reports whether t opens a file (open, openat, openat2, creat).
func (t Type) IsOpen() bool { return t == Open || t == Openat || t == Openat2 || t == Creat }

// IsExec reports whether t is a successful program start (execve, execveat).
func (t Type) IsExec() bool { return t == Execve || t == Execveat }

// MarshalText writes the Falco name, so recorded events stay readable and
// do not depend on the numbering of Type.
func (t Type) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads a Falco event name.
func (t *Type) UnmarshalText(b []byte) error {
	if string(b) == "unknown" {
		*t = Unknown
		return nil
	}
	v, ok := ParseType(string(b))
	if !ok {
		return fmt.Errorf("unknown event type %q", b)
	}
	*t = v
	return nil
}
