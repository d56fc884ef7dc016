package sensor

import (
	"bufio"
	"errors"
	"io/fs"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// defineRE matches "#define __NR_name 123" (and asm-generic's __NR3264_
// spellings of calls whose name differs between 32 and 64 bits).
var defineRE = regexp.MustCompile(`^#define\s+__NR(?:3264)?_(\w+)\s+(\d+)\s*$`)

// headerNumbers reads the syscall numbers of a kernel uapi header; it skips
// the test when the header is missing (Debian: linux-libc-dev).
func headerNumbers(t *testing.T, path string) (map[string]uint32, uint32) {
	t.Helper()
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("%s is missing (install linux-libc-dev)", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	nums := map[string]uint32{}
	var highest uint32
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := defineRE.FindStringSubmatch(sc.Text())
		if m == nil || m[1] == "syscalls" {
			continue
		}
		n, err := strconv.ParseUint(m[2], 10, 32)
		if err != nil {
			t.Fatalf("%s: %q: %v", path, sc.Text(), err)
		}
		nums[m[1]] = uint32(n)
		highest = max(highest, uint32(n))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(nums) < 250 {
		t.Fatalf("%s: only %d syscall numbers: not a syscall table", path, len(nums))
	}
	return nums, highest
}

// cNumbers reads the NR_* defines of bpf/sensor.c for one target: the
// block after the line starting with from, up to the next #elif/#else.
func cNumbers(t *testing.T, from string) map[string]uint32 {
	t.Helper()
	src, err := os.ReadFile("bpf/sensor.c")
	if err != nil {
		t.Fatal(err)
	}
	nums := map[string]uint32{}
	in := false
	re := regexp.MustCompile(`^#define\s+NR_(\w+)\s+(\d+)\s*$`)
	for line := range strings.SplitSeq(string(src), "\n") {
		switch {
		case strings.HasPrefix(line, from):
			in = true
			continue
		case in && (strings.HasPrefix(line, "#elif") || strings.HasPrefix(line, "#else") || strings.HasPrefix(line, "#endif")):
			in = false
		}
		if m := re.FindStringSubmatch(line); in && m != nil {
			n, _ := strconv.ParseUint(m[2], 10, 32)
			nums[m[1]] = uint32(n)
		}
	}
	if len(nums) == 0 {
		t.Fatalf("bpf/sensor.c: no NR_ defines after %q", from)
	}
	return nums
}

// TestSyscallNumbers: the numbers of every followed call, in the Go tables
// and in bpf/sensor.c, are the kernel's for each architecture: x86_64's
// from asm/unistd_64.h, arm64's from the asm-generic table. A call the
// header does not name must be newer than the header (fchmodat2 with
// Linux 6.1 headers); the C source and the Go table list the same calls.
func TestSyscallNumbers(t *testing.T) {
	for _, tc := range []struct {
		arch, header, cblock string
		table                map[uint32]sysCall
	}{
		{"amd64", "/usr/include/x86_64-linux-gnu/asm/unistd_64.h", "#if defined(__TARGET_ARCH_x86)", syscallsAMD64},
		{"arm64", "/usr/include/asm-generic/unistd.h", "#elif defined(__TARGET_ARCH_arm64)", syscallsARM64},
	} {
		t.Run(tc.arch, func(t *testing.T) {
			kernel, highest := headerNumbers(t, tc.header)
			goNums := map[string]uint32{}
			for nr, c := range tc.table {
				if _, dup := goNums[c.Name]; dup {
					t.Errorf("%s listed twice", c.Name)
				}
				goNums[c.Name] = nr
				k, ok := kernel[c.Name]
				switch {
				case !ok && nr <= highest:
					t.Errorf("%s (%d): %s has no such call", c.Name, nr, tc.header)
				case !ok:
					t.Logf("%s (%d) is newer than %s (highest %d): not checked", c.Name, nr, tc.header, highest)
				case k != nr:
					t.Errorf("%s is %d, the kernel's is %d", c.Name, nr, k)
				}
			}
			cNums := cNumbers(t, tc.cblock)
			if !maps.Equal(goNums, cNums) {
				t.Errorf("Go table and bpf/sensor.c differ:\nGo %v\nC  %v", goNums, cNums)
			}
		})
	}
	// both architectures follow the same calls, but for those arm64 lacks
	var amd, arm []string
	for _, c := range syscallsAMD64 {
		amd = append(amd, c.Name)
	}
	for _, c := range syscallsARM64 {
		arm = append(arm, c.Name)
	}
	legacy := []string{"open", "dup2", "mkdir", "rmdir", "rename", "unlink", "chmod", "chown", "lchown", "link", "symlink"}
	arm = append(arm, legacy...)
	slices.Sort(amd)
	slices.Sort(arm)
	if !slices.Equal(amd, arm) {
		t.Errorf("x86_64 follows %v\narm64 follows %v (plus the legacy calls)", amd, arm)
	}
}
