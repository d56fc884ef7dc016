package audit

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

func ctrCheck(id, title string, level int, sev finding.Severity, fix string, fn func(*Facts, *Container) result) check {
	return check{CheckMeta: CheckMeta{ID: id, Title: title, Section: section(id), Level: level, Severity: sev, Automated: true, Scope: ScopeContainer, Fix: fix}, ctr: fn}
}

func manualCtr(c check) check { c.Automated = false; return c }

func imageCheck(id, title string, level int, sev finding.Severity, automated bool, fix string, fn func(*Image) result) check {
	return check{
		CheckMeta: CheckMeta{ID: id, Title: title, Section: section(id), Level: level, Severity: sev, Automated: automated, Scope: ScopeImage, Fix: fix},
		host: func(f *Facts, _ *Options) []result {
			if f.Daemon.Info == nil {
				return one(skip("the daemon could not be asked: " + f.Daemon.Error).obj("images"))
			}
			if len(f.Images) == 0 {
				return one(skip("no local images").obj("images"))
			}
			var rs []result
			for i := range f.Images {
				im := &f.Images[i]
				var r result
				if im.Error != "" {
					r = skip(im.Error)
				} else {
					r = fn(im)
				}
				rs = append(rs, r.obj("image "+im.DisplayName()))
			}
			return rs
		},
	}
}

// defaultCaps is the capability set Docker grants a container by default.
var defaultCaps = map[string]bool{
	"CHOWN": true, "DAC_OVERRIDE": true, "FSETID": true, "FOWNER": true, "MKNOD": true,
	"NET_RAW": true, "SETGID": true, "SETUID": true, "SETFCAP": true, "SETPCAP": true,
	"NET_BIND_SERVICE": true, "SYS_CHROOT": true, "KILL": true, "AUDIT_WRITE": true,
}

func normCap(c string) string {
	return strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(c)), "CAP_")
}

// sensitiveDirs are host paths CIS 5.6 says never to mount.
var sensitiveDirs = []string{"/", "/boot", "/dev", "/etc", "/lib", "/proc", "/sys", "/usr"}

func sensitive(src string) bool {
	for _, d := range sensitiveDirs {
		if src == d || (d != "/" && strings.HasPrefix(src, d+"/")) {
			return true
		}
	}
	return false
}

func hasOpt(opts []string, names ...string) (string, bool) {
	for _, o := range opts {
		for _, n := range names {
			if strings.EqualFold(o, n) {
				return o, true
			}
		}
	}
	return "", false
}

// boundPorts lists a container's published ports as "HOSTIP:HOSTPORT->PORT".
type boundPort struct {
	hostIP   string
	hostPort int
	ctrPort  string
}

func publishedPorts(c *Container) []boundPort {
	var out []boundPort
	keys := make([]string, 0, len(c.NetworkSettings.Ports))
	for k := range c.NetworkSettings.Ports {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, b := range c.NetworkSettings.Ports[k] {
			p, _ := strconv.Atoi(b.HostPort)
			out = append(out, boundPort{hostIP: b.HostIP, hostPort: p, ctrPort: k})
		}
	}
	return out
}

func (b boundPort) String() string {
	ip := b.hostIP
	if ip == "" {
		ip = "0.0.0.0"
	}
	return net.JoinHostPort(ip, strconv.Itoa(b.hostPort)) + "->" + b.ctrPort
}

// AllInterfaces says whether a host IP binds every interface.
func AllInterfaces(ip string) bool { return ip == "" || ip == "0.0.0.0" || ip == "::" || ip == "[::]" }

func nsCheck(id, what, mode string, get func(*HostConfig) string, sev finding.Severity) check {
	return ctrCheck(id, "The host's "+what+" namespace is not shared", 1, sev,
		"Run the container without --"+mode+"=host.",
		func(_ *Facts, c *Container) result {
			if v := get(&c.HostConfig); v == "host" {
				return fail(mode + "=host")
			}
			return pass(mode + "=" + orDefault(get(&c.HostConfig)))
		})
}

func orDefault(s string) string {
	if s == "" {
		return "default"
	}
	return s
}

func section4() []check {
	manual := func(id, title string, level int, verify string) check {
		return manualCheck(id, title, level, verify, nil)
	}
	return []check{
		ctrCheck("4.1", "A user for the container has been created", 1, finding.Medium,
			"Add a USER instruction to the image or run the container with --user UID:GID.",
			func(_ *Facts, c *Container) result {
				u := c.Config.User
				name := u
				if i := strings.IndexByte(name, ':'); i >= 0 {
					name = name[:i]
				}
				if name == "" || name == "root" || name == "0" {
					return fail("runs as " + orDefault(u) + " (root)")
				}
				return pass("runs as " + u)
			}),
		manual("4.2", "Containers use only trusted base images", 1, "confirm every base image comes from a trusted, verified source"),
		manual("4.3", "Unnecessary packages are not installed in the container", 1, "review images for packages the workload does not need (bulkhead scan image lists them)"),
		manual("4.4", "Images are scanned and rebuilt to include security patches", 1, "scan images regularly (bulkhead scan image) and rebuild them on fixes"),
		hostCheck("4.5", "Content trust for Docker is enabled", 2, finding.Low,
			"export DOCKER_CONTENT_TRUST=1 for clients that pull and push images.",
			func(f *Facts, _ *Options) []result {
				if f.Env == nil {
					return one(skip("the environment was not collected").obj("DOCKER_CONTENT_TRUST"))
				}
				if f.Env["DOCKER_CONTENT_TRUST"] == "1" {
					return one(pass("DOCKER_CONTENT_TRUST=1").obj("DOCKER_CONTENT_TRUST"))
				}
				return one(fail("DOCKER_CONTENT_TRUST is " + orUnset(f.Env["DOCKER_CONTENT_TRUST"])).obj("DOCKER_CONTENT_TRUST"))
			}),
		imageCheck("4.6", "HEALTHCHECK instructions have been added to container images", 1, finding.Low, true,
			"Add a HEALTHCHECK instruction to the Dockerfile.",
			func(im *Image) result {
				if im.Healthcheck.Disabled() {
					return fail("no HEALTHCHECK")
				}
				return pass("HEALTHCHECK " + strings.Join(im.Healthcheck.Test, " "))
			}),
		imageCheck("4.7", "Update instructions are not used alone in Dockerfiles", 1, finding.Info, false,
			"verify package index updates run in the same RUN as the install",
			func(im *Image) result {
				for _, h := range im.History {
					if updateAlone(h) {
						return info("history runs an index update on its own: " + clip(h, 120))
					}
				}
				return pass("no lone package index update in the history")
			}),
		manual("4.8", "setuid and setgid permissions are removed", 2, "remove setuid/setgid bits the workload does not need (bulkhead scan image reports them)"),
		imageCheck("4.9", "COPY is used instead of ADD in Dockerfiles", 1, finding.Info, false,
			"verify ADD is needed; prefer COPY",
			func(im *Image) result {
				for i, h := range im.History {
					if i == len(im.History)-1 {
						break // the base layer
					}
					if usesADD(h) {
						return info("history uses ADD: " + clip(h, 120))
					}
				}
				return pass("no ADD above the base layer")
			}),
		manual("4.10", "Secrets are not stored in Dockerfiles", 1, "confirm no secret is in a Dockerfile or image (bulkhead scan image finds them)"),
		manual("4.11", "Only verified packages are installed", 2, "confirm packages are installed from signed repositories"),
		manual("4.12", "All signed artifacts are validated", 2, "confirm image signatures are verified before use"),
	}
}

func orUnset(s string) string {
	if s == "" {
		return "unset"
	}
	return s
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

func updateAlone(h string) bool {
	l := strings.ToLower(h)
	for _, u := range []string{"apt-get update", "apt update", "apk update", "yum update", "dnf update", "zypper refresh"} {
		if strings.Contains(l, u) {
			for _, i := range []string{"install", "upgrade", "add "} {
				if strings.Contains(l, i) {
					return false
				}
			}
			return true
		}
	}
	return false
}

func usesADD(h string) bool {
	h = strings.TrimSpace(h)
	h = strings.TrimPrefix(h, "/bin/sh -c #(nop) ")
	h = strings.TrimSpace(h)
	return strings.HasPrefix(h, "ADD ")
}

func section5() []check {
	return []check{
		hostCheck("5.1", "Swarm mode is not enabled, if not needed", 1, finding.Low,
			"Leave the swarm (docker swarm leave) if this host does not need it.",
			func(f *Facts, _ *Options) []result {
				if f.Daemon.Info == nil {
					return one(skip("the daemon could not be asked: " + f.Daemon.Error).obj("daemon"))
				}
				if f.Daemon.Info.SwarmActive() {
					return one(warn("swarm state " + f.Daemon.Info.Swarm.LocalNodeState).obj("daemon"))
				}
				return one(pass("swarm inactive").obj("daemon"))
			}),
		ctrCheck("5.2", "An AppArmor profile is enabled", 1, finding.Medium,
			"Run the container with --security-opt apparmor=PROFILE on a host with AppArmor.",
			func(f *Facts, c *Container) result {
				p := c.AppArmorProfile
				if p != "" && p != "unconfined" {
					return pass("AppArmor profile " + p)
				}
				if f.Daemon.Info != nil && !secOpt(f.Daemon.Info.SecurityOptions, "apparmor") {
					// The benchmark asks for a profile "if applicable".
					if secOpt(f.Daemon.Info.SecurityOptions, "selinux") {
						return notApplicable("the host uses SELinux, not AppArmor (see 5.3)")
					}
					return notApplicable("AppArmor is not enabled on the host (the daemon reports no apparmor security option)")
				}
				return fail("AppArmor profile " + orUnset(p))
			}),
		ctrCheck("5.3", "SELinux security options are set", 2, finding.Medium,
			"Run the container with --security-opt label=... on a host with SELinux enabled.",
			func(f *Facts, c *Container) result {
				if f.Daemon.Info != nil && !secOpt(f.Daemon.Info.SecurityOptions, "selinux") {
					// The benchmark asks for SELinux options "if applicable".
					if secOpt(f.Daemon.Info.SecurityOptions, "apparmor") {
						return notApplicable("SELinux is not enabled in the daemon; the host uses AppArmor (see 5.2)")
					}
					return notApplicable("SELinux is not enabled in the daemon (no selinux security option)")
				}
				for _, o := range c.HostConfig.SecurityOpt {
					if strings.HasPrefix(o, "label=") || strings.HasPrefix(o, "label:") {
						if o == "label=disable" || o == "label:disable" {
							return fail("SELinux labelling disabled (" + o + ")")
						}
						return pass(o)
					}
				}
				return fail("no SELinux options")
			}),
		ctrCheck("5.4", "Linux kernel capabilities are restricted", 1, finding.High,
			"Drop the added capabilities (--cap-add); prefer --cap-drop ALL with only what is needed.",
			func(_ *Facts, c *Container) result {
				var extra []string
				for _, cp := range c.HostConfig.CapAdd {
					if n := normCap(cp); !defaultCaps[n] {
						extra = append(extra, n)
					}
				}
				if len(extra) > 0 {
					return fail("capabilities added beyond the default set: " + strings.Join(extra, ", "))
				}
				if len(c.HostConfig.CapAdd) > 0 {
					return pass("only default capabilities added: " + strings.Join(c.HostConfig.CapAdd, ", "))
				}
				return pass("no capabilities added")
			}),
		ctrCheck("5.5", "Privileged containers are not used", 1, finding.Critical,
			"Run the container without --privileged; add only the capabilities it needs.",
			func(_ *Facts, c *Container) result {
				if c.HostConfig.Privileged {
					return fail("privileged")
				}
				return pass("not privileged")
			}),
		ctrCheck("5.6", "Sensitive host system directories are not mounted on containers", 1, finding.High,
			"Do not bind-mount /, /boot, /dev, /etc, /lib, /proc, /sys or /usr into containers.",
			func(_ *Facts, c *Container) result {
				var bad []string
				for _, m := range c.Mounts {
					if m.Type == "bind" && sensitive(m.Source) {
						mode := "ro"
						if m.RW {
							mode = "rw"
						}
						bad = append(bad, m.Source+":"+m.Destination+":"+mode)
					}
				}
				if len(bad) > 0 {
					return fail("sensitive host paths mounted: " + strings.Join(bad, ", "))
				}
				return pass("no sensitive host path mounted")
			}),
		ctrCheck("5.7", "sshd is not run within containers", 1, finding.Medium,
			"Remove the SSH daemon from the container; use docker exec to get a shell.",
			func(_ *Facts, c *Container) result {
				if c.Processes == nil {
					return skip("container processes not read: " + orUnset(c.ProcessesError))
				}
				for _, p := range c.Processes {
					if p == "sshd" {
						return fail("sshd is running")
					}
				}
				from := ""
				if c.ProcessesSource != "" {
					from = " (from " + c.ProcessesSource + ")"
				}
				return pass(fmt.Sprintf("no sshd among %d processes%s", len(c.Processes), from))
			}),
		ctrCheck("5.8", "Privileged ports are not mapped within containers", 1, finding.Medium,
			"Publish the service on a host port of 1024 or above.",
			func(_ *Facts, c *Container) result {
				var bad []string
				for _, p := range publishedPorts(c) {
					if p.hostPort > 0 && p.hostPort < 1024 {
						bad = append(bad, p.String())
					}
				}
				if len(bad) > 0 {
					return fail("privileged host ports: " + strings.Join(bad, ", "))
				}
				return pass("no privileged host port")
			}),
		manualCtr(ctrCheck("5.9", "Only needed ports are open on the container", 1, finding.Info,
			"verify each published port is needed",
			func(_ *Facts, c *Container) result {
				ps := publishedPorts(c)
				if len(ps) == 0 {
					return pass("no published ports")
				}
				var s []string
				for _, p := range ps {
					s = append(s, p.String())
				}
				return info("published ports to review: " + strings.Join(s, ", "))
			})),
		ctrCheck("5.10", "The host's network namespace is not shared", 1, finding.High,
			"Run the container without --network host.",
			func(_ *Facts, c *Container) result {
				if c.HostConfig.NetworkMode == "host" {
					return fail("network=host")
				}
				return pass("network=" + orDefault(c.HostConfig.NetworkMode))
			}),
		ctrCheck("5.11", "The container's memory usage is limited", 1, finding.Medium,
			"Run the container with --memory.",
			func(_ *Facts, c *Container) result {
				if c.HostConfig.Memory <= 0 {
					return fail("no memory limit")
				}
				return pass(fmt.Sprintf("memory limit %d bytes", c.HostConfig.Memory))
			}),
		ctrCheck("5.12", "CPU priority is set appropriately on the container", 1, finding.Low,
			"Run the container with --cpus or --cpu-shares.",
			func(_ *Facts, c *Container) result {
				h := c.HostConfig
				switch {
				case h.NanoCpus > 0:
					return pass(fmt.Sprintf("cpus %g", float64(h.NanoCpus)/1e9))
				case h.CPUQuota > 0:
					return pass(fmt.Sprintf("cpu quota %d", h.CPUQuota))
				case h.CPUShares > 0 && h.CPUShares != 1024:
					return pass(fmt.Sprintf("cpu shares %d", h.CPUShares))
				}
				return fail("no CPU limit or shares")
			}),
		ctrCheck("5.13", "The container's root filesystem is mounted as read only", 1, finding.Medium,
			"Run the container with --read-only and mount writable volumes or tmpfs where needed.",
			func(_ *Facts, c *Container) result {
				if c.HostConfig.ReadonlyRootfs {
					return pass("read-only root filesystem")
				}
				return fail("writable root filesystem")
			}),
		ctrCheck("5.14", "Incoming container traffic is bound to a specific host interface", 1, finding.Medium,
			"Publish ports on a specific address (-p 127.0.0.1:8080:80).",
			func(_ *Facts, c *Container) result {
				var bad, good []string
				for _, p := range publishedPorts(c) {
					if AllInterfaces(p.hostIP) {
						bad = append(bad, p.String())
					} else {
						good = append(good, p.String())
					}
				}
				if len(bad) > 0 {
					return fail("ports bound to all interfaces: " + strings.Join(bad, ", "))
				}
				if len(good) == 0 {
					return pass("no published ports")
				}
				return pass("ports bound to specific addresses: " + strings.Join(good, ", "))
			}),
		ctrCheck("5.15", "The 'on-failure' container restart policy is set to 5", 1, finding.Low,
			"Use --restart on-failure:5 instead of always or unless-stopped.",
			func(_ *Facts, c *Container) result {
				rp := c.HostConfig.RestartPolicy
				switch rp.Name {
				case "", "no":
					return pass("restart policy " + orDefault(rp.Name))
				case "on-failure":
					if rp.MaximumRetryCount > 0 && rp.MaximumRetryCount <= 5 {
						return pass(fmt.Sprintf("on-failure:%d", rp.MaximumRetryCount))
					}
					return fail(fmt.Sprintf("on-failure with %d retries (want 1 to 5)", rp.MaximumRetryCount))
				}
				return fail("restart policy " + rp.Name)
			}),
		nsCheck("5.16", "process", "pid", func(h *HostConfig) string { return h.PidMode }, finding.High),
		nsCheck("5.17", "IPC", "ipc", func(h *HostConfig) string { return h.IpcMode }, finding.High),
		manualCtr(ctrCheck("5.18", "Host devices are not directly exposed to containers", 1, finding.Info,
			"verify each device passed with --device is needed",
			func(_ *Facts, c *Container) result {
				var ds []string
				for _, d := range c.HostConfig.Devices {
					ds = append(ds, d.PathOnHost+":"+d.PathInContainer)
				}
				if len(ds) == 0 {
					return pass("no host devices")
				}
				return info("host devices to review: " + strings.Join(ds, ", "))
			})),
		manualCtr(ctrCheck("5.19", "The default ulimit is overwritten at runtime if needed", 1, finding.Info,
			"verify each --ulimit override is needed",
			func(_ *Facts, c *Container) result {
				var us []string
				for _, u := range c.HostConfig.Ulimits {
					us = append(us, fmt.Sprintf("%s=%d:%d", u.Name, u.Soft, u.Hard))
				}
				if len(us) == 0 {
					return pass("default ulimits")
				}
				return info("ulimit overrides to review: " + strings.Join(us, ", "))
			})),
		ctrCheck("5.20", "Mount propagation mode is not set to shared", 1, finding.Medium,
			"Mount volumes with private or slave propagation.",
			func(_ *Facts, c *Container) result {
				var bad []string
				for _, m := range c.Mounts {
					if m.Propagation == "shared" || m.Propagation == "rshared" {
						bad = append(bad, m.Source+":"+m.Destination+" ("+m.Propagation+")")
					}
				}
				if len(bad) > 0 {
					return fail("shared mount propagation: " + strings.Join(bad, ", "))
				}
				return pass("no shared mount propagation")
			}),
		nsCheck("5.21", "UTS", "uts", func(h *HostConfig) string { return h.UTSMode }, finding.Medium),
		ctrCheck("5.22", "The default seccomp profile is not disabled", 1, finding.High,
			"Remove --security-opt seccomp=unconfined.",
			func(_ *Facts, c *Container) result {
				if o, ok := hasOpt(c.HostConfig.SecurityOpt, "seccomp=unconfined", "seccomp:unconfined"); ok {
					return fail(o)
				}
				if c.HostConfig.Privileged {
					return fail("privileged containers run without seccomp")
				}
				return pass("seccomp profile in force")
			}),
		manualCheck("5.23", "docker exec commands are not used with the privileged option", 2, "review who runs docker exec --privileged (audit logs or an authorization plugin)", nil),
		manualCheck("5.24", "docker exec commands are not used with the user=root option", 2, "review who runs docker exec --user root (audit logs or an authorization plugin)", nil),
		ctrCheck("5.25", "The cgroup usage is confirmed", 1, finding.Low,
			"Remove --cgroup-parent unless it is deliberate.",
			func(_ *Facts, c *Container) result {
				if c.HostConfig.CgroupParent != "" {
					return fail("cgroup parent " + c.HostConfig.CgroupParent)
				}
				return pass("default cgroup parent")
			}),
		ctrCheck("5.26", "The container is restricted from acquiring additional privileges", 1, finding.Medium,
			"Run the container with --security-opt no-new-privileges (or set it daemon-wide).",
			func(f *Facts, c *Container) result {
				if o, ok := hasOpt(c.HostConfig.SecurityOpt, "no-new-privileges", "no-new-privileges=true", "no-new-privileges:true"); ok {
					return pass(o)
				}
				if isTrue(f.Setting("no-new-privileges").Last()) {
					return pass("no-new-privileges set daemon-wide")
				}
				return fail("no-new-privileges not set")
			}),
		ctrCheck("5.27", "Container health is checked at runtime", 1, finding.Low,
			"Give the image a HEALTHCHECK or run the container with --health-cmd.",
			func(_ *Facts, c *Container) result {
				h := c.State.Health
				if h == nil || h.Status == "" {
					return fail("no health check")
				}
				if h.Status == "unhealthy" {
					return fail("health status unhealthy")
				}
				return pass("health status " + h.Status)
			}),
		manualCheck("5.28", "Docker commands always make use of the latest version of their image", 1, "confirm deployments pull the current image (docker pull / --pull always)", nil),
		ctrCheck("5.29", "The PIDs cgroup limit is used", 1, finding.Medium,
			"Run the container with --pids-limit.",
			func(_ *Facts, c *Container) result {
				if l := c.HostConfig.PidsLimit; l != nil && *l > 0 {
					return pass(fmt.Sprintf("pids limit %d", *l))
				}
				return fail("no pids limit")
			}),
		manualCtr(ctrCheck("5.30", "Docker's default bridge docker0 is not used", 1, finding.Low,
			"Attach the container to a user-defined network.",
			func(f *Facts, c *Container) result {
				for name, ep := range c.NetworkSettings.Networks {
					for i := range f.Networks {
						n := &f.Networks[i]
						if (n.ID == ep.NetworkID || n.Name == name) && n.DefaultBridge() {
							return warn("attached to the default bridge " + name)
						}
					}
					if name == "bridge" && len(f.Networks) == 0 {
						return warn("attached to the default bridge")
					}
				}
				return pass("not on the default bridge")
			})),
		nsCheck("5.31", "user", "userns", func(h *HostConfig) string { return h.UsernsMode }, finding.Medium),
		ctrCheck("5.32", "The Docker socket is not mounted inside any containers", 1, finding.Critical,
			"Do not mount docker.sock into containers; it gives full control of the host.",
			func(_ *Facts, c *Container) result {
				for _, m := range c.Mounts {
					if strings.HasSuffix(m.Source, "/docker.sock") || strings.HasSuffix(m.Destination, "/docker.sock") {
						return fail("docker.sock mounted: " + m.Source + ":" + m.Destination)
					}
				}
				return pass("docker.sock not mounted")
			}),
	}
}

func secOpt(opts []string, name string) bool {
	for _, o := range opts {
		if o == "name="+name || strings.HasPrefix(o, "name="+name+",") {
			return true
		}
	}
	return false
}

func section6() []check {
	return []check{
		{
			CheckMeta: CheckMeta{ID: "6.1", Title: "Image sprawl is avoided", Section: 6, Level: 1, Severity: finding.Info, Scope: ScopeHost,
				Fix: "remove images no container uses (docker image prune -a)"},
			host: func(f *Facts, _ *Options) []result {
				if f.Daemon.Info == nil {
					return one(skip("the daemon could not be asked: " + f.Daemon.Error).obj("images"))
				}
				used := map[string]bool{}
				for _, c := range f.Containers {
					used[c.Image] = true
				}
				var unused []string
				dangling := 0
				for i := range f.Images {
					im := &f.Images[i]
					if im.Dangling() {
						dangling++
					}
					if !used[im.ID] {
						unused = append(unused, im.DisplayName())
					}
				}
				ev := fmt.Sprintf("%d images, %d used by running containers, %d unused, %d dangling", len(f.Images), len(f.Images)-len(unused), len(unused), dangling)
				if len(unused) > 0 {
					ev += "; unused: " + strings.Join(limit(unused, 10), ", ")
				}
				return one(info(ev).obj("images"))
			},
		},
		{
			CheckMeta: CheckMeta{ID: "6.2", Title: "Container sprawl is avoided", Section: 6, Level: 1, Severity: finding.Low, Scope: ScopeHost,
				Fix: "remove stopped containers (docker container prune)"},
			host: func(f *Facts, _ *Options) []result {
				i := f.Daemon.Info
				if i == nil {
					return one(skip("the daemon could not be asked: " + f.Daemon.Error).obj("containers"))
				}
				idle := i.Containers - i.ContainersRunning
				ev := fmt.Sprintf("%d containers, %d running, %d not running", i.Containers, i.ContainersRunning, idle)
				if idle > 25 {
					return one(warn(ev + " (more than 25 idle)").obj("containers"))
				}
				return one(info(ev).obj("containers"))
			},
		},
	}
}

func limit(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("and %d more", len(s)-n))
	}
	return s
}
