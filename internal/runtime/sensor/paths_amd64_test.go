//go:build linux

package sensor

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// legacyPathCalls makes the calls without "at", which x86_64 has and the
// asm-generic table (arm64) does not (x/sys/unix uses the *at forms).
func legacyPathCalls() {
	rawPathCall(unix.SYS_MKDIR, "newdir2")
	rawPathCall(unix.SYS_SYMLINK, "/etc/shadow", "sym2")
	rawPathCall(unix.SYS_LINK, "../etc/shadow", "hard2")
}

// legacyPathWant are the events of legacyPathCalls.
var legacyPathWant = []pathEvent{
	{"mkdir", "D/tmp/newdir2", "newdir2", ""},
	{"symlink", "/etc/shadow", "", "D/tmp/sym2"},
	{"link", "D/etc/shadow", "../etc/shadow", "D/tmp/hard2"},
}

// rawPathCall makes syscall nr with the strings a as its first arguments
// and 0755 as the third.
func rawPathCall(nr uintptr, a ...string) {
	var p [2]*byte
	for i, s := range a {
		p[i], _ = unix.BytePtrFromString(s)
	}
	unix.Syscall(nr, uintptr(unsafe.Pointer(p[0])), uintptr(unsafe.Pointer(p[1])), 0o755)
}
