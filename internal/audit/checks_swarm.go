package audit

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// --- section 7: Docker Swarm configuration ---------------------------------------

// swarmCheck is a section 7 check. Section 7 is only judged on a daemon in
// a swarm (manager or worker); elsewhere it is not applicable, and it is
// skipped when the daemon could not be asked.
func swarmCheck(id, title string, level int, sev finding.Severity, fix string, fn func(f *Facts, s *SwarmInfo) result) check {
	return hostCheck(id, title, level, sev, fix, func(f *Facts, _ *Options) []result {
		if f.Daemon.Info == nil {
			return one(skip("the daemon could not be asked: " + orUnset(f.Daemon.Error)).obj("swarm"))
		}
		if !f.Daemon.Info.SwarmActive() {
			return one(notSwarm(f).obj("swarm"))
		}
		return one(fn(f, &f.Daemon.Info.Swarm).obj("swarm"))
	})
}

func notSwarm(f *Facts) result {
	return notApplicable("the daemon is in no swarm (state " + orUnset(f.Daemon.Info.Swarm.LocalNodeState) + ")")
}

func swarmManual(id, title string, level int, verify string, fn func(f *Facts, s *SwarmInfo) string) check {
	c := swarmCheck(id, title, level, finding.Info, verify, func(f *Facts, s *SwarmInfo) result {
		ev := "manual check: " + verify
		if fn != nil {
			if extra := fn(f, s); extra != "" {
				ev += " (" + extra + ")"
			}
		}
		return info(ev)
	})
	c.Automated = false
	return c
}

// managerOnly is the skip of a check that needs the cluster's settings,
// which only a manager reports.
func managerOnly(s *SwarmInfo) (result, bool) {
	if !s.ControlAvailable || s.Cluster == nil {
		return skip("this node is a swarm worker; only a manager reports the cluster's settings (audit a manager)"), false
	}
	return result{}, true
}

func section7() []check {
	return []check{
		swarmCheck("7.1", "The minimum number of manager nodes is created in a swarm", 1, finding.Medium,
			"Run an odd number of managers, no more than the fault tolerance needs (3, 5 or 7); demote the rest (docker node demote).",
			func(_ *Facts, s *SwarmInfo) result {
				if r, ok := managerOnly(s); !ok {
					return r
				}
				ev := fmt.Sprintf("%d of %d nodes are managers", s.Managers, s.Nodes)
				switch {
				case s.Managers > 7:
					return fail(ev + ": more than 7 managers slow every decision and add no useful fault tolerance")
				case s.Managers > 1 && s.Managers%2 == 0:
					return warn(ev + ": an even number of managers tolerates no more failures than one fewer")
				}
				return pass(ev)
			}),
		swarmCheck("7.2", "The swarm services are bound to a specific host interface", 1, finding.Medium,
			"Initialise or join the swarm with --listen-addr IP:2377 on the management interface, not 0.0.0.0.",
			func(f *Facts, s *SwarmInfo) result {
				if !s.ControlAvailable {
					return notApplicable("a worker does not listen on the management port " + strconv.Itoa(SwarmPort))
				}
				sw := f.Swarm
				switch {
				case sw == nil:
					return skip("the swarm facts were not collected")
				case sw.ListenersError != "":
					return skip("the daemon's listening sockets were not read: " + sw.ListenersError)
				case len(sw.Listeners) == 0:
					return skip(fmt.Sprintf("no socket of dockerd's network namespace listens on port %d", SwarmPort))
				}
				var all []string
				for _, l := range sw.Listeners {
					host, _, _ := strings.Cut(strings.TrimPrefix(l, "["), "]")
					if i := strings.LastIndexByte(l, ':'); i >= 0 && !strings.HasPrefix(l, "[") {
						host = l[:i]
					}
					if AllInterfaces(host) {
						all = append(all, l)
					}
				}
				if len(all) > 0 {
					return fail("the management port listens on all interfaces: " + strings.Join(all, ", "))
				}
				return pass("listens on " + strings.Join(sw.Listeners, ", "))
			}),
		hostCheck("7.3", "Data exchanged between containers on overlay networks is encrypted", 1, finding.Medium,
			"Create overlay networks with --opt encrypted (docker network create -d overlay --opt encrypted NAME).",
			func(f *Facts, _ *Options) []result {
				if f.Daemon.Info == nil {
					return one(skip("the daemon could not be asked: " + orUnset(f.Daemon.Error)).obj("networks"))
				}
				if !f.Daemon.Info.SwarmActive() {
					return one(notSwarm(f).obj("networks"))
				}
				var rs []result
				for _, n := range f.Networks {
					if n.Driver != "overlay" {
						continue
					}
					if _, ok := n.Options["encrypted"]; ok {
						rs = append(rs, pass("encrypted").obj("network "+n.Name))
					} else {
						rs = append(rs, fail("overlay network without the encrypted option").obj("network "+n.Name))
					}
				}
				if len(rs) == 0 {
					return one(pass("no overlay network").obj("networks"))
				}
				return rs
			}),
		swarmManual("7.4", "Docker's secret management commands are used for managing secrets in a swarm cluster", 2,
			"confirm services get their secrets from docker secret, not from environment variables or images",
			func(f *Facts, _ *SwarmInfo) string {
				switch {
				case f.Swarm == nil:
					return ""
				case f.Swarm.SecretsError != "":
					return "secrets not listed: " + f.Swarm.SecretsError
				}
				return fmt.Sprintf("%d swarm secrets", f.Swarm.Secrets)
			}),
		swarmCheck("7.5", "Swarm manager is run in auto-lock mode", 1, finding.Medium,
			"Turn on auto-lock (docker swarm update --autolock=true) and keep the unlock key offline.",
			func(_ *Facts, s *SwarmInfo) result {
				if r, ok := managerOnly(s); !ok {
					return r
				}
				if s.Cluster.Spec.EncryptionConfig.AutoLockManagers {
					return pass("autolock on")
				}
				return fail("autolock off: a stolen manager disk gives the raft keys and every secret")
			}),
		swarmManual("7.6", "The swarm manager auto-lock key is rotated periodically", 1,
			"rotate the unlock key (docker swarm unlock-key --rotate) on a schedule", nil),
		swarmManual("7.7", "Node certificates are rotated as appropriate", 1,
			"set a node certificate expiry that fits the policy (docker swarm update --cert-expiry)",
			func(_ *Facts, s *SwarmInfo) string {
				if s.Cluster == nil || s.Cluster.Spec.CAConfig.NodeCertExpiry <= 0 {
					return ""
				}
				return "node certificates expire after " + time.Duration(s.Cluster.Spec.CAConfig.NodeCertExpiry).String()
			}),
		swarmManual("7.8", "CA certificates are rotated as appropriate", 1,
			"rotate the swarm root CA (docker swarm ca --rotate) on a schedule",
			func(_ *Facts, s *SwarmInfo) string {
				if s.Cluster != nil && s.Cluster.RootRotationInProgress {
					return "a root rotation is in progress"
				}
				return ""
			}),
		swarmManual("7.9", "Management plane traffic is separated from data plane traffic", 2,
			"initialise the swarm with --advertise-addr on the management network and --data-path-addr on another",
			func(_ *Facts, s *SwarmInfo) string {
				if s.NodeAddr == "" {
					return ""
				}
				return "node address " + s.NodeAddr
			}),
	}
}

// --- community checks of docker-bench-security v1.6 that can be automated ----------

// communityCap is a community check that a dangerous capability is not
// added to a container (privileged and ALL count as added).
func communityCap(id, capName string, sev finding.Severity, why string) check {
	c := ctrCheck(id, "CAP_"+capName+" is not added to containers", 1, sev,
		"Run the container without --cap-add "+capName+" ("+why+").",
		func(_ *Facts, c *Container) result {
			if c.HostConfig.Privileged {
				return fail("privileged: every capability, " + capName + " too")
			}
			for _, cp := range c.HostConfig.CapAdd {
				switch normCap(cp) {
				case capName:
					return fail("--cap-add " + cp)
				case "ALL":
					return fail("--cap-add ALL")
				}
			}
			return pass(capName + " not added")
		})
	c.Section = 5
	return c
}

func community() []check {
	return []check{
		inSection(2, hostCheck("C.2", "The legacy v1 registry protocol is disabled", 1, finding.Medium,
			"Upgrade to Docker 17.12 or later, which dropped the v1 registry protocol (before: --disable-legacy-registry).",
			func(f *Facts, _ *Options) []result {
				if f.Daemon.Version == nil || f.Daemon.Version.Version == "" {
					return one(skip("the daemon's version is unknown").obj("daemon"))
				}
				v := f.Daemon.Version.Version
				major, minor := versionMajorMinor(v)
				if major > 17 || (major == 17 && minor >= 12) {
					return one(pass("Docker " + v + " has no v1 registry support").obj("daemon"))
				}
				if s := f.Setting("disable-legacy-registry"); s.Set() && s.Last() != "false" {
					return one(pass("disable-legacy-registry (" + s.Source + ")").obj("daemon"))
				}
				return one(fail("Docker " + v + " speaks the v1 registry protocol and disable-legacy-registry is not set").obj("daemon"))
			})),
		communityCap("C.5.3.1", "DAC_READ_SEARCH", finding.High, "it reads any host file by handle, the shocker escape"),
		communityCap("C.5.3.2", "SYS_MODULE", finding.Critical, "it loads kernel modules"),
		communityCap("C.5.3.3", "SYS_ADMIN", finding.Critical, "it mounts file systems and escapes the container"),
		communityCap("C.5.3.4", "SYS_PTRACE", finding.High, "it traces and injects into processes"),
	}
}

// versionMajorMinor reads "24.0.7" or "17.12.1-ce" as 24, 0 or 17, 12.
func versionMajorMinor(v string) (int, int) {
	parts := strings.SplitN(v, ".", 3)
	major, _ := strconv.Atoi(parts[0])
	minor := 0
	if len(parts) > 1 {
		m := parts[1]
		if i := strings.IndexFunc(m, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
			m = m[:i]
		}
		minor, _ = strconv.Atoi(m)
	}
	return major, minor
}
