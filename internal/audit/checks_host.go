package audit

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// checkList is the one explicit list of checks, in benchmark order.
func checkList() []check {
	var l []check
	l = append(l, section1()...)
	l = append(l, section2()...)
	l = append(l, section3()...)
	l = append(l, section4()...)
	l = append(l, section5()...)
	l = append(l, section6()...)
	l = append(l, section7()...)
	l = append(l, community()...)
	return l
}

func hostCheck(id, title string, level int, sev finding.Severity, fix string, fn func(*Facts, *Options) []result) check {
	return check{CheckMeta: CheckMeta{ID: id, Title: title, Section: section(id), Level: level, Severity: sev, Automated: true, Scope: ScopeHost, Fix: fix}, host: fn}
}

func manualCheck(id, title string, level int, verify string, fn func(*Facts) string) check {
	return check{
		CheckMeta: CheckMeta{ID: id, Title: title, Section: section(id), Level: level, Severity: finding.Info, Scope: ScopeHost, Fix: verify},
		host: func(f *Facts, _ *Options) []result {
			ev := "manual check: " + verify
			if fn != nil {
				if extra := fn(f); extra != "" {
					ev += " (" + extra + ")"
				}
			}
			return one(info(ev).obj("host"))
		},
	}
}

func section(id string) int {
	if id != "" && id[0] >= '1' && id[0] <= '9' {
		return int(id[0] - '0')
	}
	return 0
}

// --- section 1: host configuration -------------------------------------------

var auditTargetNames = []struct{ id, what string }{
	{"1.1.3", "the dockerd binary"},
	{"1.1.4", "/run/containerd"},
	{"1.1.5", "the Docker data root"},
	{"1.1.6", "/etc/docker"},
	{"1.1.7", "the docker.service unit"},
	{"1.1.8", "containerd.sock"},
	{"1.1.9", "the docker.socket unit"},
	{"1.1.10", "/etc/default/docker"},
	{"1.1.11", "/etc/docker/daemon.json"},
	{"1.1.12", "/etc/containerd/config.toml"},
	{"1.1.13", "/etc/sysconfig/docker"},
	{"1.1.14", "the containerd binary"},
	{"1.1.15", "the containerd-shim binary"},
	{"1.1.16", "the containerd-shim-runc-v1 binary"},
	{"1.1.17", "the containerd-shim-runc-v2 binary"},
	{"1.1.18", "the runc binary"},
}

func section1() []check {
	l := []check{
		hostCheck("1.1.1", "Docker data root is on a separate partition", 1, finding.Low,
			"Put the Docker data root (/var/lib/docker) on its own file system (LVM volume or partition).",
			func(f *Facts, _ *Options) []result {
				d := f.DataRoot
				if d.Error != "" {
					return one(skip(d.Error).obj(d.Path))
				}
				if d.Separate {
					dev := ""
					if d.Device != "" {
						dev = ", device " + d.Device
					}
					return one(pass(fmt.Sprintf("%s is a mount point (%s%s)", d.Path, d.FSType, dev)).obj(d.Path))
				}
				if d.MountPoint != "/" && d.Device != "" && d.Device == d.RootDevice {
					what := "a mount point"
					if d.BindOf != "" {
						what = "a bind mount of " + d.BindOf
					}
					return one(fail(fmt.Sprintf("%s is %s on the root file system's device %s, not a partition of its own", d.Path, what, d.Device)).obj(d.Path))
				}
				return one(fail(fmt.Sprintf("%s lives on the file system mounted at %s", d.Path, d.MountPoint)).obj(d.Path))
			}),
		hostCheck("1.1.2", "Only trusted users are in the docker group", 1, finding.Medium,
			"Remove users who must not control the daemon from the docker group (gpasswd -d USER docker).",
			func(f *Facts, o *Options) []result {
				g := f.DockerGroup
				switch {
				case g.Error != "":
					return one(skip(g.Error).obj("/etc/group"))
				case !g.Found:
					return one(pass("no docker group in /etc/group").obj("/etc/group"))
				case len(g.Members) == 0:
					return one(pass("the docker group has no members").obj("group docker"))
				}
				trusted := map[string]bool{}
				for _, u := range o.TrustedDockerUsers {
					trusted[u] = true
				}
				var review []string
				for _, m := range g.Members {
					if !trusted[m] {
						review = append(review, m)
					}
				}
				if len(review) == 0 {
					return one(pass("docker group members are all trusted: " + strings.Join(g.Members, ", ")).obj("group docker"))
				}
				return one(warn("docker group members to review (root-equivalent): " + strings.Join(review, ", ")).obj("group docker"))
			}),
	}
	for _, t := range auditTargetNames {
		t := t
		l = append(l, hostCheck(t.id, "Auditing is configured for "+t.what, 1, finding.Low,
			"Add an audit watch (-w PATH -p rwxa -k docker) for "+t.what+" to /etc/audit/rules.d and reload auditd.",
			func(f *Facts, _ *Options) []result {
				ff, ok := f.AuditTargets[t.id]
				if !ok {
					return one(skip("the audited path was not collected").obj(t.what))
				}
				if ff.Error != "" {
					return one(skip(ff.Error).obj(ff.Path))
				}
				if !ff.Exists {
					return one(info(ff.Path + " does not exist on this host; nothing to audit").obj(ff.Path))
				}
				if f.AuditRules.Error != "" {
					return one(skip("audit rules unreadable: " + f.AuditRules.Error).obj(ff.Path))
				}
				if f.AuditRules.Covers(ff.Path) {
					return one(pass("audit rule watches " + ff.Path + " (" + f.AuditRules.Source + ")").obj(ff.Path))
				}
				src := f.AuditRules.Source
				if src == "" {
					src = "no audit rules"
				}
				return one(fail("no audit rule watches " + ff.Path + " (" + src + ")").obj(ff.Path))
			}))
	}
	l = append(l,
		manualCheck("1.2.1", "The host OS is hardened", 1, "harden the host (CIS benchmark for the OS, minimal packages, patched kernel)",
			func(f *Facts) string {
				if f.Host.Kernel != "" {
					return "kernel " + f.Host.Kernel
				}
				return ""
			}),
		manualCheck("1.2.2", "The container runtime is kept current", 1, "confirm the Docker engine is a supported, patched release",
			func(f *Facts) string {
				if f.Daemon.Version != nil {
					return "engine " + f.Daemon.Version.Version + ", API " + f.Daemon.Version.APIVersion
				}
				return ""
			}),
	)
	return l
}

// --- section 2: daemon configuration -----------------------------------------

// settingCheck builds a check over one daemon setting.
func settingCheck(id, title string, level int, sev finding.Severity, fix string, fn func(f *Facts) result) check {
	return hostCheck(id, title, level, sev, fix, func(f *Facts, _ *Options) []result {
		if ok, why := f.daemonSettingsKnown(); !ok {
			return one(skip(why).obj("dockerd"))
		}
		r := fn(f)
		if r.loc.Object == "" {
			r.loc.Object = "dockerd"
		}
		return one(r)
	})
}

func describe(s Setting, flag string) string {
	if !s.Set() {
		return flag + " not set"
	}
	return s.Source + "=" + strings.Join(s.Values, ",")
}

func isTrue(s string) bool  { return s == "true" || s == "1" }
func isFalse(s string) bool { return s == "false" || s == "0" }

func section2() []check {
	return []check{
		manualCheck("2.1", "The daemon runs as a non-root user (rootless) where feasible", 2, "consider running the daemon in rootless mode",
			func(f *Facts) string {
				if _, ok := f.Process.Flags["rootless"]; ok {
					return "--rootless is set"
				}
				return ""
			}),
		settingCheck("2.2", "Network traffic between containers on the default bridge is restricted", 1, finding.Medium,
			`Set "icc": false in daemon.json (or --icc=false) and connect containers that must talk through user-defined networks.`,
			func(f *Facts) result {
				s := f.Setting("icc")
				if isFalse(s.Last()) {
					return pass(describe(s, "icc"))
				}
				return fail(describe(s, "icc") + " (inter-container traffic allowed on the default bridge)")
			}),
		settingCheck("2.3", "The logging level is set to info", 1, finding.Low,
			`Remove "log-level" or set it to "info".`,
			func(f *Facts) result {
				s := f.Setting("log-level")
				if !s.Set() || s.Last() == "info" {
					return pass(describe(s, "log-level"))
				}
				return fail(describe(s, "log-level"))
			}),
		settingCheck("2.4", "Docker is allowed to make changes to iptables", 1, finding.Medium,
			`Remove "iptables": false (or --iptables=false).`,
			func(f *Facts) result {
				s := f.Setting("iptables")
				if isFalse(s.Last()) {
					return fail(describe(s, "iptables"))
				}
				return pass(describe(s, "iptables"))
			}),
		settingCheck("2.5", "Insecure registries are not used", 1, finding.High,
			`Remove "insecure-registries" (or --insecure-registry) and serve registries over TLS.`,
			func(f *Facts) result {
				s := f.Setting("insecure-registry")
				var regs []string
				for _, v := range s.Values {
					if v != "" {
						regs = append(regs, v)
					}
				}
				if len(regs) > 0 {
					return fail(s.Source + ": " + strings.Join(regs, ", "))
				}
				return pass("no insecure registries configured")
			}),
		hostCheck("2.6", "The aufs storage driver is not used", 1, finding.Medium,
			"Switch to the overlay2 storage driver.",
			func(f *Facts, _ *Options) []result {
				if f.Daemon.Info == nil {
					return one(skip("the daemon could not be asked: " + f.Daemon.Error).obj("daemon"))
				}
				if f.Daemon.Info.Driver == "aufs" {
					return one(fail("storage driver aufs").obj("daemon"))
				}
				return one(pass("storage driver " + f.Daemon.Info.Driver).obj("daemon"))
			}),
		settingCheck("2.7", "TLS authentication is configured when the daemon listens on TCP", 1, finding.Critical,
			"Set tlsverify with tlscacert, tlscert and tlskey, or stop listening on tcp://.",
			func(f *Facts) result {
				var tcp []string
				for _, h := range f.Setting("host").Values {
					if strings.HasPrefix(h, "tcp://") {
						tcp = append(tcp, h)
					}
				}
				if len(tcp) == 0 {
					return pass("the daemon listens on no TCP socket")
				}
				if isTrue(f.Setting("tlsverify").Last()) {
					return pass("tlsverify on for " + strings.Join(tcp, ", "))
				}
				return fail("the daemon listens on " + strings.Join(tcp, ", ") + " without tlsverify")
			}),
		check{
			CheckMeta: CheckMeta{ID: "2.8", Title: "Default ulimits are set as appropriate", Section: 2, Level: 1, Severity: finding.Info, Scope: ScopeHost,
				Fix: `confirm "default-ulimits" in daemon.json (or --default-ulimit) suit the workloads`},
			host: func(f *Facts, _ *Options) []result {
				s := f.Setting("default-ulimit")
				return one(info("manual check: " + describe(s, "default-ulimits")).obj("dockerd"))
			},
		},
		settingCheck("2.9", "User namespace support is enabled", 2, finding.Medium,
			`Set "userns-remap": "default" in daemon.json (or --userns-remap).`,
			func(f *Facts) result {
				s := f.Setting("userns-remap")
				if s.Last() != "" {
					return pass(describe(s, "userns-remap"))
				}
				return fail(describe(s, "userns-remap"))
			}),
		settingCheck("2.10", "The default cgroup is used", 1, finding.Low,
			`Remove "cgroup-parent" unless it is deliberate.`,
			func(f *Facts) result {
				s := f.Setting("cgroup-parent")
				if s.Last() != "" {
					return warn(describe(s, "cgroup-parent") + " (confirm it is intended)")
				}
				return pass("default cgroup parent")
			}),
		settingCheck("2.11", "The base device size is not changed", 1, finding.Low,
			"Remove dm.basesize from storage-opts.",
			func(f *Facts) result {
				s := f.Setting("storage-opt")
				for _, v := range s.Values {
					if strings.HasPrefix(v, "dm.basesize") {
						return fail(s.Source + ": " + v)
					}
				}
				return pass("dm.basesize not set")
			}),
		settingCheck("2.12", "Authorization for Docker client commands is enabled", 2, finding.Medium,
			`Install an authorization plugin and name it in "authorization-plugins".`,
			func(f *Facts) result {
				s := f.Setting("authorization-plugin")
				if len(s.Values) > 0 && s.Last() != "" {
					return pass(describe(s, "authorization-plugins"))
				}
				return fail("no authorization plugin configured")
			}),
		hostCheck("2.13", "Centralized and remote logging is configured", 2, finding.Low,
			`Set "log-driver" to a remote driver (syslog, journald, gelf, fluentd, awslogs, splunk).`,
			func(f *Facts, _ *Options) []result {
				if f.Daemon.Info == nil {
					return one(skip("the daemon could not be asked: " + f.Daemon.Error).obj("daemon"))
				}
				d := f.Daemon.Info.LoggingDriver
				switch d {
				case "", "json-file", "local", "none":
					return one(fail("logging driver " + d + " keeps logs on the host only").obj("daemon"))
				}
				return one(pass("logging driver " + d).obj("daemon"))
			}),
		settingCheck("2.14", "Containers are restricted from acquiring new privileges", 1, finding.Medium,
			`Set "no-new-privileges": true in daemon.json.`,
			func(f *Facts) result {
				s := f.Setting("no-new-privileges")
				if isTrue(s.Last()) {
					return pass(describe(s, "no-new-privileges"))
				}
				return fail(describe(s, "no-new-privileges"))
			}),
		hostCheck("2.15", "Live restore is enabled", 1, finding.Low,
			`Set "live-restore": true in daemon.json.`,
			func(f *Facts, _ *Options) []result {
				if f.Daemon.Info != nil && f.Daemon.Info.SwarmActive() {
					return one(info("swarm mode is active; live restore does not apply").obj("dockerd"))
				}
				if f.Daemon.Info != nil {
					if f.Daemon.Info.LiveRestoreEnabled {
						return one(pass("daemon reports live restore enabled").obj("dockerd"))
					}
					return one(fail("daemon reports live restore disabled").obj("dockerd"))
				}
				if ok, why := f.daemonSettingsKnown(); !ok {
					return one(skip(why).obj("dockerd"))
				}
				s := f.Setting("live-restore")
				if isTrue(s.Last()) {
					return one(pass(describe(s, "live-restore")).obj("dockerd"))
				}
				return one(fail(describe(s, "live-restore")).obj("dockerd"))
			}),
		settingCheck("2.16", "The userland proxy is disabled", 1, finding.Low,
			`Set "userland-proxy": false in daemon.json.`,
			func(f *Facts) result {
				s := f.Setting("userland-proxy")
				if isFalse(s.Last()) {
					return pass(describe(s, "userland-proxy"))
				}
				return fail(describe(s, "userland-proxy") + " (default true)")
			}),
		check{
			CheckMeta: CheckMeta{ID: "2.17", Title: "A daemon-wide custom seccomp profile is applied if appropriate", Section: 2, Level: 2, Severity: finding.Info, Scope: ScopeHost,
				Fix: `confirm whether a custom "seccomp-profile" suits the workloads`},
			host: func(f *Facts, _ *Options) []result {
				ev := "manual check: "
				if s := f.Setting("seccomp-profile"); s.Set() {
					ev += describe(s, "seccomp-profile")
				} else if f.Daemon.Info != nil {
					ev += "security options " + strings.Join(f.Daemon.Info.SecurityOptions, "; ")
				} else {
					ev += "seccomp-profile not set"
				}
				return one(info(ev).obj("dockerd"))
			},
		},
		hostCheck("2.18", "Experimental features are not used in production", 1, finding.Medium,
			`Remove "experimental": true from daemon.json.`,
			func(f *Facts, _ *Options) []result {
				if f.Daemon.Info == nil && f.Daemon.Version == nil {
					return one(skip("the daemon could not be asked: " + f.Daemon.Error).obj("daemon"))
				}
				exp := (f.Daemon.Version != nil && f.Daemon.Version.Experimental) || (f.Daemon.Info != nil && f.Daemon.Info.ExperimentalBuild)
				if exp {
					return one(fail("experimental features are enabled").obj("daemon"))
				}
				return one(pass("experimental features are off").obj("daemon"))
			}),
	}
}

// --- section 3: configuration files ------------------------------------------

func ownerCheck(id, title, key string, wantGroup string) check {
	return hostCheck(id, title, 1, finding.Medium,
		"chown root:"+wantGroup+" the file.",
		func(f *Facts, _ *Options) []result {
			ff, ok := f.Files[key]
			if !ok {
				return one(skip("file facts were not collected").obj(key))
			}
			return one(ownerResult(f, ff, wantGroup))
		})
}

func ownerResult(f *Facts, ff FileFact, wantGroup string) result {
	if ff.Error != "" {
		return skip(ff.Error).obj(ff.Path)
	}
	if !ff.Exists {
		return info(ff.Path + " does not exist on this host").obj(ff.Path)
	}
	got := fmt.Sprintf("%s:%s (%d:%d)", nameOr(ff.Owner, ff.UID), nameOr(ff.Group, ff.GID), ff.UID, ff.GID)
	okGroup := ff.GID == 0
	if wantGroup == "docker" {
		okGroup = ff.Group == "docker" || (f.DockerGroup.Found && ff.GID == f.DockerGroup.GID) || ff.GID == 0
	}
	if ff.UID == 0 && okGroup {
		return pass(ff.Path + " owned by " + got).obj(ff.Path)
	}
	return fail(ff.Path + " owned by " + got + ", want root:" + wantGroup).obj(ff.Path)
}

func nameOr(n string, id int) string {
	if n != "" {
		return n
	}
	return fmt.Sprint(id)
}

func modeCheck(id, title, key string, max uint32, exact bool) check {
	return hostCheck(id, title, 1, finding.Medium,
		fmt.Sprintf("chmod %o the file.", max),
		func(f *Facts, _ *Options) []result {
			ff, ok := f.Files[key]
			if !ok {
				return one(skip("file facts were not collected").obj(key))
			}
			return one(modeResult(ff, max, exact))
		})
}

func modeResult(ff FileFact, max uint32, exact bool) result {
	if ff.Error != "" {
		return skip(ff.Error).obj(ff.Path)
	}
	if !ff.Exists {
		return info(ff.Path + " does not exist on this host").obj(ff.Path)
	}
	p := ff.Perm()
	ok := p&^max == 0
	want := fmt.Sprintf("%o or stricter", max)
	if exact {
		ok, want = p == max, fmt.Sprintf("exactly %o", max)
	}
	if ok {
		return pass(fmt.Sprintf("%s mode %o", ff.Path, p)).obj(ff.Path)
	}
	return fail(fmt.Sprintf("%s mode %o, want %s", ff.Path, p, want)).obj(ff.Path)
}

func certsCheck(id, title string, owner bool) check {
	fix := "chmod 444 every certificate under /etc/docker/certs.d."
	if owner {
		fix = "chown root:root every certificate under /etc/docker/certs.d."
	}
	return hostCheck(id, title, 1, finding.Medium, fix, func(f *Facts, _ *Options) []result {
		if f.RegistryCertsError != "" && len(f.RegistryCerts) == 0 {
			return one(skip(f.RegistryCertsError).obj("/etc/docker/certs.d"))
		}
		if len(f.RegistryCerts) == 0 {
			return one(info("no registry certificates under /etc/docker/certs.d").obj("/etc/docker/certs.d"))
		}
		var rs []result
		for _, ff := range f.RegistryCerts {
			if owner {
				rs = append(rs, ownerResult(f, ff, "root"))
			} else {
				rs = append(rs, modeResult(ff, 0o444, false))
			}
		}
		return rs
	})
}

func tlsCheck(id, title, setting string, owner bool, max uint32, exact bool) check {
	fix := fmt.Sprintf("chmod %o the file named by --%s.", max, setting)
	if owner {
		fix = "chown root:root the file named by --" + setting + "."
	}
	return hostCheck(id, title, 1, finding.Medium, fix, func(f *Facts, _ *Options) []result {
		if ok, why := f.daemonSettingsKnown(); !ok {
			return one(skip(why).obj("--" + setting))
		}
		for _, t := range f.TLS {
			if t.Setting != setting {
				continue
			}
			if !t.File.Exists && t.File.Error == "" {
				return one(fail(t.File.Path + " named by --" + setting + " does not exist").obj(t.File.Path))
			}
			if owner {
				return one(ownerResult(f, t.File, "root"))
			}
			return one(modeResult(t.File, max, exact))
		}
		return one(info("--" + setting + " not set; the daemon uses no such file").obj("--" + setting))
	})
}

func section3() []check {
	return []check{
		ownerCheck("3.1", "docker.service file ownership is root:root", FileDockerService, "root"),
		modeCheck("3.2", "docker.service file permissions are 644 or more restrictive", FileDockerService, 0o644, false),
		ownerCheck("3.3", "docker.socket file ownership is root:root", FileDockerSocket, "root"),
		modeCheck("3.4", "docker.socket file permissions are 644 or more restrictive", FileDockerSocket, 0o644, false),
		ownerCheck("3.5", "/etc/docker directory ownership is root:root", FileEtcDocker, "root"),
		modeCheck("3.6", "/etc/docker directory permissions are 755 or more restrictive", FileEtcDocker, 0o755, false),
		certsCheck("3.7", "Registry certificate file ownership is root:root", true),
		certsCheck("3.8", "Registry certificate file permissions are 444 or more restrictive", false),
		tlsCheck("3.9", "TLS CA certificate file ownership is root:root", "tlscacert", true, 0, false),
		tlsCheck("3.10", "TLS CA certificate file permissions are 444 or more restrictive", "tlscacert", false, 0o444, false),
		tlsCheck("3.11", "Docker server certificate file ownership is root:root", "tlscert", true, 0, false),
		tlsCheck("3.12", "Docker server certificate file permissions are 444 or more restrictive", "tlscert", false, 0o444, false),
		tlsCheck("3.13", "Docker server certificate key file ownership is root:root", "tlskey", true, 0, false),
		tlsCheck("3.14", "Docker server certificate key file permissions are 400", "tlskey", false, 0o400, true),
		ownerCheck("3.15", "Docker socket file ownership is root:docker", FileDockerSock, "docker"),
		modeCheck("3.16", "Docker socket file permissions are 660 or more restrictive", FileDockerSock, 0o660, false),
		ownerCheck("3.17", "daemon.json file ownership is root:root", FileDaemonJSON, "root"),
		modeCheck("3.18", "daemon.json file permissions are 644 or more restrictive", FileDaemonJSON, 0o644, false),
		ownerCheck("3.19", "/etc/default/docker file ownership is root:root", FileDefaultDocker, "root"),
		modeCheck("3.20", "/etc/default/docker file permissions are 644 or more restrictive", FileDefaultDocker, 0o644, false),
		modeCheck("3.21", "/etc/sysconfig/docker file permissions are 644 or more restrictive", FileSysconfigDocker, 0o644, false),
		ownerCheck("3.22", "/etc/sysconfig/docker file ownership is root:root", FileSysconfigDocker, "root"),
		ownerCheck("3.23", "containerd socket file ownership is root:root", FileContainerdSock, "root"),
		modeCheck("3.24", "containerd socket file permissions are 660 or more restrictive", FileContainerdSock, 0o660, false),
		inSection(3, hostCheck("BH-AUDIT-001", "Daemon TLS certificates are valid for at least 30 more days", 1, finding.High,
			"Renew the certificate before it expires and restart the daemon.",
			func(f *Facts, _ *Options) []result {
				var rs []result
				for _, t := range f.TLS {
					if t.Setting == "tlskey" {
						continue
					}
					switch {
					case t.Error != "":
						rs = append(rs, skip(t.Error).obj(t.File.Path))
					case t.NotAfter.IsZero():
						rs = append(rs, skip("certificate not read").obj(t.File.Path))
					case t.NotAfter.Before(f.CollectedAt):
						rs = append(rs, fail(fmt.Sprintf("%s expired on %s", t.File.Path, t.NotAfter.Format(time.DateOnly))).obj(t.File.Path))
					case t.NotAfter.Before(f.CollectedAt.Add(30 * 24 * time.Hour)):
						rs = append(rs, warn(fmt.Sprintf("%s expires on %s", t.File.Path, t.NotAfter.Format(time.DateOnly))).obj(t.File.Path))
					default:
						rs = append(rs, pass(fmt.Sprintf("%s valid until %s", t.File.Path, t.NotAfter.Format(time.DateOnly))).obj(t.File.Path))
					}
				}
				if len(rs) == 0 {
					return one(info("the daemon names no TLS certificate").obj("dockerd"))
				}
				sort.SliceStable(rs, func(i, j int) bool { return rs[i].loc.Object < rs[j].loc.Object })
				return rs
			})),
	}
}

func inSection(n int, c check) check { c.Section = n; return c }
