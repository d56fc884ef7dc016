//go:build linux && amd64

package sensor

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// requireARM64 makes TestARM64Kernel fail rather than skip when QEMU is
// missing or the test runs with -short.
const requireARM64 = "BULKHEAD_REQUIRE_ARM64"

// TestARM64Kernel runs this package's tests on a real arm64 Linux kernel:
// scripts/arm64-sensor-test.sh boots Debian's arm64 kernel in QEMU with an
// initramfs holding the test binary built for arm64, so that the arm64
// BPF object meets an arm64 kernel's verifier and its programs run there.
// Every kernel test of the package (TestBPF*, TestFallback*), found in the
// source files, must pass in the guest, and none may fail.
func TestARM64Kernel(t *testing.T) {
	required := os.Getenv(requireARM64) == "1"
	if _, err := exec.LookPath("qemu-system-aarch64"); err != nil && !required {
		t.Skip("qemu-system-aarch64 is not installed (apt-get install qemu-system-arm, or run scripts/arm64-sensor-test.sh as root); " + requireARM64 + "=1 makes this a failure")
	}
	cache := os.Getenv("BULKHEAD_ARM64_CACHE")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "bulkhead-arm64")
	}
	if _, err := os.Stat(filepath.Join(cache, "kernel", "vmlinuz")); err != nil && os.Geteuid() != 0 && !required {
		t.Skip("the arm64 kernel is not in " + cache + " and fetching it needs root (apt-get); " + requireARM64 + "=1 makes this a failure")
	}
	if testing.Short() && !required {
		t.Skip("boots an emulated arm64 machine (about 30 s); not with -short")
	}
	root := testenv.RepoRoot(t)
	kernelTests := declaredKernelTests(t, filepath.Join(root, "internal", "runtime", "sensor"))

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(root, "scripts", "arm64-sensor-test.sh"))
	cmd.Env = append(os.Environ(), "BULKHEAD_ARM64_TIMEOUT=420")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	console := strings.ReplaceAll(out.String(), "\r", "")
	t.Logf("scripts/arm64-sensor-test.sh took %v", time.Since(start).Round(100*time.Millisecond))
	if err != nil {
		t.Fatalf("scripts/arm64-sensor-test.sh: %v\n%s", err, tail(console, 150))
	}
	if !regexp.MustCompile(`(?m)^vminit: Linux \S+ aarch64$`).MatchString(console) {
		t.Fatalf("the guest did not report an aarch64 kernel:\n%s", tail(console, 60))
	}
	for _, name := range kernelTests {
		passed := regexp.MustCompile(`(?m)^--- PASS: ` + name + ` `).MatchString(console)
		failed := regexp.MustCompile(`(?m)^--- FAIL: ` + name + ` `).MatchString(console)
		if !passed || failed {
			t.Errorf("%s on the arm64 kernel: passed %v, failed %v", name, passed, failed)
		}
	}
	if t.Failed() {
		t.Logf("console:\n%s", tail(console, 150))
	}
}

// declaredKernelTests lists the TestBPF* and TestFallback* functions of
// the package's test files that build for arm64.
func declaredKernelTests(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	decl := regexp.MustCompile(`(?m)^func (Test(?:BPF|Fallback)\w*)\(t \*testing\.T\)`)
	var names []string
	for _, f := range files {
		if strings.HasSuffix(f, "_amd64_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("//go:build linux && amd64\n")) {
			continue
		}
		for _, m := range decl.FindAllSubmatch(b, -1) {
			names = append(names, string(m[1]))
		}
	}
	if len(names) < 5 {
		t.Fatalf("found only %v in %s", names, dir)
	}
	return names
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
