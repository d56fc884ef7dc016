//go:build linux

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/cli"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
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

// TestWatchCLI runs `bulkhead watch` with the eBPF sensor on the real kernel
// while a container spawns a shell that reads /etc/shadow, and checks that
// the JSON lines it writes are Falco-compatible alerts naming the container
// and its image.
func TestWatchCLI(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireDocker(t)

	root := t.TempDir()
	helper := filepath.Join(root, "helper")
	build := exec.Command("go", "build", "-o", helper, "./testdata/helper")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build helper: %v\n%s", err, out)
	}
	os.MkdirAll(filepath.Join(root, "bin"), 0o755)
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	b, _ := os.ReadFile(helper)
	os.WriteFile(filepath.Join(root, "bin", "sh"), b, 0o755)
	os.WriteFile(filepath.Join(root, "etc", "shadow"), []byte("root:*:19000:0:99999:7:::\n"), 0o640)
	image := dockerImport(t, root)
	name := "bulkhead-watch-" + strings.TrimPrefix(image, "bulkhead-e2e:")
	if out, err := exec.Command("docker", "run", "-d", "--name", name, image, "/helper", "sleep").CombinedOutput(); err != nil {
		t.Fatalf("docker run: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", name).Run() })

	alerts := filepath.Join(t.TempDir(), "alerts.json")
	var stderr syncBuffer
	done := make(chan int)
	go func() {
		done <- cli.Main([]string{"watch", "--sensor", "bpf", "--duration", "20s", "-o", alerts, "--metrics-addr", "127.0.0.1:0"}, strings.NewReader(""), &bytes.Buffer{}, &stderr)
	}()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(stderr.String(), "eBPF sensor") {
		if time.Now().After(deadline) {
			t.Fatalf("the sensor did not start; stderr:\n%s", stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	// /etc/shadow is read five times: with the default repeat window the
	// sensor sends the first open and counts most of the others (its slots
	// are per CPU: a thread moving between the two CPUs sends again).
	if out, err := exec.Command("docker", "exec", name, "/helper", "spawn", "/bin/sh", "read",
		"/etc/shadow", "/etc/shadow", "/etc/shadow", "/etc/shadow", "/etc/shadow").CombinedOutput(); err != nil {
		t.Fatalf("docker exec: %v\n%s", err, out)
	}
	// The Prometheus endpoint counts events by type and the sensor's losses.
	time.Sleep(2 * time.Second)
	m := regexp.MustCompile(`metrics on (http://\S+)`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no metrics address in stderr:\n%s", stderr.String())
	}
	resp, err := http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if m := regexp.MustCompile(`(?m)^bulkhead_runtime_pipeline_sensor_opens_repeated_total (\S+)$`).FindStringSubmatch(string(body)); m == nil {
		t.Errorf("metrics lack bulkhead_runtime_pipeline_sensor_opens_repeated_total")
	} else if n, _ := strconv.ParseFloat(m[1], 64); n < 3 {
		t.Errorf("opens counted as repeats = %v, want >= 3 (of 5 reads of /etc/shadow)", n)
	}
	for _, want := range []string{`bulkhead_runtime_events_total{type="execve"}`, "bulkhead_runtime_pipeline_sensor_lost_events_total", "bulkhead_runtime_events_lost_total", `bulkhead_runtime_alerts_total{priority="Warning",rule="Sensitive file read"}`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if code := <-done; code != 0 {
		t.Fatalf("watch exited %d:\n%s", code, stderr.String())
	}

	f, err := os.Open(alerts)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec struct {
			Rule         string         `json:"rule"`
			Priority     string         `json:"priority"`
			Output       string         `json:"output"`
			Time         string         `json:"time"`
			OutputFields map[string]any `json:"output_fields"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("alert line is not JSON: %v: %s", err, sc.Text())
		}
		if rec.OutputFields["container.name"] != name {
			continue
		}
		if rec.Time == "" || rec.Priority == "" || rec.Output == "" {
			t.Errorf("alert lacks Falco fields: %s", sc.Text())
		}
		if img, _ := rec.OutputFields["container.image.repository"].(string); !strings.HasPrefix(image, img) || img == "" {
			t.Errorf("%s: image %q, want %q", rec.Rule, img, image)
		}
		seen[rec.Rule] = true
	}
	for _, rule := range []string{"Shell started in container", "Sensitive file read"} {
		if !seen[rule] {
			t.Errorf("no %q alert for container %s; alerts: %v\nstderr:\n%s", rule, name, seen, stderr.String())
		}
	}
}

// TestWatchStopsWithMacroBomb: a rule file of sixty macros each
// "(m_prev or m_prev)" passes `rules check`, and `watch` with it evaluates
// the host's execs (the rule never matches, so every macro is evaluated)
// and still stops at --duration (issue 11: it spun at 100% CPU and ignored
// --duration and SIGINT).
func TestWatchStopsWithMacroBomb(t *testing.T) {
	testenv.RequireBPF(t)
	var b strings.Builder
	b.WriteString("- macro: m0\n  condition: proc.name = no_such_process_name\n")
	for i := 1; i <= 60; i++ {
		b.WriteString("- macro: m" + strconv.Itoa(i) + "\n  condition: (m" + strconv.Itoa(i-1) + " or m" + strconv.Itoa(i-1) + ")\n")
	}
	b.WriteString("- rule: bomb\n  desc: d\n  condition: evt.type in (execve, open, openat) and m60\n  output: o\n  priority: WARNING\n")
	file := filepath.Join(t.TempDir(), "bomb.yaml")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if code := cli.Main([]string{"rules", "check", file}, strings.NewReader(""), &out, &out); code != 0 {
		t.Fatalf("rules check exited %d:\n%s", code, out.String())
	}
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- cli.Main([]string{"watch", "--sensor", "bpf", "--all-processes", "--no-default-rules", "--rules", file, "--duration", "4s", "-o", os.DevNull}, strings.NewReader(""), &bytes.Buffer{}, &stderr)
	}()
	stopAt := time.Now().Add(time.Minute)
	for {
		select {
		case code := <-done:
			if code != 0 {
				t.Fatalf("watch exited %d:\n%s", code, stderr.String())
			}
			if strings.Contains(stderr.String(), "still busy") {
				t.Errorf("the rule engine was still busy at the stop:\n%s", stderr.String())
			}
			return
		default:
		}
		if time.Now().After(stopAt) {
			t.Fatalf("watch --duration 4s did not stop in a minute:\n%s", stderr.String())
		}
		exec.Command("/bin/true").Run()
		time.Sleep(50 * time.Millisecond)
	}
}

// TestWatchStopsOnSIGINT: `bulkhead watch` (this test binary under the
// name bulkhead, as testscript runs it) with the macro bomb and the host's
// execs going on exits 0 soon after SIGINT, and so after SIGTERM.
func TestWatchStopsOnSIGINT(t *testing.T) {
	testenv.RequireBPF(t)
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("- macro: m0\n  condition: proc.name = no_such_process_name\n")
	for i := 1; i <= 60; i++ {
		b.WriteString("- macro: m" + strconv.Itoa(i) + "\n  condition: (m" + strconv.Itoa(i-1) + " or m" + strconv.Itoa(i-1) + ")\n")
	}
	b.WriteString("- rule: bomb\n  desc: d\n  condition: evt.type in (execve, open, openat) and m60\n  output: o\n  priority: WARNING\n")
	file := filepath.Join(dir, "bomb.yaml")
	os.WriteFile(file, []byte(b.String()), 0o644)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "bulkhead")
	if err := os.Symlink(self, bin); err != nil {
		t.Fatal(err)
	}
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		var stderr syncBuffer
		cmd := exec.Command(bin, "watch", "--sensor", "bpf", "--all-processes", "--no-default-rules", "--rules", file, "-o", os.DevNull)
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(stderr.String(), "eBPF sensor") && time.Now().Before(deadline) {
			exec.Command("/bin/true").Run()
			time.Sleep(50 * time.Millisecond)
		}
		for i := 0; i < 20; i++ { // the rules are busy with these
			exec.Command("/bin/true").Run()
		}
		cmd.Process.Signal(sig)
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%v: watch exited with %v:\n%s", sig, err, stderr.String())
			}
		case <-time.After(time.Minute):
			cmd.Process.Kill()
			t.Fatalf("%v: watch did not stop in a minute:\n%s", sig, stderr.String())
		}
	}
}
