package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/rules"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/sensor"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// run runs a command and fails the test with its output when it fails.
func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// copyFile copies src (following links) to dst with mode.
func copyFile(t testing.TB, src, dst string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dst, mode); err != nil { // WriteFile's mode passes the umask
		t.Fatal(err)
	}
}

// buildImage imports a small image: the host's dash, cat and true with
// their libraries, true renamed apt-get, and a static helper (setuid root).
func buildImage(t testing.TB) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "rootfs")
	helper := filepath.Join(t.TempDir(), "helper")
	cmd := exec.Command("go", "build", "-o", helper, "./testdata/helper")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build helper: %v\n%s", err, out)
	}
	copyFile(t, helper, filepath.Join(root, "helper"), 0o755|os.ModeSetuid)
	for _, bin := range []string{"/bin/sh", "/bin/cat", "/bin/true"} {
		copyFile(t, bin, filepath.Join(root, bin), 0o755)
		out := run(t, "ldd", bin)
		for _, line := range strings.Split(out, "\n") {
			for _, f := range strings.Fields(line) {
				if strings.HasPrefix(f, "/") {
					copyFile(t, f, filepath.Join(root, f), 0o755)
				}
			}
		}
	}
	copyFile(t, "/bin/true", filepath.Join(root, "usr/bin/apt-get"), 0o755)
	files := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/tmp:/bin/sh\n",
		"etc/shadow": "root:*:19000:0:99999:7:::\n",
		"etc/group":  "root:x:0:\n",
	}
	for name, body := range files {
		copyFile(t, "/dev/null", filepath.Join(root, name), 0o644)
		os.WriteFile(filepath.Join(root, name), []byte(body), 0o644)
	}
	os.Chmod(filepath.Join(root, "etc/shadow"), 0o640)
	for _, d := range []string{"tmp", "mnt", "var/run", "proc", "sys", "dev"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	os.Chmod(filepath.Join(root, "tmp"), 0o1777)
	name := fmt.Sprintf("bulkhead-itest-sensor:%d", os.Getpid())
	tarCmd := exec.Command("tar", "c", "-C", root, ".")
	imp := exec.Command("docker", "import", "-", name)
	pipe, err := tarCmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	imp.Stdin = pipe
	var impOut bytes.Buffer
	imp.Stdout, imp.Stderr = &impOut, &impOut
	if err := imp.Start(); err != nil {
		t.Fatal(err)
	}
	if err := tarCmd.Run(); err != nil {
		t.Fatalf("tar rootfs: %v", err)
	}
	if err := imp.Wait(); err != nil {
		t.Fatalf("docker import: %v\n%s", err, impOut.String())
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", name).Run() })
	return name
}

// startContainer runs the helper idle in a new container and returns its id.
func startContainer(t testing.TB, image, name string, extra ...string) string {
	t.Helper()
	args := append([]string{"run", "-d", "--name", name}, extra...)
	args = append(args, image, "/helper", "idle")
	id := run(t, "docker", args...)
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", id).Run() })
	return id
}

// recorder keeps alerts and the container events the test looks at.
type recorder struct {
	mu     sync.Mutex
	alerts []rules.Alert
	events []*event.Event
}

const maxRecorded = 200000

func (r *recorder) Send(a rules.Alert) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	a.Event = nil
	r.alerts = append(r.alerts, a)
	return nil
}

func (r *recorder) event(e *event.Event) {
	if !e.IsContainer() {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.events) < maxRecorded {
		r.events = append(r.events, e)
	}
}

func (r *recorder) snapshot() ([]rules.Alert, []*event.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.alerts), slices.Clone(r.events)
}

// TestWatchContainer runs the BPF sensor and the pipeline with the default
// rules against a real container that misbehaves, and an idle container
// that must raise nothing.
func TestWatchContainer(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireDocker(t)
	image := buildImage(t)
	repo, _, _ := strings.Cut(image, ":")

	set, warns, err := rules.Load(rules.Default())
	if err != nil {
		t.Fatalf("load default rules: %v", err)
	}
	for _, w := range warns {
		t.Logf("rule warning: %v", w)
	}
	rec := &recorder{}
	var logBuf syncBuffer
	p, err := New(Config{
		Sensor:  sensor.Options{Mode: sensor.ModeBPF, Filter: sensor.FilterContainers},
		Rules:   set,
		Outputs: []Output{rec},
		OnEvent: rec.event,
		Log:     &logBuf,
	})
	if err != nil {
		t.Fatalf("start pipeline: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("pipeline: %v", err)
		}
		t.Logf("stats %+v", p.Stats())
		t.Logf("log:\n%s", logBuf.String())
	}()

	suffix := fmt.Sprint(os.Getpid())
	idleStart := time.Now()
	idleName, actName := "bh-itest-idle-"+suffix, "bh-itest-act-"+suffix
	idleID := startContainer(t, image, idleName)
	idleRunning := time.Now()
	actID := startContainer(t, image, actName, "-v", "/var/run/docker.sock:/var/run/docker.sock", "--cap-add", "SYS_ADMIN")

	exe := func(args ...string) {
		// errors are expected for some actions (a denied mount); the
		// sensor must see the attempt either way
		out, err := exec.Command("docker", append([]string{"exec"}, args...)...).CombinedOutput()
		t.Logf("docker exec %s: err=%v %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	exe(actName, "/helper", "spawn", "/bin/sh", "-c", "cat /etc/shadow; echo x > /etc/bh-written")
	exe(actName, "/usr/bin/apt-get")
	run(t, "docker", "cp", "/bin/true", actName+":/tmp/dropped")
	exe(actName, "/tmp/dropped")
	exe(actName, "/helper", "connect", "/var/run/docker.sock")
	exe("--user", "1000", actName, "/helper", "setuid")
	exe(actName, "/helper", "mount")
	exe(actName, "/helper", "revshell", "/bin/sh")
	exe("-t", actName, "/bin/sh", "-c", "true")

	wantAlerts := []string{
		"Shell started in container",
		"Sensitive file read",
		"Write below system directory in container",
		"Package manager run in container",
		"Drift executable not in image",
		"Container runtime socket opened in container",
		"Privilege escalation through setuid binary",
		"Setuid to root by non-root user",
		"Mount in container",
		"Reverse shell",
		"Interactive shell with terminal in container",
	}
	actAlerts := func() map[string]rules.Alert {
		alerts, _ := rec.snapshot()
		m := map[string]rules.Alert{}
		for _, a := range alerts {
			if a.ContainerID == actID[:12] {
				m[a.Rule] = a
			}
		}
		return m
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		m := actAlerts()
		all := true
		for _, r := range wantAlerts {
			if _, ok := m[r]; !ok {
				all = false
			}
		}
		if all {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}

	// the sensor's view: execs with the right path and container id, the
	// shadow open, the setuid call, the mount
	_, events := rec.snapshot()
	type seen struct {
		ExecShell, ExecCat, ExecAptGet, ExecDropped, OpenShadow, OpenWrite, Connect, Setuid, Mount bool
	}
	var got seen
	for _, e := range events {
		if e.Container.ID != actID {
			continue
		}
		switch e.Type {
		case event.Execve:
			switch e.ExePath {
			case "/bin/sh":
				got.ExecShell = true
			case "/bin/cat":
				got.ExecCat = true
			case "/usr/bin/apt-get":
				got.ExecAptGet = true
			case "/tmp/dropped":
				got.ExecDropped = e.Process != nil && e.Process.ExeUpperLayer
			}
		case event.Open, event.Openat:
			if e.Path == "/etc/shadow" && e.Ret >= 0 {
				got.OpenShadow = true
			}
			if e.Path == "/etc/bh-written" && e.Flags&(event.OWrOnly|event.ORdWr) != 0 && e.Ret >= 0 {
				got.OpenWrite = true
			}
		case event.Connect:
			got.Connect = got.Connect || e.Path == "/var/run/docker.sock" && e.Family == event.AFUnix
		case event.Setuid:
			got.Setuid = got.Setuid || e.UID == 1000 && e.NewUID == 0 && e.Ret == 0
		case event.Mount:
			got.Mount = got.Mount || e.Path == "/mnt" && e.FSType == "tmpfs"
		}
	}
	if diff := cmp.Diff(seen{true, true, true, true, true, true, true, true, true}, got); diff != "" {
		t.Errorf("sensor events of the container (-want +got):\n%s", diff)
	}

	m := actAlerts()
	for _, r := range wantAlerts {
		a, ok := m[r]
		if !ok {
			t.Errorf("no %q alert for container %s", r, actName)
			continue
		}
		if a.ContainerName != actName || a.ContainerImage != image {
			t.Errorf("%q: container name %q image %q, want %q %q", r, a.ContainerName, a.ContainerImage, actName, image)
		}
		if v := a.OutputFields["container.image.repository"]; v != repo {
			t.Errorf("%q: container.image.repository = %v, want %q", r, v, repo)
		}
	}

	// the idle container: nothing for 30 s (5 s with -short), counted
	// from its start, concurrently with the actions above
	idleFor := 30 * time.Second
	if testing.Short() {
		idleFor = 5 * time.Second
	}
	time.Sleep(time.Until(idleStart.Add(idleFor)))
	// Alerts raised while runc sets the container up (before `docker run`
	// returned) are logged, not failed: they are the rule set's business
	// (runc's own fchmodat of /dev and /sys/fs/cgroup, for one).
	alerts, _ := rec.snapshot()
	for _, a := range alerts {
		if a.ContainerID != idleID[:12] {
			continue
		}
		when := "while idle"
		if a.Time.Before(idleRunning) {
			when = "during start-up"
		}
		t.Errorf("idle container raised %q %s: %s", a.Rule, when, a.Output)
	}
	if st := p.Stats(); st.Sensor.Lost != 0 || st.Sensor.DecodeErrors != 0 || st.AlertsDropped != 0 {
		t.Errorf("losses: %+v", st)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestWatchContainerFallback runs the pipeline on the fallback sensor (proc
// connector + fanotify) and checks that it sees a container's exec (with
// the container id and name) and its open of /etc/shadow.
func TestWatchContainerFallback(t *testing.T) {
	testenv.RequireRoot(t)
	testenv.RequireDocker(t)
	image := buildImage(t)
	rec := &recorder{}
	p, err := New(Config{
		Sensor:  sensor.Options{Mode: sensor.ModeFallback, Filter: sensor.FilterContainers},
		OnEvent: rec.event,
	})
	if err != nil {
		t.Fatalf("start pipeline: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("pipeline: %v", err)
		}
	}()
	name := fmt.Sprintf("bh-itest-fb-%d", os.Getpid())
	id := startContainer(t, image, name)
	// the first exec in the container's mount namespace marks its root
	// mount for fanotify; opens from then on are seen
	deadline := time.Now().Add(20 * time.Second)
	type seen struct{ Exec, Open bool }
	var got seen
	for time.Now().Before(deadline) && got != (seen{true, true}) {
		exec.Command("docker", "exec", name, "/bin/cat", "/etc/shadow").Run()
		time.Sleep(300 * time.Millisecond)
		_, events := rec.snapshot()
		for _, e := range events {
			if e.Container.ID != id || e.Container.Name != name {
				continue
			}
			switch e.Type {
			case event.Execve:
				got.Exec = got.Exec || e.ExePath == "/bin/cat" || e.ExePath == "/usr/bin/cat"
			case event.Openat:
				got.Open = got.Open || e.Path == "/etc/shadow"
			}
		}
	}
	if diff := cmp.Diff(seen{true, true}, got); diff != "" {
		t.Errorf("fallback events of the container (-want +got):\n%s", diff)
	}
	t.Logf("stats %+v", p.Stats())
}
