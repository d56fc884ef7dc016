//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/cli"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// TestWatchReportGate runs `bulkhead watch --duration` as a CI job would:
// alerts become runtime findings of the JSON report, with the container as
// location; --disable turns a rule off, an expired ignore entry suppresses
// nothing, and --fail-on gates the run (exit 3).
func TestWatchReportGate(t *testing.T) {
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
	name := "catalogue-watch-" + strings.TrimPrefix(image, "bulkhead-e2e:")
	if out, err := exec.Command("docker", "run", "-d", "--name", name, image, "/helper", "sleep").CombinedOutput(); err != nil {
		t.Fatalf("docker run: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", name).Run() })

	dir := t.TempDir()
	ignore := filepath.Join(dir, "ignore.yaml")
	os.WriteFile(ignore, []byte("- id: Sensitive file read\n  reason: expired, so it suppresses nothing\n  expires: 2020-01-01\n"), 0o600)
	reportPath := filepath.Join(dir, "report.json")
	var stderr syncBuffer
	done := make(chan int)
	go func() {
		done <- cli.Main([]string{"watch", "--sensor", "bpf", "--duration", "8s", "--format", "json", "-o", reportPath,
			"--fail-on", "MEDIUM", "--disable", "shell started in container", "--ignorefile", ignore},
			strings.NewReader(""), &bytes.Buffer{}, &stderr)
	}()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(stderr.String(), "eBPF sensor") {
		if time.Now().After(deadline) {
			t.Fatalf("the sensor did not start; stderr:\n%s", stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	if out, err := exec.Command("docker", "exec", name, "/helper", "spawn", "/bin/sh", "read", "/etc/shadow", "/etc/shadow").CombinedOutput(); err != nil {
		t.Fatalf("docker exec: %v\n%s", err, out)
	}
	if code := <-done; code != cli.ExitFindings {
		t.Fatalf("watch exited %d, want %d (a MEDIUM finding remains):\n%s", code, cli.ExitFindings, stderr.String())
	}
	data, err := os.ReadFile(reportPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Target   struct{ Kind string }
		Findings []struct {
			Kind, ID, Severity string
			Location           struct {
				ContainerName string `json:"container_name"`
				Object        string
			}
			Extra map[string]any
		}
		Suppressed []struct{ Finding struct{ ID string } }
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, data)
	}
	if rep.Target.Kind != "runtime" {
		t.Errorf("target kind %q, want runtime", rep.Target.Kind)
	}
	found := false
	for _, f := range rep.Findings {
		if f.Location.ContainerName != name {
			continue
		}
		if f.Kind != "runtime" {
			t.Errorf("%s: kind %q, want runtime", f.ID, f.Kind)
		}
		switch f.ID {
		case "Shell started in container":
			t.Errorf("--disable kept %s", f.ID)
		case "Sensitive file read":
			found = true
			if !strings.Contains(f.Location.Object, "pid ") || f.Severity == "" || f.Extra["count"] == nil {
				t.Errorf("finding lacks process location, severity or count: %+v", f)
			}
		}
	}
	if !found {
		t.Errorf("no Sensitive file read finding for %s in the report:\n%s\nstderr:\n%s", name, data, stderr.String())
	}
	for _, s := range rep.Suppressed {
		if s.Finding.ID == "Sensitive file read" {
			t.Errorf("an expired ignore entry suppressed %s", s.Finding.ID)
		}
	}
}
