//go:build linux

package audit

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// TestNonRoot re-runs the test binary as nobody against the real host: the
// audit still runs, and what needs privilege SKIPs with "needs root".
func TestNonRoot(t *testing.T) {
	if os.Getenv("BH_AUDIT_NONROOT_CHILD") == "1" {
		nonRootChild(t)
		return
	}
	testenv.RequireDocker(t)
	testenv.RequireRoot(t)
	dir, err := os.MkdirTemp("", "bh-audit-nonroot")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "audit.test")
	if err := copyFile(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run", "^TestNonRoot$", "-test.v")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "BH_AUDIT_NONROOT_CHILD=1", "HOME="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("non-root run failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestNonRoot") {
		t.Fatalf("non-root child did not pass:\n%s", out)
	}
}

func nonRootChild(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Fatal("child still runs as root")
	}
	f, err := Collect(context.Background(), CollectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Host.Root {
		t.Error("Host.Root = true as nobody")
	}
	if !strings.Contains(f.Daemon.Error, needsRoot) {
		t.Errorf("Daemon.Error = %q, want a %q reason", f.Daemon.Error, needsRoot)
	}
	fs := Run(f, Options{})
	if len(fs) == 0 {
		t.Fatal("no findings as non-root")
	}
	for _, x := range fs {
		if x.ID == "5.4" || x.ID == "2.6" || x.ID == "4.6" {
			if x.Status != finding.StatusSkip || !strings.Contains(x.Evidence, needsRoot) {
				t.Errorf("%s as non-root: %s %q, want SKIP saying %q", x.ID, x.Status, x.Evidence, needsRoot)
			}
		}
	}
	// Host file checks still ran where the files are world-readable.
	st := statuses(fs)
	if s := st["3.5 /etc/docker"]; s != finding.StatusPass && s != finding.StatusFail {
		t.Errorf("3.5 as non-root: %q, want an evaluated status", s)
	}
	t.Logf("%d findings as uid %d", len(fs), os.Geteuid())
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// TestDockerGroup re-runs the test binary as nobody in the docker socket's
// group: a docker group member is not root but audits every container,
// 5.7 included (an sshd runs in one), and only host files and processes
// that need root are skipped, each saying so.
func TestDockerGroup(t *testing.T) {
	if os.Getenv("BH_AUDIT_DOCKERGROUP_CHILD") != "" {
		dockerGroupChild(t, os.Getenv("BH_AUDIT_DOCKERGROUP_CHILD"))
		return
	}
	testenv.RequireDocker(t)
	testenv.RequireRoot(t)
	fi, err := os.Stat(DefaultSocket)
	if err != nil {
		t.Skipf("no %s: %v", DefaultSocket, err)
	}
	gid := fi.Sys().(*syscall.Stat_t).Gid
	if fi.Mode().Perm()&0o060 != 0o060 {
		t.Skipf("%s is not group read-writable (%v)", DefaultSocket, fi.Mode())
	}

	// An image whose one process is called sshd.
	img := sshdImage(t)
	name := "audit-cli-sshd-" + uniq()
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", name).Run() })
	docker(t, "run", "-d", "--name", name, img)

	dir, err := os.MkdirTemp("", "bh-audit-group")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "audit.test")
	if err := copyFile(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run", "^TestDockerGroup$", "-test.v")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "BH_AUDIT_DOCKERGROUP_CHILD="+name, "HOME="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{gid}}}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestDockerGroup") {
		t.Fatalf("docker group run failed: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

func dockerGroupChild(t *testing.T, sshdContainer string) {
	if os.Geteuid() == 0 {
		t.Fatal("child still runs as root")
	}
	f, err := Collect(context.Background(), CollectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Daemon.Error != "" {
		t.Fatalf("a docker group member cannot ask the daemon: %s", f.Daemon.Error)
	}
	var rootOnly []string
	for _, x := range Run(f, Options{}) {
		if x.Location.ContainerName == sshdContainer && x.ID == "5.7" && x.Status != finding.StatusFail {
			t.Errorf("5.7 of %s as a docker group member: %s %q, want FAIL", sshdContainer, x.Status, x.Evidence)
		}
		if x.Status == finding.StatusSkip && strings.Contains(x.Evidence, needsRoot) {
			if x.Location.ContainerName != "" {
				t.Errorf("%s of container %s needs root: %q", x.ID, x.Location.ContainerName, x.Evidence)
			}
			rootOnly = append(rootOnly, x.ID+" "+x.Location.Object)
		}
	}
	t.Logf("skipped for needing root as a docker group member: %s", strings.Join(rootOnly, "; "))
}
