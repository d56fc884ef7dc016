package audit

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/google/go-cmp/cmp"
)

func i64(v int64) *int64 { return &v }

func rootFile(p string, mode uint32) FileFact {
	return FileFact{Path: p, Exists: true, Mode: mode, Owner: "root", Group: "root"}
}

// hardenedContainer breaks no container check.
func hardenedContainer(name string) Container {
	c := Container{ID: strings.Repeat(name[:1], 64), Name: "/" + name, Image: "sha256:aaa", AppArmorProfile: "docker-default"}
	c.State.Status, c.State.Running = "running", true
	c.State.Health = &struct {
		Status string `json:"Status"`
	}{Status: "healthy"}
	c.Config.User = "1000:1000"
	c.Config.Image = "app:1"
	h := &c.HostConfig
	h.CapDrop = []string{"ALL"}
	h.NetworkMode = "appnet"
	h.Memory = 64 << 20
	h.NanoCpus = 500_000_000
	h.PidsLimit = i64(64)
	h.ReadonlyRootfs = true
	h.SecurityOpt = []string{"no-new-privileges", "label=type:svirt_apache_t"}
	h.RestartPolicy.Name, h.RestartPolicy.MaximumRetryCount = "on-failure", 5
	c.NetworkSettings.Ports = map[string][]PortBinding{"8080/tcp": {{HostIP: "127.0.0.1", HostPort: "8080"}}}
	c.NetworkSettings.Networks = map[string]EndpointSetting{"appnet": {NetworkID: "net-app", IPAddress: "172.20.0.2"}}
	c.Mounts = []Mount{{Type: "volume", Name: "data", Source: "/var/lib/docker/volumes/data/_data", Destination: "/data", RW: true, Propagation: ""}}
	c.Processes = []string{"app"}
	return c
}

// hardenedFacts is a host that passes every automated check.
func hardenedFacts() *Facts {
	f := &Facts{CollectedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	f.Host = HostFacts{Hostname: "h", Kernel: "6.1.0", Root: true}
	f.Daemon.Info = &Info{ServerVersion: "24.0.7", DockerRootDir: "/var/lib/docker", Driver: "overlay2",
		LoggingDriver: "syslog", SecurityOptions: []string{"name=apparmor", "name=seccomp,profile=default", "name=selinux", "name=userns"},
		LiveRestoreEnabled: true, Containers: 2, ContainersRunning: 1}
	f.Daemon.Info.Swarm.LocalNodeState = "inactive"
	f.Daemon.Version = &Version{Version: "24.0.7", APIVersion: "1.43"}
	f.Process = ProcessFacts{PID: 1, Args: []string{"dockerd", "-H", "fd://", "--tlsverify", "--tlscacert", "/etc/docker/tls/ca.pem", "--tlscert", "/etc/docker/tls/cert.pem", "--tlskey", "/etc/docker/tls/key.pem"}}
	f.Process.Flags = ParseDockerdFlags(f.Process.Args[1:])
	f.Config = ConfigFacts{Path: "/etc/docker/daemon.json", Present: true, Values: map[string]any{
		"icc": false, "log-level": "info", "userns-remap": "default", "authorization-plugins": []any{"authz"},
		"no-new-privileges": true, "live-restore": true, "userland-proxy": false, "log-driver": "syslog",
	}}
	f.Files = map[string]FileFact{
		FileDockerService:   rootFile("/lib/systemd/system/docker.service", 0o644),
		FileDockerSocket:    rootFile("/lib/systemd/system/docker.socket", 0o644),
		FileEtcDocker:       rootFile("/etc/docker", 0o755),
		FileDockerSock:      {Path: "/var/run/docker.sock", Exists: true, Mode: 0o660, GID: 999, Owner: "root", Group: "docker"},
		FileDaemonJSON:      rootFile("/etc/docker/daemon.json", 0o644),
		FileDefaultDocker:   rootFile("/etc/default/docker", 0o644),
		FileSysconfigDocker: {Path: "/etc/sysconfig/docker"},
		FileContainerdSock:  rootFile("/run/containerd/containerd.sock", 0o660),
	}
	f.RegistryCerts = []FileFact{rootFile("/etc/docker/certs.d/reg:5000/ca.crt", 0o444)}
	f.TLS = []TLSFact{
		{Setting: "tlscacert", File: rootFile("/etc/docker/tls/ca.pem", 0o444), NotAfter: f.CollectedAt.AddDate(1, 0, 0)},
		{Setting: "tlscert", File: rootFile("/etc/docker/tls/cert.pem", 0o444), NotAfter: f.CollectedAt.AddDate(1, 0, 0)},
		{Setting: "tlskey", File: rootFile("/etc/docker/tls/key.pem", 0o400)},
	}
	f.AuditTargets = map[string]FileFact{}
	var rules []string
	for _, t := range auditTargetNames {
		p := "/target/" + t.id
		f.AuditTargets[t.id] = rootFile(p, 0o755)
		rules = append(rules, "-w "+p+" -p rwxa -k docker")
	}
	f.AuditRules = AuditRuleFacts{Source: "auditctl -l", Rules: rules}
	f.DockerGroup = GroupFacts{Found: true, GID: 999, Members: []string{"alice"}}
	f.DataRoot = MountFacts{Path: "/var/lib/docker", MountPoint: "/var/lib/docker", FSType: "ext4", Separate: true}
	f.Containers = []Container{hardenedContainer("web")}
	f.Images = []Image{{ID: "sha256:aaa", RepoTags: []string{"app:1"}, User: "1000", Healthcheck: &Healthcheck{Test: []string{"CMD", "/health"}},
		History: []string{"/bin/sh -c #(nop) COPY file:abc in /app", "/bin/sh -c #(nop) ADD file:base in /"}}}
	f.Networks = []Network{
		{ID: "net-bridge", Name: "bridge", Driver: "bridge", Options: map[string]string{"com.docker.network.bridge.default_bridge": "true", "com.docker.network.bridge.enable_icc": "false"}},
		{ID: "net-app", Name: "appnet", Driver: "bridge", Containers: map[string]NetworkEndpoint{strings.Repeat("w", 64): {Name: "web", IPv4Address: "172.20.0.2/16"}}},
	}
	f.Env = map[string]string{"DOCKER_CONTENT_TRUST": "1"}
	return f
}

func runOpts() Options { return Options{TrustedDockerUsers: []string{"alice"}} }

// statuses returns "id container/object" -> status.
func statuses(fs []finding.Finding) map[string]finding.Status {
	m := map[string]finding.Status{}
	for _, f := range fs {
		where := f.Location.ContainerName
		if where == "" {
			where = f.Location.Object
		}
		m[f.ID+" "+where] = f.Status
	}
	return m
}

func TestHardenedHostPasses(t *testing.T) {
	fs := Run(hardenedFacts(), runOpts())
	var bad []string
	for _, f := range fs {
		if f.Status == finding.StatusFail || f.Status == finding.StatusWarn || (f.Status == finding.StatusSkip && !strings.HasPrefix(f.Evidence, "not applicable: the daemon is in no swarm")) {
			bad = append(bad, f.ID+" "+string(f.Status)+" "+f.Evidence)
		}
	}
	if len(bad) > 0 {
		t.Errorf("hardened facts: checks not passing:\n%s", strings.Join(bad, "\n"))
	}
	// Every check gives at least one finding.
	seen := map[string]bool{}
	for _, f := range fs {
		seen[f.ID] = true
	}
	for _, c := range Checks() {
		if !seen[c.ID] {
			t.Errorf("check %s gave no finding", c.ID)
		}
	}
}

// TestChecksFlip changes one fact at a time and asserts exactly which
// findings leave PASS/INFO.
func TestChecksFlip(t *testing.T) {
	ctr := func(f *Facts) *Container { return &f.Containers[0] }
	tests := []struct {
		name   string
		mutate func(f *Facts)
		want   map[string]finding.Status // "id where" -> status, the only non-passing ones
	}{
		{"1.1.1 data root on /", func(f *Facts) { f.DataRoot.Separate, f.DataRoot.MountPoint = false, "/" },
			map[string]finding.Status{"1.1.1 /var/lib/docker": finding.StatusFail}},
		{"1.1.2 untrusted member", func(f *Facts) { f.DockerGroup.Members = append(f.DockerGroup.Members, "mallory") },
			map[string]finding.Status{"1.1.2 group docker": finding.StatusWarn}},
		{"1.1.3 no rule for dockerd", func(f *Facts) { f.AuditRules.Rules = f.AuditRules.Rules[1:] },
			map[string]finding.Status{"1.1.3 /target/1.1.3": finding.StatusFail}},
		{"1.1.x audit rules unreadable", func(f *Facts) {
			f.AuditRules = AuditRuleFacts{Error: "needs root"}
			f.AuditTargets = map[string]FileFact{"1.1.18": rootFile("/usr/bin/runc", 0o755)}
		},
			map[string]finding.Status{"1.1.18 /usr/bin/runc": finding.StatusSkip,
				"1.1.3 the dockerd binary": finding.StatusSkip, "1.1.4 /run/containerd": finding.StatusSkip, "1.1.5 the Docker data root": finding.StatusSkip,
				"1.1.6 /etc/docker": finding.StatusSkip, "1.1.7 the docker.service unit": finding.StatusSkip, "1.1.8 containerd.sock": finding.StatusSkip,
				"1.1.9 the docker.socket unit": finding.StatusSkip, "1.1.10 /etc/default/docker": finding.StatusSkip, "1.1.11 /etc/docker/daemon.json": finding.StatusSkip,
				"1.1.12 /etc/containerd/config.toml": finding.StatusSkip, "1.1.13 /etc/sysconfig/docker": finding.StatusSkip, "1.1.14 the containerd binary": finding.StatusSkip,
				"1.1.15 the containerd-shim binary": finding.StatusSkip, "1.1.16 the containerd-shim-runc-v1 binary": finding.StatusSkip, "1.1.17 the containerd-shim-runc-v2 binary": finding.StatusSkip}},
		{"2.2 icc default", func(f *Facts) { delete(f.Config.Values, "icc") }, map[string]finding.Status{"2.2 dockerd": finding.StatusFail}},
		{"2.3 debug log level", func(f *Facts) { f.Config.Values["log-level"] = "debug" }, map[string]finding.Status{"2.3 dockerd": finding.StatusFail}},
		{"2.4 iptables off by flag", func(f *Facts) { f.Process.Flags["iptables"] = []string{"false"} }, map[string]finding.Status{"2.4 dockerd": finding.StatusFail}},
		{"2.5 insecure registry", func(f *Facts) { f.Config.Values["insecure-registries"] = []any{"reg.local:5000"} }, map[string]finding.Status{"2.5 dockerd": finding.StatusFail}},
		{"2.6 aufs", func(f *Facts) { f.Daemon.Info.Driver = "aufs" }, map[string]finding.Status{"2.6 daemon": finding.StatusFail}},
		{"2.7 tcp without tlsverify", func(f *Facts) {
			f.Process.Flags = ParseDockerdFlags([]string{"-H", "tcp://0.0.0.0:2375", "--tlscacert", "/etc/docker/tls/ca.pem", "--tlscert", "/etc/docker/tls/cert.pem", "--tlskey", "/etc/docker/tls/key.pem"})
		}, map[string]finding.Status{"2.7 dockerd": finding.StatusFail}},
		{"2.9 no userns", func(f *Facts) { delete(f.Config.Values, "userns-remap") }, map[string]finding.Status{"2.9 dockerd": finding.StatusFail}},
		{"2.10 cgroup parent", func(f *Facts) { f.Config.Values["cgroup-parent"] = "/custom" }, map[string]finding.Status{"2.10 dockerd": finding.StatusWarn}},
		{"2.11 dm.basesize", func(f *Facts) { f.Config.Values["storage-opts"] = []any{"dm.basesize=20G"} }, map[string]finding.Status{"2.11 dockerd": finding.StatusFail}},
		{"2.12 no authz", func(f *Facts) { delete(f.Config.Values, "authorization-plugins") }, map[string]finding.Status{"2.12 dockerd": finding.StatusFail}},
		{"2.13 json-file", func(f *Facts) { f.Daemon.Info.LoggingDriver = "json-file" }, map[string]finding.Status{"2.13 daemon": finding.StatusFail}},
		{"2.14 no-new-privileges off", func(f *Facts) { f.Config.Values["no-new-privileges"] = false }, map[string]finding.Status{"2.14 dockerd": finding.StatusFail}},
		{"2.15 live restore off", func(f *Facts) { f.Daemon.Info.LiveRestoreEnabled = false }, map[string]finding.Status{"2.15 dockerd": finding.StatusFail}},
		{"2.16 userland proxy default", func(f *Facts) { delete(f.Config.Values, "userland-proxy") }, map[string]finding.Status{"2.16 dockerd": finding.StatusFail}},
		{"2.18 experimental", func(f *Facts) { f.Daemon.Version.Experimental = true }, map[string]finding.Status{"2.18 daemon": finding.StatusFail}},
		{"2.x daemon.json unreadable", func(f *Facts) { f.Config.Error = "needs root (permission denied)" }, map[string]finding.Status{
			"2.2 dockerd": finding.StatusSkip, "2.3 dockerd": finding.StatusSkip, "2.4 dockerd": finding.StatusSkip, "2.5 dockerd": finding.StatusSkip,
			"2.7 dockerd": finding.StatusSkip, "2.9 dockerd": finding.StatusSkip, "2.10 dockerd": finding.StatusSkip, "2.11 dockerd": finding.StatusSkip,
			"2.12 dockerd": finding.StatusSkip, "2.14 dockerd": finding.StatusSkip, "2.16 dockerd": finding.StatusSkip,
			"3.9 --tlscacert": finding.StatusSkip, "3.10 --tlscacert": finding.StatusSkip, "3.11 --tlscert": finding.StatusSkip,
			"3.12 --tlscert": finding.StatusSkip, "3.13 --tlskey": finding.StatusSkip, "3.14 --tlskey": finding.StatusSkip}},
		{"3.1 unit owned by user", func(f *Facts) {
			ff := f.Files[FileDockerService]
			ff.UID, ff.Owner = 1000, "alice"
			f.Files[FileDockerService] = ff
		}, map[string]finding.Status{"3.1 /lib/systemd/system/docker.service": finding.StatusFail}},
		{"3.2 unit world-writable", func(f *Facts) {
			ff := f.Files[FileDockerService]
			ff.Mode = 0o666
			f.Files[FileDockerService] = ff
		}, map[string]finding.Status{"3.2 /lib/systemd/system/docker.service": finding.StatusFail}},
		{"3.6 /etc/docker 777", func(f *Facts) {
			ff := f.Files[FileEtcDocker]
			ff.Mode = 0o777
			f.Files[FileEtcDocker] = ff
		}, map[string]finding.Status{"3.6 /etc/docker": finding.StatusFail}},
		{"3.8 registry cert writable", func(f *Facts) { f.RegistryCerts[0].Mode = 0o644 },
			map[string]finding.Status{"3.8 /etc/docker/certs.d/reg:5000/ca.crt": finding.StatusFail}},
		{"3.14 key 440", func(f *Facts) { f.TLS[2].File.Mode = 0o440 }, map[string]finding.Status{"3.14 /etc/docker/tls/key.pem": finding.StatusFail}},
		{"3.14 key 000 is not 400", func(f *Facts) { f.TLS[2].File.Mode = 0 }, map[string]finding.Status{"3.14 /etc/docker/tls/key.pem": finding.StatusFail}},
		{"3.15 socket group users", func(f *Facts) {
			ff := f.Files[FileDockerSock]
			ff.GID, ff.Group = 100, "users"
			f.Files[FileDockerSock] = ff
		}, map[string]finding.Status{"3.15 /var/run/docker.sock": finding.StatusFail}},
		{"3.16 socket 666", func(f *Facts) {
			ff := f.Files[FileDockerSock]
			ff.Mode = 0o666
			f.Files[FileDockerSock] = ff
		}, map[string]finding.Status{"3.16 /var/run/docker.sock": finding.StatusFail}},
		{"3.17 daemon.json needs root", func(f *Facts) {
			f.Files[FileDaemonJSON] = FileFact{Path: "/etc/docker/daemon.json", Error: "needs root (permission denied)"}
		}, map[string]finding.Status{"3.17 /etc/docker/daemon.json": finding.StatusSkip, "3.18 /etc/docker/daemon.json": finding.StatusSkip}},
		{"BH-AUDIT-001 expired", func(f *Facts) { f.TLS[1].NotAfter = f.CollectedAt.AddDate(0, 0, -1) },
			map[string]finding.Status{"BH-AUDIT-001 /etc/docker/tls/cert.pem": finding.StatusFail}},
		{"BH-AUDIT-001 expiring", func(f *Facts) { f.TLS[0].NotAfter = f.CollectedAt.AddDate(0, 0, 10) },
			map[string]finding.Status{"BH-AUDIT-001 /etc/docker/tls/ca.pem": finding.StatusWarn}},
		{"4.1 root user", func(f *Facts) { ctr(f).Config.User = "" }, map[string]finding.Status{"4.1 web": finding.StatusFail}},
		{"4.1 uid 0 with group", func(f *Facts) { ctr(f).Config.User = "0:1000" }, map[string]finding.Status{"4.1 web": finding.StatusFail}},
		{"4.5 no content trust", func(f *Facts) { f.Env["DOCKER_CONTENT_TRUST"] = "" }, map[string]finding.Status{"4.5 DOCKER_CONTENT_TRUST": finding.StatusFail}},
		{"4.6 no healthcheck", func(f *Facts) { f.Images[0].Healthcheck = &Healthcheck{Test: []string{"NONE"}} }, map[string]finding.Status{"4.6 image app:1": finding.StatusFail}},
		{"4.7 lone update", func(f *Facts) {
			f.Images[0].History = append([]string{"/bin/sh -c apt-get update"}, f.Images[0].History...)
		}, map[string]finding.Status{"4.7 image app:1": finding.StatusInfo}},
		{"4.9 ADD above base", func(f *Facts) { f.Images[0].History[0] = "/bin/sh -c #(nop) ADD https://x/y.tgz /opt" }, map[string]finding.Status{"4.9 image app:1": finding.StatusInfo}},
		{"5.1 swarm worker", func(f *Facts) { f.Daemon.Info.Swarm.LocalNodeState = "active" }, map[string]finding.Status{"5.1 daemon": finding.StatusWarn, "2.15 dockerd": finding.StatusInfo,
			"7.3 networks": finding.StatusPass, "7.4 swarm": finding.StatusInfo,
			"7.6 swarm": finding.StatusInfo, "7.7 swarm": finding.StatusInfo, "7.8 swarm": finding.StatusInfo, "7.9 swarm": finding.StatusInfo}},
		{"7 weak manager", func(f *Facts) {
			f.Daemon.Info.Swarm = SwarmInfo{LocalNodeState: "active", ControlAvailable: true, Managers: 2, Nodes: 3, Cluster: &SwarmCluster{ID: "c1"}}
			f.Swarm = &SwarmFacts{Secrets: 0, Listeners: []string{"0.0.0.0:2377"}}
			f.Networks = append(f.Networks, Network{ID: "ov1", Name: "backend", Driver: "overlay"}, Network{ID: "ov2", Name: "secure", Driver: "overlay", Options: map[string]string{"encrypted": ""}})
		}, map[string]finding.Status{"5.1 daemon": finding.StatusWarn, "2.15 dockerd": finding.StatusInfo,
			"7.1 swarm": finding.StatusWarn, "7.2 swarm": finding.StatusFail, "7.3 network backend": finding.StatusFail, "7.3 network secure": finding.StatusPass, "7.5 swarm": finding.StatusFail, "7.4 swarm": finding.StatusInfo,
			"7.6 swarm": finding.StatusInfo, "7.7 swarm": finding.StatusInfo, "7.8 swarm": finding.StatusInfo, "7.9 swarm": finding.StatusInfo}},
		{"7 hardened manager", func(f *Facts) {
			f.Daemon.Info.Swarm = SwarmInfo{LocalNodeState: "active", ControlAvailable: true, Managers: 3, Nodes: 5, Cluster: &SwarmCluster{ID: "c1"}}
			f.Daemon.Info.Swarm.Cluster.Spec.EncryptionConfig.AutoLockManagers = true
			f.Swarm = &SwarmFacts{Secrets: 2, Listeners: []string{"10.0.0.5:2377"}}
		}, map[string]finding.Status{"5.1 daemon": finding.StatusWarn, "2.15 dockerd": finding.StatusInfo, "7.4 swarm": finding.StatusInfo,
			"7.1 swarm": finding.StatusPass, "7.2 swarm": finding.StatusPass, "7.3 networks": finding.StatusPass, "7.5 swarm": finding.StatusPass,
			"7.6 swarm": finding.StatusInfo, "7.7 swarm": finding.StatusInfo, "7.8 swarm": finding.StatusInfo, "7.9 swarm": finding.StatusInfo}},
		{"5.2 unconfined", func(f *Facts) { ctr(f).AppArmorProfile = "unconfined" }, map[string]finding.Status{"5.2 web": finding.StatusFail}},
		{"5.3 no label", func(f *Facts) { ctr(f).HostConfig.SecurityOpt = []string{"no-new-privileges"} }, map[string]finding.Status{"5.3 web": finding.StatusFail}},
		{"5.2 5.3 neither AppArmor nor SELinux", func(f *Facts) {
			f.Daemon.Info.SecurityOptions = []string{"name=seccomp,profile=default", "name=userns"}
			ctr(f).AppArmorProfile = ""
		}, map[string]finding.Status{"5.2 web": finding.StatusSkip, "5.3 web": finding.StatusSkip}},
		{"5.2 on an SELinux host", func(f *Facts) {
			f.Daemon.Info.SecurityOptions = []string{"name=seccomp,profile=default", "name=selinux", "name=userns"}
			ctr(f).AppArmorProfile = ""
		}, map[string]finding.Status{"5.2 web": finding.StatusSkip}},
		{"5.4 cap add", func(f *Facts) { ctr(f).HostConfig.CapAdd = []string{"CAP_SYS_ADMIN", "CHOWN"} }, map[string]finding.Status{"5.4 web": finding.StatusFail, "C.5.3.3 web": finding.StatusFail}},
		{"5.4 default cap is fine", func(f *Facts) { ctr(f).HostConfig.CapAdd = []string{"NET_BIND_SERVICE"} }, map[string]finding.Status{}},
		{"5.5 privileged", func(f *Facts) { ctr(f).HostConfig.Privileged = true }, map[string]finding.Status{"5.5 web": finding.StatusFail, "5.22 web": finding.StatusFail,
			"C.5.3.1 web": finding.StatusFail, "C.5.3.2 web": finding.StatusFail, "C.5.3.3 web": finding.StatusFail, "C.5.3.4 web": finding.StatusFail}},
		{"C.5.3 cap add ALL", func(f *Facts) { ctr(f).HostConfig.CapAdd = []string{"ALL"} }, map[string]finding.Status{"5.4 web": finding.StatusFail,
			"C.5.3.1 web": finding.StatusFail, "C.5.3.2 web": finding.StatusFail, "C.5.3.3 web": finding.StatusFail, "C.5.3.4 web": finding.StatusFail}},
		{"C.5.3.4 ptrace", func(f *Facts) { ctr(f).HostConfig.CapAdd = []string{"sys_ptrace"} }, map[string]finding.Status{"5.4 web": finding.StatusFail, "C.5.3.4 web": finding.StatusFail}},
		{"C.2 old daemon", func(f *Facts) { f.Daemon.Version.Version = "17.06.2-ce" }, map[string]finding.Status{"C.2 daemon": finding.StatusFail}},
		{"5.6 /etc mounted", func(f *Facts) {
			ctr(f).Mounts = append(ctr(f).Mounts, Mount{Type: "bind", Source: "/etc", Destination: "/host-etc"})
		}, map[string]finding.Status{"5.6 web": finding.StatusFail}},
		{"5.6 /etcd is not /etc", func(f *Facts) {
			ctr(f).Mounts = append(ctr(f).Mounts, Mount{Type: "bind", Source: "/etcd", Destination: "/x"})
		}, map[string]finding.Status{}},
		{"5.7 sshd", func(f *Facts) { ctr(f).Processes = []string{"app", "sshd"} }, map[string]finding.Status{"5.7 web": finding.StatusFail}},
		{"5.7 processes unknown", func(f *Facts) { ctr(f).Processes, ctr(f).ProcessesError = nil, "needs root" }, map[string]finding.Status{"5.7 web": finding.StatusSkip}},
		{"5.8 port 80", func(f *Facts) {
			ctr(f).NetworkSettings.Ports = map[string][]PortBinding{"80/tcp": {{HostIP: "127.0.0.1", HostPort: "80"}}}
		}, map[string]finding.Status{"5.8 web": finding.StatusFail}},
		{"5.10 host network", func(f *Facts) { ctr(f).HostConfig.NetworkMode = "host" }, map[string]finding.Status{"5.10 web": finding.StatusFail}},
		{"5.11 no memory", func(f *Facts) { ctr(f).HostConfig.Memory = 0 }, map[string]finding.Status{"5.11 web": finding.StatusFail}},
		{"5.12 no cpu", func(f *Facts) { ctr(f).HostConfig.NanoCpus = 0; ctr(f).HostConfig.CPUShares = 1024 }, map[string]finding.Status{"5.12 web": finding.StatusFail}},
		{"5.12 shares", func(f *Facts) { ctr(f).HostConfig.NanoCpus = 0; ctr(f).HostConfig.CPUShares = 512 }, map[string]finding.Status{}},
		{"5.13 writable root", func(f *Facts) { ctr(f).HostConfig.ReadonlyRootfs = false }, map[string]finding.Status{"5.13 web": finding.StatusFail}},
		{"5.14 all interfaces", func(f *Facts) {
			ctr(f).NetworkSettings.Ports = map[string][]PortBinding{"8080/tcp": {{HostIP: "0.0.0.0", HostPort: "8080"}, {HostIP: "::", HostPort: "8080"}}}
		}, map[string]finding.Status{"5.14 web": finding.StatusFail}},
		{"5.15 always", func(f *Facts) { ctr(f).HostConfig.RestartPolicy.Name = "always" }, map[string]finding.Status{"5.15 web": finding.StatusFail}},
		{"5.15 on-failure 10", func(f *Facts) { ctr(f).HostConfig.RestartPolicy.MaximumRetryCount = 10 }, map[string]finding.Status{"5.15 web": finding.StatusFail}},
		{"5.16 pid host", func(f *Facts) { ctr(f).HostConfig.PidMode = "host" }, map[string]finding.Status{"5.16 web": finding.StatusFail}},
		{"5.17 ipc host", func(f *Facts) { ctr(f).HostConfig.IpcMode = "host" }, map[string]finding.Status{"5.17 web": finding.StatusFail}},
		{"5.20 shared propagation", func(f *Facts) { ctr(f).Mounts[0].Propagation = "rshared" }, map[string]finding.Status{"5.20 web": finding.StatusFail}},
		{"5.21 uts host", func(f *Facts) { ctr(f).HostConfig.UTSMode = "host" }, map[string]finding.Status{"5.21 web": finding.StatusFail}},
		{"5.22 seccomp unconfined", func(f *Facts) {
			ctr(f).HostConfig.SecurityOpt = append(ctr(f).HostConfig.SecurityOpt, "seccomp=unconfined")
		}, map[string]finding.Status{"5.22 web": finding.StatusFail}},
		{"5.25 cgroup parent", func(f *Facts) { ctr(f).HostConfig.CgroupParent = "/x" }, map[string]finding.Status{"5.25 web": finding.StatusFail}},
		{"5.26 no nnp anywhere", func(f *Facts) {
			ctr(f).HostConfig.SecurityOpt = []string{"label=type:x"}
			f.Config.Values["no-new-privileges"] = false
		}, map[string]finding.Status{"5.26 web": finding.StatusFail, "2.14 dockerd": finding.StatusFail}},
		{"5.26 daemon-wide nnp is enough", func(f *Facts) { ctr(f).HostConfig.SecurityOpt = []string{"label=type:x"} }, map[string]finding.Status{}},
		{"5.27 no health", func(f *Facts) { ctr(f).State.Health = nil }, map[string]finding.Status{"5.27 web": finding.StatusFail}},
		{"5.27 unhealthy", func(f *Facts) { ctr(f).State.Health.Status = "unhealthy" }, map[string]finding.Status{"5.27 web": finding.StatusFail}},
		{"5.29 no pids limit", func(f *Facts) { ctr(f).HostConfig.PidsLimit = nil }, map[string]finding.Status{"5.29 web": finding.StatusFail}},
		{"5.29 unlimited", func(f *Facts) { ctr(f).HostConfig.PidsLimit = i64(-1) }, map[string]finding.Status{"5.29 web": finding.StatusFail}},
		{"5.30 default bridge", func(f *Facts) {
			ctr(f).NetworkSettings.Networks = map[string]EndpointSetting{"bridge": {NetworkID: "net-bridge"}}
		}, map[string]finding.Status{"5.30 web": finding.StatusWarn}},
		{"5.31 userns host", func(f *Facts) { ctr(f).HostConfig.UsernsMode = "host" }, map[string]finding.Status{"5.31 web": finding.StatusFail}},
		{"5.32 docker.sock", func(f *Facts) {
			ctr(f).Mounts = append(ctr(f).Mounts, Mount{Type: "bind", Source: "/run/docker.sock", Destination: "/var/run/docker.sock", RW: true})
		}, map[string]finding.Status{"5.32 web": finding.StatusFail}},
		{"6.2 sprawl", func(f *Facts) { f.Daemon.Info.Containers = 40 }, map[string]finding.Status{"6.2 containers": finding.StatusWarn}},
		{"daemon down", func(f *Facts) {
			f.Daemon = DaemonFacts{Error: "dial unix /var/run/docker.sock: connect: permission denied"}
			f.Containers, f.Images = nil, nil
		}, nil}, // checked below: every container check SKIPs once
	}
	base := statuses(Run(hardenedFacts(), runOpts()))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := hardenedFacts()
			tt.mutate(f)
			got := map[string]finding.Status{}
			for k, s := range statuses(Run(f, runOpts())) {
				// The baseline's not-applicable skips (section 7 off a
				// swarm) are no news either.
				if s != base[k] || (s != finding.StatusPass && s != finding.StatusInfo && s != finding.StatusSkip) {
					got[k] = s
				}
			}
			if tt.want == nil {
				for _, c := range Checks() {
					if c.Scope == ScopeContainer || c.Scope == ScopeImage {
						k := c.ID + " containers"
						if c.Scope == ScopeImage {
							k = c.ID + " images"
						}
						if got[k] != finding.StatusSkip {
							t.Errorf("%s = %q, want SKIP", k, got[k])
						}
					}
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("non-passing findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFindingShape(t *testing.T) {
	f := hardenedFacts()
	f.Containers[0].HostConfig.CapAdd = []string{"SYS_ADMIN"}
	got := Run(f, Options{Checks: []string{"CIS-DOCKER-5.4"}})
	want := []finding.Finding{{
		Kind: finding.Compliance, ID: "5.4", Aliases: []string{"CIS-DOCKER-5.4"}, Severity: finding.High,
		Title: "Linux kernel capabilities are restricted", Status: finding.StatusFail,
		Location: finding.Location{ContainerID: strings.Repeat("w", 64), ContainerName: "web", Object: "app:1"},
		Evidence: "capabilities added beyond the default set: SYS_ADMIN",
		Fix:      "Drop the added capabilities (--cap-add); prefer --cap-drop ALL with only what is needed.",
		Source:   Benchmark, Tags: []string{"cis-docker-1.6.0", "level1", "section-5"},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Run (-want +got):\n%s", diff)
	}
}

func TestRunSelection(t *testing.T) {
	f := hardenedFacts()
	f.Containers = append(f.Containers, hardenedContainer("db"))
	ids := func(o Options) []string {
		var out []string
		for _, x := range Run(f, o) {
			out = append(out, x.ID+"/"+x.Location.ContainerName)
		}
		return out
	}
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"glob", Options{Checks: []string{"5.1?"}, Skip: []string{"5.1[2-9]"}}, []string{"5.10/web", "5.10/db", "5.11/web", "5.11/db"}},
		{"section prefix and container", Options{Checks: []string{"4"}, Skip: []string{"4.[2-9]", "4.1?"}, Container: "web"}, []string{"4.1/web"}},
		{"container by id prefix", Options{Checks: []string{"5.5"}, Container: "dddd"}, []string{"5.5/db"}},
		{"no match", Options{Checks: []string{"5.5"}, Container: "nope"}, []string{"5.5/"}},
		{"alias and exact", Options{Checks: []string{"CIS-DOCKER-2.2", "1.1.1"}}, []string{"1.1.1/", "2.2/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ids(tt.opts)
			if diff := cmp.Diff(tt.want, got, cmpEmpty); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
}

var cmpEmpty = cmp.Transformer("nilToEmpty", func(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
})

func TestChecksMeta(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Checks() {
		if seen[c.ID] {
			t.Errorf("duplicate check id %s", c.ID)
		}
		seen[c.ID] = true
		if c.Title == "" || c.Fix == "" || c.Level < 1 || c.Level > 2 || c.Section < 1 || c.Section > 7 {
			t.Errorf("check %s: incomplete metadata %+v", c.ID, c)
		}
	}
	// Every automatable check of sections 1 to 6 in the reference list is
	// implemented.
	for _, id := range strings.Fields(`1.1.1 1.1.2 1.1.3 1.1.4 1.1.5 1.1.6 1.1.7 1.1.8 1.1.9 1.1.10 1.1.11 1.1.12
		1.1.13 1.1.14 1.1.15 1.1.16 1.1.17 1.1.18 1.2.1 1.2.2 2.1 2.2 2.3 2.4 2.5 2.6 2.7 2.8 2.9 2.10 2.11 2.12 2.13
		2.14 2.15 2.16 2.17 2.18 3.1 3.2 3.3 3.4 3.5 3.6 3.7 3.8 3.9 3.10 3.11 3.12 3.13 3.14 3.15 3.16 3.17 3.18
		3.19 3.20 3.21 3.22 3.23 3.24 4.1 4.2 4.3 4.4 4.5 4.6 4.7 4.8 4.9 4.10 4.11 4.12 5.1 5.2 5.3 5.4 5.5 5.6 5.7
		5.8 5.9 5.10 5.11 5.12 5.13 5.14 5.15 5.16 5.17 5.18 5.19 5.20 5.21 5.22 5.23 5.24 5.25 5.26 5.27 5.28 5.29
		5.30 5.31 5.32 6.1 6.2`) {
		if !seen[id] {
			t.Errorf("check %s missing", id)
		}
	}
}

// TestFactsRoundTrip checks that Facts replay exactly through JSON.
func TestFactsRoundTrip(t *testing.T) {
	f := hardenedFacts()
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var g Facts
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	want, got := Run(f, runOpts()), Run(&g, runOpts())
	sort.Slice(want, func(i, j int) bool { return want[i].Key() < want[j].Key() })
	sort.Slice(got, func(i, j int) bool { return got[i].Key() < got[j].Key() })
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("replayed findings (-want +got):\n%s", diff)
	}
}

// BenchmarkRun evaluates every check on a host with 50 containers.
func BenchmarkRun(b *testing.B) {
	f := hardenedFacts()
	base := f.Containers[0]
	f.Containers = nil
	for i := 0; i < 50; i++ {
		c := base
		c.ID = fmt.Sprintf("%064d", i)
		c.Name = fmt.Sprintf("/c%d", i)
		f.Containers = append(f.Containers, c)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = Run(f, Options{})
	}
}

func TestRedacted(t *testing.T) {
	f := hardenedFacts()
	f.Containers[0].Config.Env = []string{"PASSWORD=hunter2hunter2", "EMPTY="}
	g, err := f.Redacted()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"PASSWORD=<redacted>", "EMPTY=<redacted>"}, g.Containers[0].Config.Env); diff != "" {
		t.Errorf("redacted env (-want +got):\n%s", diff)
	}
	if f.Containers[0].Config.Env[0] != "PASSWORD=hunter2hunter2" {
		t.Error("Redacted changed the original")
	}
	if diff := cmp.Diff(Run(f, runOpts()), Run(g, runOpts())); diff != "" {
		t.Errorf("Run on redacted facts differs (-orig +redacted):\n%s", diff)
	}
}

// TestSwarmSkips: off a swarm section 7 is not applicable; on a worker the
// manager-only checks say so.
func TestSwarmSkips(t *testing.T) {
	f := hardenedFacts()
	for _, fd := range Run(f, Options{Checks: []string{"7.*"}}) {
		if fd.Status != finding.StatusSkip || !strings.Contains(fd.Evidence, "not applicable: the daemon is in no swarm") {
			t.Errorf("off a swarm: %s %s %q", fd.ID, fd.Status, fd.Evidence)
		}
	}
	f.Daemon.Info.Swarm = SwarmInfo{LocalNodeState: "active"}
	want := map[string]string{"7.1": "swarm worker", "7.2": "not applicable: a worker", "7.5": "swarm worker"}
	for _, fd := range Run(f, Options{Checks: []string{"7.1", "7.2", "7.5"}}) {
		if fd.Status != finding.StatusSkip || !strings.Contains(fd.Evidence, want[fd.ID]) {
			t.Errorf("worker: %s %s %q, want SKIP with %q", fd.ID, fd.Status, fd.Evidence, want[fd.ID])
		}
	}
}
