// Package testenv lets tests ask for real components (a Docker daemon, root,
// BPF, the shared vulnerability data) and skip with a clear reason when they
// are missing, and checks generated files kept in the repository (GoldenDir). When BULKHEAD_REQUIRE_DOCKER=1 or BULKHEAD_REQUIRE_BPF=1 is
// set (as CI does), a missing component fails the test instead.
package testenv

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func required(env string) bool { return os.Getenv(env) == "1" }

func skipOrFail(t testing.TB, env, reason string) {
	t.Helper()
	if required(env) {
		t.Fatalf("%s is set but %s", env, reason)
	}
	t.Skipf("skipping: %s (set %s=1 to make this a failure)", reason, env)
}

// RequireDocker skips (or, under BULKHEAD_REQUIRE_DOCKER=1, fails) unless a
// Docker daemon answers `docker info`.
func RequireDocker(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("docker"); err != nil {
		skipOrFail(t, "BULKHEAD_REQUIRE_DOCKER", "the docker CLI is not installed (scripts/docker-up.sh installs it)")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		skipOrFail(t, "BULKHEAD_REQUIRE_DOCKER", "no Docker daemon answers (scripts/docker-up.sh starts one): "+string(out))
	}
}

// RequireRoot skips (or fails under BULKHEAD_REQUIRE_DOCKER=1) unless the
// test runs as root on Linux.
func RequireRoot(t testing.TB) {
	t.Helper()
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		skipOrFail(t, "BULKHEAD_REQUIRE_DOCKER", "the test needs root on Linux")
	}
}

// RequireBPF skips (or fails under BULKHEAD_REQUIRE_BPF=1) unless the
// kernel exposes BTF and the test runs as root.
func RequireBPF(t testing.TB) {
	t.Helper()
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		skipOrFail(t, "BULKHEAD_REQUIRE_BPF", "eBPF needs root on Linux")
		return
	}
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		skipOrFail(t, "BULKHEAD_REQUIRE_BPF", "the kernel exposes no BTF at /sys/kernel/btf/vmlinux")
	}
}

// RequireCommand skips (or fails under BULKHEAD_REQUIRE_DOCKER=1) unless the
// named program is on PATH; CI installs every program the tests use.
func RequireCommand(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		skipOrFail(t, "BULKHEAD_REQUIRE_DOCKER", name+" is not installed (.ci/run installs it)")
	}
	return p
}

// RepoRoot returns the repository root (the folder holding go.mod).
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's folder")
		}
		dir = parent
	}
}

// SharedDir returns ../shared/<sub> beside the repository, or skips the test
// when that folder is absent: the shared data is not part of the project.
func SharedDir(t testing.TB, sub string) string {
	t.Helper()
	p := filepath.Join(RepoRoot(t), "..", "shared", sub)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("skipping: %s is absent (the shared data is not part of the repository)", p)
	}
	return p
}

// GoldenDir checks that dir holds exactly files (name to content), as
// generated pages are kept in the repository: with update it writes them
// first. Missing, differing and extra files are test errors that say to
// run go test -update.
func GoldenDir(t testing.TB, dir string, files map[string]string, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, content := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%v (run go test -update)", err)
			continue
		}
		if diff := cmp.Diff(want, string(got)); diff != "" {
			t.Errorf("%s is out of date (run go test -update) (-want +got):\n%s", name, diff)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if _, ok := files[e.Name()]; !ok {
			t.Errorf("%s: nothing generates this page (run go test -update, then remove it)", e.Name())
		}
	}
}
