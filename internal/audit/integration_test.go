//go:build linux

package audit

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
	"github.com/google/go-cmp/cmp"
)

var record = flag.Bool("record", false, "record the live host's facts into testdata/recorded")

const testImage = "bulkhead-audit-test:1"

var (
	imageOnce sync.Once
	imageErr  error
)

// sleeper is a static program that waits for a signal. "-check" exits 0 so
// it doubles as a health check; installed as /bin/sh it runs only
// "sh -c '/sleep -check'" (the shell form docker run --health-cmd uses).
const sleeper = `package main

import (
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
)

func main() {
	if filepath.Base(os.Args[0]) == "sh" {
		if len(os.Args) > 2 && os.Args[1] == "-c" && strings.TrimSpace(os.Args[2]) == "/sleep -check" {
			os.Exit(0)
		}
		os.Exit(127)
	}
	if len(os.Args) > 1 && os.Args[1] == "-check" {
		return
	}
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM, os.Interrupt)
	<-c
}
`

// testImageRef builds (once) a one-file image holding a static sleeper.
func testImageRef(t testing.TB) string {
	t.Helper()
	imageOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bh-audit-img")
		if err != nil {
			imageErr = err
			return
		}
		defer os.RemoveAll(dir)
		src := filepath.Join(dir, "src")
		root := filepath.Join(dir, "root")
		for _, d := range []string{src, root} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				imageErr = err
				return
			}
		}
		if err := os.WriteFile(filepath.Join(src, "main.go"), []byte(sleeper), 0o644); err != nil {
			imageErr = err
			return
		}
		build := exec.Command("go", "build", "-o", filepath.Join(root, "sleep"), "main.go")
		build.Dir = src
		build.Env = append(os.Environ(), "CGO_ENABLED=0", "GO111MODULE=off", "GOTOOLCHAIN=local")
		if out, err := build.CombinedOutput(); err != nil {
			imageErr = fmt.Errorf("build sleeper: %v: %s", err, out)
			return
		}
		if err := os.MkdirAll(filepath.Join(root, "bin"), 0o755); err != nil {
			imageErr = err
			return
		}
		if err := os.Link(filepath.Join(root, "sleep"), filepath.Join(root, "bin", "sh")); err != nil {
			imageErr = err
			return
		}
		imp := exec.Command("bash", "-c", `tar c -C "$1" . | docker import -c 'CMD ["/sleep"]' - "$2"`, "bash", root, testImage)
		if out, err := imp.CombinedOutput(); err != nil {
			imageErr = fmt.Errorf("docker import: %v: %s", err, out)
		}
	})
	if imageErr != nil {
		t.Fatal(imageErr)
	}
	return testImage
}

// sshdImage builds an image of its own (the shared test image's tag is
// used by other test runs too) whose sleeper is called /sshd, for 5.7.
func sshdImage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src, root := filepath.Join(dir, "src"), filepath.Join(dir, "root")
	for _, d := range []string{src, root} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte(sleeper), 0o644); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", filepath.Join(root, "sshd"), "main.go")
	build.Dir = src
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GO111MODULE=off", "GOTOOLCHAIN=local")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build sleeper: %v: %s", err, out)
	}
	tag := "audit-cli-sshd:" + uniq()
	imp := exec.Command("bash", "-c", `tar c -C "$1" . | docker import -c 'CMD ["/sshd"]' - "$2"`, "bash", root, tag)
	if out, err := imp.CombinedOutput(); err != nil {
		t.Fatalf("docker import: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "-f", tag).Run() })
	return tag
}

func docker(t testing.TB, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func uniq() string { return strconv.FormatInt(time.Now().UnixNano()%1e9, 36) }

// runtimeChecks are the section 5 checks the integration test asserts.
var runtimeChecks = []string{"5.4", "5.6", "5.10", "5.11", "5.12", "5.13", "5.14", "5.16", "5.22", "5.26", "5.27", "5.29", "5.30", "5.32"}

func TestContainersIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: starts ten containers (-short)")
	}
	testenv.RequireDocker(t)
	testenv.RequireRoot(t)
	img := testImageRef(t)
	id := uniq()
	netName := "bh-audit-net-" + id
	docker(t, "network", "create", netName)
	t.Cleanup(func() { _ = exec.Command("docker", "network", "rm", netName).Run() })

	hardened := func() []string {
		return []string{"--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
			"--memory", "64m", "--cpus", "0.5", "--pids-limit", "64", "--network", netName,
			"-p", "127.0.0.1::8080", "--health-cmd", "/sleep -check", "--health-interval", "2s"}
	}
	without := func(args []string, drop ...string) []string {
		var out []string
	next:
		for i := 0; i < len(args); i++ {
			for _, d := range drop {
				if args[i] == d {
					if d != "--read-only" {
						i++ // drop the value too
					}
					continue next
				}
			}
			out = append(out, args[i])
		}
		return out
	}
	cases := []struct {
		suffix string
		args   []string
		want   []string // the runtime checks it must fail, exactly
	}{
		{"hardened", hardened(), nil},
		{"hostnet", append(without(hardened(), "--network", "-p"), "--network", "host"), []string{"5.10"}},
		{"sock", append(hardened(), "-v", "/var/run/docker.sock:/var/run/docker.sock"), []string{"5.32"}},
		{"caps", append(hardened(), "--cap-add", "NET_ADMIN"), []string{"5.4"}},
		{"nolimits", without(hardened(), "--memory", "--cpus", "--pids-limit"), []string{"5.11", "5.12", "5.29"}},
		{"allif", append(without(hardened(), "-p"), "-p", "0.0.0.0::8080"), []string{"5.14"}},
		{"pidhost", append(hardened(), "--pid", "host"), []string{"5.16"}},
		{"hostroot", append(hardened(), "-v", "/:/host:ro"), []string{"5.6"}},
		{"writable", without(hardened(), "--read-only"), []string{"5.13"}},
		{"seccomp", append(hardened(), "--security-opt", "seccomp=unconfined"), []string{"5.22"}},
	}
	prefix := "bh-audit-" + id + "-"
	for _, c := range cases {
		name := prefix + c.suffix
		args := append([]string{"run", "-d", "--name", name}, c.args...)
		docker(t, append(args, img)...)
		t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", name).Run() })
	}

	facts, err := Collect(context.Background(), CollectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if facts.Daemon.Error != "" {
		t.Fatalf("daemon: %s", facts.Daemon.Error)
	}
	got := map[string][]string{}
	want := map[string][]string{}
	for _, c := range cases {
		want[prefix+c.suffix] = c.want
		got[prefix+c.suffix] = nil
	}
	for _, f := range Run(facts, Options{Checks: runtimeChecks}) {
		n := f.Location.ContainerName
		if _, ours := got[n]; !ours {
			continue
		}
		switch f.Status {
		case finding.StatusFail, finding.StatusWarn, finding.StatusSkip:
			got[n] = append(got[n], f.ID)
		}
	}
	for k := range got {
		sort.Slice(got[k], func(i, j int) bool { return checkLess(got[k][i], got[k][j]) })
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("failing runtime checks per container (-want +got):\n%s", diff)
	}
	// The container filter narrows to one container.
	for _, f := range Run(facts, Options{Checks: []string{"5.5"}, Container: prefix + "caps"}) {
		if f.Location.ContainerName != prefix+"caps" {
			t.Errorf("Container filter let %q through", f.Location.ContainerName)
		}
	}
	if *record {
		recordFacts(t, facts, prefix)
	}
}

// checkLess orders CIS ids numerically ("5.4" < "5.10").
func checkLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, _ := strconv.Atoi(as[i])
		y, _ := strconv.Atoi(bs[i])
		if x != y {
			return x < y
		}
	}
	return len(as) < len(bs)
}

// recordFacts writes the live facts, with the test's containers renamed to
// stable names, for TestReplayRecorded.
func recordFacts(t *testing.T, f *Facts, prefix string) {
	t.Helper()
	var keep []Container
	for _, c := range f.Containers {
		if strings.HasPrefix(c.DisplayName(), prefix) {
			c.Name = "/audit-" + strings.TrimPrefix(c.DisplayName(), prefix)
			keep = append(keep, c)
		}
	}
	f.Containers = keep
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.ReplaceAll(string(b), prefix, "audit-"))
	if err := os.MkdirAll(filepath.Join("testdata", "recorded"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", "recorded", "host.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// --- a second daemon ------------------------------------------------------------

type daemon2 struct {
	dir, sock, config string
	pid               int
}

// startDaemon runs a second dockerd in its own network namespace (so that
// its iptables rules and bridge never touch the host's), on its own socket,
// data root and exec root, with the given daemon.json.
func startDaemon(t *testing.T, config string, mode os.FileMode) *daemon2 {
	t.Helper()
	testenv.RequireCommand(t, "dockerd")
	testenv.RequireCommand(t, "unshare")
	dir, err := os.MkdirTemp("", "bhd")
	if err != nil {
		t.Fatal(err)
	}
	d := &daemon2{dir: dir, sock: filepath.Join(dir, "d.sock"), config: filepath.Join(dir, "daemon.json")}
	if err := os.WriteFile(d.config, []byte(config), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(d.config, mode); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "dockerd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("unshare", "--net", "--", "dockerd",
		"--host", "unix://"+d.sock, "--data-root", filepath.Join(dir, "data"), "--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "d.pid"), "--config-file", d.config)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Skipf("a second dockerd cannot start here: %v", err)
	}
	d.pid = cmd.Process.Pid
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = syscall.Kill(d.pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-d.pid, syscall.SIGKILL)
			<-exited
		}
		logf.Close()
		if t.Failed() {
			if b, err := os.ReadFile(logf.Name()); err == nil {
				t.Logf("second dockerd log (tail):\n%s", tail(string(b), 3000))
			}
		}
		_ = os.RemoveAll(dir)
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		if err := exec.Command("docker", "-H", "unix://"+d.sock, "version", "--format", "{{.Server.Version}}").Run(); err == nil {
			return d
		}
		select {
		case <-exited:
			b, _ := os.ReadFile(logf.Name())
			t.Skipf("a second dockerd exited at start (it needs its own network namespace, overlay and cgroups): %s", tail(string(b), 1500))
		default:
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logf.Name())
			t.Fatalf("second dockerd did not answer within 60s: %s", tail(string(b), 1500))
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func TestDaemonConfigFlips(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: starts a second dockerd (-short)")
	}
	testenv.RequireDocker(t)
	testenv.RequireRoot(t)
	checks := []string{"2.2", "2.3", "2.5", "2.14", "2.15", "2.16", "3.17", "3.18"}
	tests := []struct {
		name   string
		config string
		mode   os.FileMode
		want   map[string]finding.Status
	}{
		{"weak", `{"log-level": "debug", "insecure-registries": ["10.1.2.3:5000"]}`, 0o666, map[string]finding.Status{
			"2.2": finding.StatusFail, "2.3": finding.StatusFail, "2.5": finding.StatusFail, "2.14": finding.StatusFail,
			"2.15": finding.StatusFail, "2.16": finding.StatusFail, "3.17": finding.StatusPass, "3.18": finding.StatusFail}},
		{"hardened", `{"icc": false, "live-restore": true, "userland-proxy": false, "no-new-privileges": true,
			"log-level": "info", "log-opts": {"max-size": "10m", "max-file": "3"}}`, 0o644, map[string]finding.Status{
			"2.2": finding.StatusPass, "2.3": finding.StatusPass, "2.5": finding.StatusPass, "2.14": finding.StatusPass,
			"2.15": finding.StatusPass, "2.16": finding.StatusPass, "3.17": finding.StatusPass, "3.18": finding.StatusPass}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := startDaemon(t, tt.config, tt.mode)
			facts, err := Collect(context.Background(), CollectOptions{Host: "unix://" + d.sock})
			if err != nil {
				t.Fatal(err)
			}
			if facts.Process.PID != d.pid {
				t.Errorf("Collect found dockerd pid %d, want %d (the one serving %s)", facts.Process.PID, d.pid, d.sock)
			}
			if facts.Config.Path != d.config {
				t.Errorf("config path %q, want %q (from --config-file)", facts.Config.Path, d.config)
			}
			got := map[string]finding.Status{}
			for _, f := range Run(facts, Options{Checks: checks}) {
				got[f.ID] = f.Status
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("daemon checks (-want +got):\n%s", diff)
			}
		})
	}
}

// BenchmarkAudit50 audits a host running 50 containers: Collect + Run.
func BenchmarkAudit50(b *testing.B) {
	testenv.RequireDocker(b)
	testenv.RequireRoot(b)
	img := testImageRef(b)
	prefix := "bh-audit-bench-" + uniq() + "-"
	var names []string
	for i := 0; i < 50; i++ {
		n := prefix + strconv.Itoa(i)
		names = append(names, n)
		docker(b, "run", "-d", "--name", n, "--memory", "32m", img)
	}
	b.Cleanup(func() { _ = exec.Command("docker", append([]string{"rm", "-f"}, names...)...).Run() })
	b.ResetTimer()
	var findings int
	for i := 0; i < b.N; i++ {
		f, err := Collect(context.Background(), CollectOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if len(f.Containers) < 50 {
			b.Fatalf("collected %d containers, want at least 50", len(f.Containers))
		}
		findings = len(Run(f, Options{}))
	}
	b.ReportMetric(float64(findings), "findings/op")
}

// TestSwarmIntegration makes a second dockerd (never the shared one) a
// single-node swarm manager and audits it: section 7 is judged from the
// daemon's answers and its network namespace's sockets.
func TestSwarmIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: starts a second dockerd (-short)")
	}
	testenv.RequireDocker(t)
	testenv.RequireRoot(t)
	d := startDaemon(t, `{}`, 0o644)
	dk := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("docker", append([]string{"-H", "unix://" + d.sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("docker %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	// Its own network namespace has only the loopback interface.
	if out, err := exec.Command("nsenter", "-t", strconv.Itoa(d.pid), "-n", "ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Logf("lo up: %v %s", err, out)
	}
	dk("swarm", "init", "--advertise-addr", "127.0.0.1", "--listen-addr", "0.0.0.0:2377")
	dk("network", "create", "-d", "overlay", "audit-cli-plain")
	dk("network", "create", "-d", "overlay", "--opt", "encrypted", "audit-cli-encrypted")

	status := func() map[string]finding.Status {
		facts, err := Collect(context.Background(), CollectOptions{Host: "unix://" + d.sock, SkipAuditctl: true})
		if err != nil {
			t.Fatal(err)
		}
		if facts.Daemon.Error != "" {
			t.Fatalf("daemon: %s", facts.Daemon.Error)
		}
		got := map[string]finding.Status{}
		for _, f := range Run(facts, Options{Checks: []string{"5.1", "7.1", "7.2", "7.3", "7.4", "7.5"}}) {
			k := f.ID
			if f.ID == "7.3" {
				k += " " + f.Location.Object
			}
			got[k] = f.Status
			t.Logf("%s %s %s: %s", f.ID, f.Status, f.Location.Object, f.Evidence)
		}
		return got
	}
	got := status()
	want := map[string]finding.Status{
		"5.1": finding.StatusWarn, "7.1": finding.StatusPass, "7.2": finding.StatusFail,
		"7.3 network audit-cli-plain": finding.StatusFail, "7.3 network audit-cli-encrypted": finding.StatusPass,
		"7.3 network ingress": finding.StatusFail, "7.4": finding.StatusInfo, "7.5": finding.StatusFail,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("swarm checks (-want +got):\n%s", diff)
	}
	// Autolock on turns 7.5 to PASS.
	dk("swarm", "update", "--autolock=true")
	if s := status()["7.5"]; s != finding.StatusPass {
		t.Errorf("7.5 after --autolock=true: %s, want PASS", s)
	}
	// Bound to one interface, the management port passes 7.2.
	dk("swarm", "leave", "--force")
	dk("swarm", "init", "--advertise-addr", "127.0.0.1", "--listen-addr", "127.0.0.1:2377")
	if s := status()["7.2"]; s != finding.StatusPass {
		t.Errorf("7.2 with --listen-addr 127.0.0.1:2377: %s, want PASS", s)
	}
}
