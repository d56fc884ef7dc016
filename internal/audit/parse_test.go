package audit

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseDockerdFlags(t *testing.T) {
	tests := []struct {
		args []string
		want map[string][]string
	}{
		{[]string{"-H", "fd://", "--containerd=/run/containerd/containerd.sock"},
			map[string][]string{"host": {"fd://"}, "containerd": {"/run/containerd/containerd.sock"}}},
		{[]string{"--icc=false", "--live-restore", "--userland-proxy=false", "-l", "debug", "--insecure-registry", "a:5000", "--insecure-registry=b:5000"},
			map[string][]string{"icc": {"false"}, "live-restore": {"true"}, "userland-proxy": {"false"}, "log-level": {"debug"}, "insecure-registry": {"a:5000", "b:5000"}}},
		{[]string{"-D", "-H=tcp://0.0.0.0:2376", "--tlsverify", "stray", "--", "--icc=false"},
			map[string][]string{"debug": {"true"}, "host": {"tcp://0.0.0.0:2376"}, "tlsverify": {"true"}}},
		{[]string{"--log-level"}, map[string][]string{"log-level": {""}}},
		{nil, map[string][]string{}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, ParseDockerdFlags(tt.args)); diff != "" {
			t.Errorf("ParseDockerdFlags(%q) (-want +got):\n%s", tt.args, diff)
		}
	}
}

func TestSettingSources(t *testing.T) {
	f := &Facts{}
	f.Process.Flags = map[string][]string{"icc": {"false"}}
	f.Config.Values = map[string]any{"icc": true, "insecure-registries": []any{"r:1", "r:2"}, "log-opts": map[string]any{"max-size": "10m", "max-file": 3.0}}
	got := []Setting{f.Setting("icc"), f.Setting("insecure-registry"), f.Setting("log-opt"), f.Setting("userns-remap")}
	want := []Setting{
		{Values: []string{"false"}, Source: "flag --icc"},
		{Values: []string{"r:1", "r:2"}, Source: "daemon.json insecure-registries"},
		{Values: []string{"max-file=3", "max-size=10m"}, Source: "daemon.json log-opts"},
		{},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Setting (-want +got):\n%s", diff)
	}
}

func TestParseDaemonConfig(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]any
		wantErr bool
	}{
		{`{"icc": false, "hosts": ["unix:///x"]}`, map[string]any{"icc": false, "hosts": []any{"unix:///x"}}, false},
		{"  \n", map[string]any{}, false},
		{`[1]`, nil, true},
		{`null`, nil, true},
		{`{"a":1} {"b":2}`, nil, true},
		{`{"a":`, nil, true},
	}
	for _, tt := range tests {
		got, err := ParseDaemonConfig([]byte(tt.in))
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseDaemonConfig(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseDaemonConfig(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestAuditRulesCover(t *testing.T) {
	rules := ParseAuditRules([]byte("# docker\n-w /usr/bin/dockerd -k docker\n\n-a always,exit -F path=/usr/bin/runc -F perm=x -k docker\n-a exit,always -F dir=/etc/docker -k d\nNo rules\n"))
	a := AuditRuleFacts{Rules: rules}
	tests := []struct {
		path string
		want bool
	}{
		{"/usr/bin/dockerd", true}, {"/usr/bin/runc", true}, {"/etc/docker", true},
		{"/usr/bin/docker", false}, {"/usr/bin/dockerd2", false}, {"/etc", false},
	}
	for _, tt := range tests {
		if got := a.Covers(tt.path); got != tt.want {
			t.Errorf("Covers(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	if len(rules) != 3 {
		t.Errorf("ParseAuditRules kept %d rules, want 3: %q", len(rules), rules)
	}
}

func TestParseGroup(t *testing.T) {
	doc := []byte("root:x:0:\ndockerx:x:5:eve\ndocker:x:999:alice, bob ,\nusers:x:100:\n")
	want := GroupFacts{Found: true, GID: 999, Members: []string{"alice", "bob"}}
	if diff := cmp.Diff(want, ParseGroup(doc, "docker")); diff != "" {
		t.Errorf("ParseGroup (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(GroupFacts{}, ParseGroup(doc, "nope")); diff != "" {
		t.Errorf("ParseGroup missing (-want +got):\n%s", diff)
	}
}

const mountinfo = `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
30 22 8:2 / /var/lib/docker rw,relatime shared:2 - xfs /dev/sdb1 rw
31 22 0:5 / /var/lib/docker2 rw - tmpfs tmpfs rw
32 22 0:6 / /mnt/with\040space rw - ext4 /dev/sdc rw
`

func TestMountPointOf(t *testing.T) {
	tests := []struct{ path, mp, fstype string }{
		{"/var/lib/docker", "/var/lib/docker", "xfs"},
		{"/var/lib/docker/overlay2", "/var/lib/docker", "xfs"},
		{"/var/lib", "/", "ext4"},
		{"/var/lib/docker22", "/", "ext4"},
		{"/mnt/with space/x", "/mnt/with space", "ext4"},
	}
	for _, tt := range tests {
		mp, ft := MountPointOf([]byte(mountinfo), tt.path)
		if mp != tt.mp || ft != tt.fstype {
			t.Errorf("MountPointOf(%q) = %q, %q, want %q, %q", tt.path, mp, ft, tt.mp, tt.fstype)
		}
	}
}

// TestDataRootBindMount: a bind mount of a folder of the root disk at
// /var/lib/docker has a mount point of its own but is no separate
// partition; a bind mount from another disk is.
func TestDataRootBindMount(t *testing.T) {
	tests := []struct {
		name, mountinfo string
		separate        bool
		evidence        string
	}{
		{"own partition", mountinfo, true, "is a mount point (xfs, device 8:2)"},
		{"bind of the root disk", "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n40 22 8:1 /srv/docker /var/lib/docker rw - ext4 /dev/sda1 rw\n",
			false, "is a bind mount of /srv/docker on the root file system's device 8:1"},
		{"bind from another disk", "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n30 22 8:3 / /data rw - xfs /dev/sdc1 rw\n40 22 8:3 /docker /var/lib/docker rw - xfs /dev/sdc1 rw\n",
			true, "device 8:3"},
		{"on /", "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n", false, "lives on the file system mounted at /"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, map[string]string{"proc/self/mountinfo": tt.mountinfo})
			c := &collector{root: root}
			f := &Facts{}
			c.dataRoot(f)
			if f.DataRoot.Separate != tt.separate {
				t.Errorf("Separate = %v, want %v (%+v)", f.DataRoot.Separate, tt.separate, f.DataRoot)
			}
			got := Run(f, Options{Checks: []string{"1.1.1"}})
			if len(got) != 1 || !strings.Contains(got[0].Evidence, tt.evidence) {
				t.Errorf("1.1.1 = %+v, want evidence with %q", got, tt.evidence)
			}
		})
	}
}

func TestContainerIDInCgroup(t *testing.T) {
	id := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct{ in, want string }{
		{"12:pids:/docker/" + id + "\n0::/", id},
		{"0::/system.slice/docker-" + id + ".scope\n", id},
		{"0::/user.slice/user-1000.slice\n", ""},
	}
	for _, tt := range tests {
		if got := containerIDInCgroup(tt.in); got != tt.want {
			t.Errorf("containerIDInCgroup(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestListeningOn(t *testing.T) {
	tcp := `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0949 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
   1: 0100007F:0949 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 100 0 0 10 0
   2: 0500000A:0949 0600000A:D431 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000 100 0 0 10 0
   3: 0500000A:0948 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4 1 0000000000000000 100 0 0 10 0
`
	tcp6 := `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0949 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:0949 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6 1 0000000000000000 100 0 0 10 0
`
	got := append(ListeningOn([]byte(tcp), SwarmPort), ListeningOn([]byte(tcp6), SwarmPort)...)
	want := []string{"0.0.0.0:2377", "127.0.0.1:2377", "[::]:2377", "[::1]:2377"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListeningOn (-want +got):\n%s", diff)
	}
}

func TestTopCommands(t *testing.T) {
	titles := []string{"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"}
	procs := [][]string{
		{"root", "10", "1", "0", "10:00", "?", "00:00:00", "/usr/sbin/sshd -D"},
		{"root", "11", "10", "0", "10:00", "?", "00:00:00", "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"},
		{"app", "12", "1", "0", "10:00", "?", "00:00:00", "nginx: worker process"},
		{"app", "13"},
		{"app", "14", "1", "0", "10:00", "?", "00:00:00", "   "},
	}
	got, err := TopCommands(titles, procs)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"sshd", "sshd", "nginx"}, got); diff != "" {
		t.Errorf("TopCommands (-want +got):\n%s", diff)
	}
	if _, err := TopCommands([]string{"PID"}, nil); err == nil {
		t.Error("an answer without a CMD column gave no error")
	}
}
