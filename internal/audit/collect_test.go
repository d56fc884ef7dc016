package audit

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// fakeDaemon serves canned API answers on a unix socket.
func fakeDaemon(t *testing.T, routes map[string]string) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "d.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := routes[strings.TrimPrefix(r.URL.Path, "/v1.41")]
		if !ok {
			http.Error(w, `{"message":"no such object"}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return sock
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, body := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const ctrID = "1111111111111111111111111111111111111111111111111111111111111111"

func TestCollectFake(t *testing.T) {
	sock := fakeDaemon(t, map[string]string{
		"/info":            `{"ServerVersion":"20.10.24","DockerRootDir":"/var/lib/docker","Driver":"overlay2","LoggingDriver":"json-file","SecurityOptions":["name=seccomp,profile=default"],"Containers":3,"ContainersRunning":1,"Swarm":{"LocalNodeState":"inactive"}}`,
		"/version":         `{"Version":"20.10.24","ApiVersion":"1.41"}`,
		"/containers/json": `[{"Id":"` + ctrID + `"},{"Id":"gone"}]`,
		"/containers/" + ctrID + "/json": `{"Id":"` + ctrID + `","Name":"/web","Image":"sha256:abc","Config":{"User":"","Env":["PATH=/bin"]},
			"HostConfig":{"NetworkMode":"host","Privileged":true,"PidsLimit":null},"Mounts":[{"Type":"bind","Source":"/var/run/docker.sock","Destination":"/var/run/docker.sock","RW":true}],
			"NetworkSettings":{"Ports":{},"Networks":{"host":{"NetworkID":"n1"}}}}`,
		"/images/json":               `[{"Id":"sha256:abc","RepoTags":["app:1"]},{"Id":"sha256:def","RepoTags":["<none>:<none>"]}]`,
		"/images/sha256:abc/json":    `{"Config":{"User":"app","Healthcheck":{"Test":["CMD","true"]}}}`,
		"/images/sha256:abc/history": `[{"CreatedBy":"/bin/sh -c #(nop) CMD [\"app\"]"},{"CreatedBy":"/bin/sh -c #(nop) ADD file:x in /"}]`,
		"/images/sha256:def/json":    `{"Config":null}`,
		"/images/sha256:def/history": `[]`,
		"/networks":                  `[{"Id":"n1","Name":"host"},{"Id":"n2","Name":"bridge"}]`,
		"/networks/n1":               `{"Id":"n1","Name":"host","Driver":"host"}`,
		"/networks/n2":               `{"Id":"n2","Name":"bridge","Driver":"bridge","Options":{"com.docker.network.bridge.default_bridge":"true"}}`,
	})
	root := writeTree(t, map[string]string{
		"etc/passwd":                         "root:x:0:0::/root:/bin/sh\n",
		"etc/group":                          "root:x:0:\ndocker:x:999:alice\n",
		"etc/docker/custom.json":             `{"icc": false, "tlscacert": "/etc/docker/ca.pem"}`,
		"etc/docker/ca.pem":                  "not a certificate",
		"etc/docker/certs.d/reg:5000/ca.crt": "x",
		"lib/systemd/system/docker.service":  "[Service]\n",
		"etc/audit/rules.d/docker.rules":     "-w /usr/bin/dockerd -k docker\n",
		"usr/bin/dockerd":                    "",
		"proc/self/mountinfo":                "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n",
		"proc/4242/comm":                     "dockerd\n",
		"proc/4242/cmdline":                  "dockerd\x00--config-file\x00/etc/docker/custom.json\x00-H\x00unix://" + sock + "\x00",
		"proc/4243/comm":                     "bash\n",
	})
	f, err := Collect(context.Background(), CollectOptions{Host: "unix://" + sock, Root: root, Env: map[string]string{"DOCKER_CONTENT_TRUST": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	if f.Daemon.Error != "" {
		t.Fatalf("daemon error: %s", f.Daemon.Error)
	}
	type summary struct {
		PID          int
		Flags        map[string][]string
		ConfigPath   string
		Config       map[string]any
		Containers   []string
		Images       []string
		ImageHist    int
		Networks     []string
		Partial      int
		Group        GroupFacts
		Unit         bool
		CertCount    int
		TLSErr       bool
		Rules        []string
		DockerdAudit string
		DataRoot     MountFacts
		Trust        string
	}
	var cs, is, ns []string
	for _, c := range f.Containers {
		cs = append(cs, c.DisplayName()+" "+c.HostConfig.NetworkMode)
	}
	for _, im := range f.Images {
		is = append(is, im.DisplayName())
	}
	for _, n := range f.Networks {
		ns = append(ns, n.Name+"/"+n.Driver)
	}
	got := summary{
		PID: f.Process.PID, Flags: f.Process.Flags, ConfigPath: f.Config.Path, Config: f.Config.Values,
		Containers: cs, Images: is, ImageHist: len(f.Images[0].History), Networks: ns, Partial: len(f.Daemon.Partial),
		Group: f.DockerGroup, Unit: f.Files[FileDockerService].Exists, CertCount: len(f.RegistryCerts),
		TLSErr: len(f.TLS) == 1 && f.TLS[0].Error != "", Rules: f.AuditRules.Rules,
		DockerdAudit: f.AuditTargets["1.1.3"].Path, DataRoot: f.DataRoot, Trust: f.Env["DOCKER_CONTENT_TRUST"],
	}
	want := summary{
		PID:          4242,
		Flags:        map[string][]string{"config-file": {"/etc/docker/custom.json"}, "host": {"unix://" + sock}},
		ConfigPath:   "/etc/docker/custom.json",
		Config:       map[string]any{"icc": false, "tlscacert": "/etc/docker/ca.pem"},
		Containers:   []string{"web host"},
		Images:       []string{"app:1", "def"},
		ImageHist:    2,
		Networks:     []string{"bridge/bridge", "host/host"},
		Partial:      1, // the container that vanished
		Group:        GroupFacts{Found: true, GID: 999, Members: []string{"alice"}},
		Unit:         true,
		CertCount:    1,
		TLSErr:       true,
		Rules:        []string{"-w /usr/bin/dockerd -k docker"},
		DockerdAudit: "/usr/bin/dockerd",
		DataRoot:     MountFacts{Path: "/var/lib/docker", MountPoint: "/", FSType: "ext4", Device: "8:1", RootDevice: "8:1"},
		Trust:        "1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Collect (-want +got):\n%s", diff)
	}
	// The findings follow from the facts.
	st := statuses(Run(f, Options{}))
	for k, want := range map[string]string{
		"1.1.3 /usr/bin/dockerd": "PASS", "2.2 dockerd": "PASS", "2.13 daemon": "FAIL", "5.5 web": "FAIL",
		"5.10 web": "FAIL", "5.32 web": "FAIL", "4.6 image app:1": "PASS", "4.6 image def": "FAIL", "4.5 DOCKER_CONTENT_TRUST": "PASS",
	} {
		if string(st[k]) != want {
			t.Errorf("%s = %q, want %s", k, st[k], want)
		}
	}
}

func TestCollectNoDaemon(t *testing.T) {
	root := writeTree(t, map[string]string{"etc/group": "docker:x:999:\n"})
	f, err := Collect(context.Background(), CollectOptions{Host: filepath.Join(t.TempDir(), "absent.sock"), Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if f.Daemon.Error == "" || f.Process.Error == "" {
		t.Errorf("want daemon and process errors, got %q and %q", f.Daemon.Error, f.Process.Error)
	}
	st := statuses(Run(f, Options{}))
	for _, k := range []string{"5.4 containers", "2.2 dockerd", "2.6 daemon", "4.6 images"} {
		if st[k] != "SKIP" {
			t.Errorf("%s = %q, want SKIP", k, st[k])
		}
	}
}

func TestCollectCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Collect(ctx, CollectOptions{Root: t.TempDir(), Host: "/nonexistent.sock"}); err == nil {
		t.Error("Collect with a canceled context: want an error")
	}
}

// TestCollectContainerListFails: a daemon that answers /info but not the
// container list (or a running container's inspect) counts as not asked, so
// that the container checks cannot pass a gate by judging nothing.
func TestCollectContainerListFails(t *testing.T) {
	info := `{"ServerVersion":"24.0.0","DockerRootDir":"/var/lib/docker"}`
	tests := []struct {
		name   string
		routes map[string]string
		want   string
	}{
		{"no list", map[string]string{"/info": info}, "GET /containers/json: 404"},
		{"garbage list", map[string]string{"/info": info, "/containers/json": `[{"Id":`}, "not the JSON"},
		{"garbage inspect", map[string]string{"/info": info, "/containers/json": `[{"Id":"` + ctrID + `"}]`,
			"/containers/" + ctrID + "/json": `<html>`}, "GET /containers/" + ctrID + "/json: the answer is not the JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sock := fakeDaemon(t, tt.routes)
			f, err := Collect(context.Background(), CollectOptions{Host: sock, Root: t.TempDir(), SkipAuditctl: true})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(f.Daemon.Error, tt.want) || f.Daemon.Info != nil {
				t.Errorf("Daemon.Error %q (info %v), want it to contain %q and no info", f.Daemon.Error, f.Daemon.Info != nil, tt.want)
			}
		})
	}
}

// TestCollectOtherDaemon: auditing a daemon on another socket than the one
// the local dockerd serves must not judge it by that dockerd's command line
// or this host's daemon.json; those checks are skipped with the reason.
func TestCollectOtherDaemon(t *testing.T) {
	sock := fakeDaemon(t, map[string]string{
		"/info":            `{"ServerVersion":"24.0.0","DockerRootDir":"/var/lib/docker","SecurityOptions":["name=seccomp,profile=default"]}`,
		"/containers/json": `[]`,
	})
	root := writeTree(t, map[string]string{
		"etc/docker/daemon.json": `{"icc": false, "live-restore": true}`,
		"proc/self/mountinfo":    "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n",
		"proc/4242/comm":         "dockerd\n",
		"proc/4242/cmdline":      "dockerd\x00--icc=false\x00-H\x00unix:///var/run/docker.sock\x00",
	})
	f, err := Collect(context.Background(), CollectOptions{Host: sock, Root: root, SkipAuditctl: true})
	if err != nil {
		t.Fatal(err)
	}
	if f.Process.PID != 0 || !strings.Contains(f.Process.Error, "no dockerd in /proc serves unix://"+sock) {
		t.Errorf("process %d %q: the local dockerd serves another socket", f.Process.PID, f.Process.Error)
	}
	if f.Config.Values != nil || !strings.Contains(f.Config.Error, "--daemon-config") {
		t.Errorf("config %v %q: this host's daemon.json is not the audited daemon's", f.Config.Values, f.Config.Error)
	}
	for _, fd := range Run(f, Options{Checks: []string{"2.2", "2.14", "3.17"}}) {
		if fd.Status != finding.StatusSkip {
			t.Errorf("%s = %s (%s), want SKIP", fd.ID, fd.Status, fd.Evidence)
		}
	}
	// Named explicitly, the configuration file is read.
	f, err = Collect(context.Background(), CollectOptions{Host: sock, Root: root, SkipAuditctl: true, DaemonConfig: "/etc/docker/daemon.json"})
	if err != nil {
		t.Fatal(err)
	}
	if f.Config.Error != "" || f.Config.Values["icc"] != false {
		t.Errorf("--daemon-config: %q %v", f.Config.Error, f.Config.Values)
	}
}

// TestCollectProcessesFromTop: when /proc shows no process of a running
// container, its processes come from the daemon's process list, so that
// 5.7 is judged for a docker group member too.
func TestCollectProcessesFromTop(t *testing.T) {
	sock := fakeDaemon(t, map[string]string{
		"/info":                          `{"ServerVersion":"24.0.0","DockerRootDir":"/var/lib/docker"}`,
		"/containers/json":               `[{"Id":"` + ctrID + `"}]`,
		"/containers/" + ctrID + "/json": `{"Id":"` + ctrID + `","Name":"/ssh","Config":{"Image":"sshbox"},"State":{"Running":true}}`,
		"/containers/" + ctrID + "/top": `{"Titles":["UID","PID","PPID","C","STIME","TTY","TIME","CMD"],
			"Processes":[["root","10","1","0","10:00","?","00:00:00","/usr/sbin/sshd -D"]]}`,
	})
	root := writeTree(t, map[string]string{"proc/1/comm": "systemd\n", "proc/1/cgroup": "0::/init.scope\n"})
	f, err := Collect(context.Background(), CollectOptions{Host: sock, Root: root, SkipAuditctl: true})
	if err != nil {
		t.Fatal(err)
	}
	ct := f.Containers[0]
	if ct.ProcessesSource != "daemon API (container top)" || len(ct.Processes) != 1 {
		t.Fatalf("processes %v from %q (error %q)", ct.Processes, ct.ProcessesSource, ct.ProcessesError)
	}
	got := Run(f, Options{Checks: []string{"5.7"}})
	if len(got) != 1 || got[0].Status != finding.StatusFail {
		t.Errorf("5.7 = %+v, want FAIL", got)
	}
}
