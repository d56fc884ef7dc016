package pipeline

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/rules"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/sensor"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// attackImage imports an image of busybox (its applets as links), the
// static attack program (testdata/attack) at /attack, /usr/sbin/nginx and
// /usr/local/bin/sed (the same program under names that matter), users and
// groups with system accounts, a shadow file and a log file.
func attackImage(t *testing.T, attack string) string {
	t.Helper()
	bb, err := exec.LookPath("busybox")
	if err != nil {
		if os.Getenv("BULKHEAD_REQUIRE_DOCKER") != "" {
			t.Fatalf("busybox is needed (apt-get install busybox-static): %v", err)
		}
		t.Skipf("no busybox: %v", err)
	}
	root := filepath.Join(t.TempDir(), "rootfs")
	copyFile(t, bb, filepath.Join(root, "bin", "busybox"), 0o755)
	for _, applet := range []string{"sh", "cat", "ln", "ls", "grep", "find", "shred", "nc", "chmod", "touch", "cp",
		"rm", "mount", "unshare", "echo", "id", "sleep", "true", "mkdir"} {
		if err := os.Symlink("busybox", filepath.Join(root, "bin", applet)); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(t, attack, filepath.Join(root, "attack"), 0o755)
	copyFile(t, attack, filepath.Join(root, "usr", "sbin", "nginx"), 0o755)
	copyFile(t, attack, filepath.Join(root, "usr", "local", "bin", "sed"), 0o755)
	files := map[string]string{
		"etc/passwd":      "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/bin/sh\n",
		"etc/group":       "root:x:0:\ndaemon:x:1:\nwww-data:x:33:\n",
		"etc/shadow":      "root:*:19000:0:99999:7:::\n",
		"var/log/app.log": "started\n",
		"var/lib/db":      "data\n",
	}
	for name, body := range files {
		copyFile(t, "/dev/null", filepath.Join(root, name), 0o644)
		os.WriteFile(filepath.Join(root, name), []byte(body), 0o644)
	}
	os.Chmod(filepath.Join(root, "etc/shadow"), 0o640)
	for _, d := range []string{"tmp", "mnt", "root", "proc", "sys", "dev", "usr/bin"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	os.Chmod(filepath.Join(root, "tmp"), 0o1777)
	name := fmt.Sprintf("runtime-attacks:%d", os.Getpid())
	tarCmd := exec.Command("tar", "c", "-C", root, ".")
	imp := exec.Command("docker", "import", "-", name)
	pipe, err := tarCmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	imp.Stdin = pipe
	if err := imp.Start(); err != nil {
		t.Fatal(err)
	}
	if err := tarCmd.Run(); err != nil {
		t.Fatalf("tar rootfs: %v", err)
	}
	if err := imp.Wait(); err != nil {
		t.Fatalf("docker import: %v", err)
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", name).Run() })
	return name
}

// attackCase is one behaviour, run as PID 1 of its own unprivileged
// container, and the rule that must report it with the default rules and
// with Falco's stable file ("" where that file has no rule for it).
type attackCase struct {
	name        string
	docker, cmd []string
	def, falco  string
}

var attackCases = []attackCase{
	{name: "read-shadow", cmd: []string{"cat", "/etc/shadow"}, def: "Sensitive file read", falco: "Read sensitive file untrusted"},
	{name: "traversal", cmd: []string{"sh", "-c", "cd /tmp && cat ../../etc/shadow"}, def: "Sensitive file read through path traversal", falco: "Directory traversal monitored file read"},
	{name: "symlink", cmd: []string{"ln", "-s", "/etc/shadow", "/tmp/s"}, def: "Link to sensitive file", falco: "Create Symlink Over Sensitive Files"},
	{name: "hardlink", cmd: []string{"ln", "/etc/shadow", "/tmp/h"}, def: "Link to sensitive file", falco: "Create Hardlink Over Sensitive Files"},
	{name: "log-clear", cmd: []string{"sh", "-c", ": > /var/log/app.log"}, def: "Log file cleared", falco: "Clear Log Activities"},
	{name: "web-shell", cmd: []string{"/usr/sbin/nginx"}, def: "Shell spawned by web server or untrusted parent", falco: "Run shell untrusted"},
	{name: "drop-exec", cmd: []string{"sh", "-c", "cp /attack /tmp/dropped && /tmp/dropped noop && rm /tmp/dropped"}, def: "Drift executable not in image", falco: "Drop and execute new binary in container"},
	{name: "memfd", cmd: []string{"/attack", "memfd"}, def: "Fileless execution from memory", falco: "Fileless execution via memfd_create"},
	{name: "dev-shm", cmd: []string{"sh", "-c", "cp /attack /dev/shm/x; /dev/shm/x noop"}, def: "Execution from /dev/shm"},
	{name: "key-search", cmd: []string{"grep", "-r", "BEGIN RSA PRIVATE", "/etc"}, def: "Search for private keys or credentials", falco: "Search Private Keys or Passwords"},
	{name: "aws-search", cmd: []string{"grep", "-r", "aws_access_key_id", "/root"}, def: "Search for private keys or credentials", falco: "Find AWS Credentials"},
	{name: "packet-socket", cmd: []string{"/attack", "packet"}, def: "Packet socket created in container", falco: "Packet socket created in container"},
	{name: "ptrace-attach", cmd: []string{"/attack", "ptrace"}, def: "Ptrace attach to another process", falco: "PTRACE attached to process"},
	{name: "anti-debug", cmd: []string{"/attack", "traceme"}, def: "Anti-debugging ptrace", falco: "PTRACE anti-debug attempt"},
	{name: "setuid-bit", cmd: []string{"sh", "-c", "touch /tmp/f && chmod u+s /tmp/f"}, def: "Setuid or setgid bit set"},
	{name: "shred", cmd: []string{"shred", "-u", "/var/lib/db"}, def: "Bulk data removal", falco: "Remove Bulk Data from Disk"},
	{name: "netcat-e", cmd: []string{"nc", "-e", "/bin/sh", "127.0.0.1", "9"}, def: "Netcat with command execution", falco: "Netcat Remote Code Execution in Container"},
	{name: "sysbin-net", cmd: []string{"/usr/local/bin/sed", "udp", "127.0.0.1:9"}, def: "Network activity by a non-network system binary"},
	{name: "environ", cmd: []string{"sh", "-c", "cat /proc/1/environ"}, def: "Read environment of another process"},
	{name: "release-agent", cmd: []string{"sh", "-c", "echo /x > /sys/fs/cgroup/release_agent"}, def: "Container escape through cgroup release_agent"},
	{name: "mount", cmd: []string{"mount", "-t", "proc", "proc", "/mnt"}, def: "Mount in container"},
	{name: "unshare", cmd: []string{"unshare", "-m", "true"}, def: "Namespace change in container"},
	{name: "proc-sys", cmd: []string{"sh", "-c", "echo '|/x' > /proc/sys/kernel/core_pattern"}, def: "Write to kernel parameters from container"},
	{name: "module", cmd: []string{"/attack", "module"}, def: "Kernel module loaded from container"},
	{name: "write-etc", cmd: []string{"sh", "-c", "echo x > /etc/bh"}, def: "Write below system directory in container"},
	{name: "write-root", cmd: []string{"sh", "-c", "mkdir -p /root/.ssh && echo k > /root/.ssh/authorized_keys"}, def: "Write below root or device directory in container"},
	{name: "system-user-tty", docker: []string{"-t", "-u", "1:1"}, cmd: []string{"sh", "-c", "sleep 1"}, def: "System user ran an interactive program"},
}

// TestAttacksInContainers runs each behaviour of attackCases in its own
// unprivileged container, built from busybox and a static program, and
// checks the alert (rule, container id, name and image) with the default
// rules and with Falco's stable rule file; three harmless containers (a
// plain program as PID 1, ls, a bind-mounted binary) must raise nothing
// with either.
func TestAttacksInContainers(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireDocker(t)
	dir := t.TempDir()
	attack := filepath.Join(dir, "attack")
	build := exec.Command("go", "build", "-o", attack, "./testdata/attack")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build attack: %v\n%s", err, out)
	}
	image := attackImage(t, attack)

	def, _, err := rules.Load(rules.Default())
	if err != nil {
		t.Fatal(err)
	}
	// Falco's stable file is in the shared data beside the repository;
	// without it only the default rules are checked
	falco := &rules.Set{}
	falcoFile := filepath.Join(testenv.RepoRoot(t), "..", "shared", "reference", "falco", "falco_rules.yaml")
	if f := os.Getenv("BULKHEAD_FALCO_RULES"); f != "" {
		falcoFile = f // a worktree's ../shared may be elsewhere
	}
	haveFalco := false
	if src, err := rules.ReadFile(falcoFile); err == nil {
		if falco, _, err = rules.Load(src); err != nil {
			t.Fatal(err)
		}
		haveFalco = true
	} else {
		t.Logf("Falco's stable file not checked: %v", err)
	}
	var mu sync.Mutex
	got := map[string]map[string]rules.Alert{} // "default"/"falco" + container id -> rule -> alert
	record := func(set string) func(rules.Alert) {
		return func(a rules.Alert) {
			mu.Lock()
			defer mu.Unlock()
			k := set + "/" + a.ContainerID
			if got[k] == nil {
				got[k] = map[string]rules.Alert{}
			}
			a.Event = nil
			got[k][a.Rule] = a
		}
	}
	var logBuf syncBuffer
	p, err := New(Config{
		// as bulkhead watch runs it
		Sensor:  sensor.Options{Mode: sensor.ModeBPF, Filter: sensor.FilterContainers, RepeatWindow: sensor.DefaultRepeatWindow},
		Rules:   def,
		Outputs: []Output{OutputFunc(func(a rules.Alert) error { record("default")(a); return nil })},
		OnEvent: func(e *event.Event) { falco.Eval(e, record("falco")) },
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
		<-done
		t.Logf("stats %+v\nlog:\n%s", p.Stats(), logBuf.String())
	}()
	time.Sleep(500 * time.Millisecond)

	suffix := fmt.Sprint(os.Getpid())
	run := func(name string, docker, cmd []string) string {
		args := append([]string{"run", "-d", "--name", "runtime-" + name + "-" + suffix}, docker...)
		args = append(append(args, image), cmd...)
		out, err := exec.Command("docker", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		id := strings.TrimSpace(string(out))
		t.Cleanup(func() { exec.Command("docker", "rm", "-f", id).Run() })
		return id
	}
	ids := map[string]string{}
	for _, c := range attackCases {
		ids[c.name] = run(c.name, c.docker, c.cmd)
	}
	bind := filepath.Join(dir, "tool")
	copyFile(t, attack, bind, 0o755)
	controls := map[string]string{
		"plain-pid1": run("plain-pid1", nil, []string{"/attack", "sleep", "3"}),
		"ls":         run("ls", nil, []string{"ls", "/"}),
		"bind-mount": run("bind-mount", []string{"-v", bind + ":/usr/local/bin/tool:ro"}, []string{"/usr/local/bin/tool", "sleep", "3"}),
	}

	has := func(set, id, rule string) (rules.Alert, bool) {
		mu.Lock()
		defer mu.Unlock()
		a, ok := got[set+"/"+id[:12]][rule]
		return a, ok
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		missing := 0
		for _, c := range attackCases {
			if _, ok := has("default", ids[c.name], c.def); !ok {
				missing++
			}
			if _, ok := has("falco", ids[c.name], c.falco); haveFalco && c.falco != "" && !ok {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(4 * time.Second) // the controls run 3 s

	var table []string
	for _, c := range attackCases {
		row := fmt.Sprintf("| %s | %s |", c.name, strings.Join(c.cmd, " "))
		for _, s := range []struct{ set, rule string }{{"default", c.def}, {"falco", c.falco}} {
			if s.set == "falco" && !haveFalco {
				row += " (not checked) |"
				continue
			}
			if s.rule == "" {
				mu.Lock()
				var fired []string
				for r := range got[s.set+"/"+ids[c.name][:12]] {
					fired = append(fired, r)
				}
				mu.Unlock()
				sort.Strings(fired)
				row += fmt.Sprintf(" (no rule) %s |", strings.Join(fired, "; "))
				continue
			}
			a, ok := has(s.set, ids[c.name], s.rule)
			if !ok {
				t.Errorf("%s (%s): no %q alert with the %s rules", c.name, strings.Join(c.cmd, " "), s.rule, s.set)
				row += " MISSED |"
				continue
			}
			row += " " + s.rule + " |"
			wantName := "runtime-" + c.name + "-" + suffix
			if a.ContainerID != ids[c.name][:12] || a.ContainerName != wantName || a.ContainerImage != image {
				t.Errorf("%s: %q alert names container %q %q image %q, want %q %q %q", c.name, s.rule,
					a.ContainerID, a.ContainerName, a.ContainerImage, ids[c.name][:12], wantName, image)
			}
		}
		table = append(table, row)
	}
	t.Logf("behaviour | command | default rules | Falco stable\n%s", strings.Join(table, "\n"))
	mu.Lock()
	defer mu.Unlock()
	for name, id := range controls {
		for _, set := range []string{"default", "falco"} {
			for r, a := range got[set+"/"+id[:12]] {
				t.Errorf("harmless container %s raised %q with the %s rules: %s", name, r, set, a.Output)
			}
		}
	}
}
