package audit

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Facts is everything the checks look at, collected once. Every piece that
// could not be collected leaves its Error (or an entry in Missing) set with
// the reason, and the checks that need it report SKIP.
type Facts struct {
	CollectedAt time.Time `json:"collected_at"`
	Host        HostFacts `json:"host"`
	// Daemon is what the daemon API answered.
	Daemon DaemonFacts `json:"daemon"`
	// Process is the running dockerd's command line.
	Process ProcessFacts `json:"process"`
	// Config is the daemon configuration file (daemon.json).
	Config ConfigFacts `json:"config"`
	// Files are the files CIS section 3 names, keyed by FileKey constants
	// ("docker.service", "daemon.json", ...). Certificates under
	// /etc/docker/certs.d are in RegistryCerts.
	Files         map[string]FileFact `json:"files"`
	RegistryCerts []FileFact          `json:"registry_certs,omitempty"`
	// RegistryCertsError says why certs.d could not be listed.
	RegistryCertsError string `json:"registry_certs_error,omitempty"`
	// TLS describes the certificates named by --tlscacert, --tlscert and
	// --tlskey (or their daemon.json keys).
	TLS        []TLSFact      `json:"tls,omitempty"`
	AuditRules AuditRuleFacts `json:"audit_rules"`
	// AuditTargets are the paths CIS 1.1.3 to 1.1.18 want audit rules
	// for, keyed by check id, as found on this host.
	AuditTargets map[string]FileFact `json:"audit_targets,omitempty"`
	DockerGroup  GroupFacts          `json:"docker_group"`
	DataRoot     MountFacts          `json:"data_root"`
	Containers   []Container         `json:"containers"`
	Images       []Image             `json:"images"`
	Networks     []Network           `json:"networks"`
	// Swarm is set when the daemon is in a swarm.
	Swarm *SwarmFacts       `json:"swarm,omitempty"`
	Env   map[string]string `json:"env,omitempty"`
}

// The keys of Facts.Files.
const (
	FileDockerService   = "docker.service"
	FileDockerSocket    = "docker.socket"
	FileEtcDocker       = "/etc/docker"
	FileDockerSock      = "docker.sock"
	FileDaemonJSON      = "daemon.json"
	FileDefaultDocker   = "/etc/default/docker"
	FileSysconfigDocker = "/etc/sysconfig/docker"
	FileContainerdSock  = "containerd.sock"
)

// HostFacts describes the host itself.
type HostFacts struct {
	Hostname      string `json:"hostname,omitempty"`
	Kernel        string `json:"kernel,omitempty"`
	CgroupVersion int    `json:"cgroup_version,omitempty"`
	EUID          int    `json:"euid"`
	// Root says whether the collection ran with root privileges.
	Root bool `json:"root"`
}

// DaemonFacts is the daemon API's answer.
type DaemonFacts struct {
	// Endpoint is the socket or URL asked.
	Endpoint string   `json:"endpoint"`
	Info     *Info    `json:"info,omitempty"`
	Version  *Version `json:"version,omitempty"`
	// Error says why the daemon could not be asked, in one line: it did
	// not answer (refused, hung past the timeout), answered something that
	// is not the Docker API, or failed to list or inspect the running
	// containers. Info and Version are nil then.
	Error string `json:"error,omitempty"`
	// Partial lists API calls that failed while the daemon otherwise
	// answered (one container's inspect, one network).
	Partial []string `json:"partial,omitempty"`
}

// Info is the subset of GET /info the checks use.
type Info struct {
	ID                 string    `json:"ID"`
	Name               string    `json:"Name"`
	ServerVersion      string    `json:"ServerVersion"`
	DockerRootDir      string    `json:"DockerRootDir"`
	Driver             string    `json:"Driver"`
	LoggingDriver      string    `json:"LoggingDriver"`
	CgroupDriver       string    `json:"CgroupDriver"`
	CgroupVersion      string    `json:"CgroupVersion"`
	SecurityOptions    []string  `json:"SecurityOptions"`
	LiveRestoreEnabled bool      `json:"LiveRestoreEnabled"`
	ExperimentalBuild  bool      `json:"ExperimentalBuild"`
	Containers         int       `json:"Containers"`
	ContainersRunning  int       `json:"ContainersRunning"`
	ContainersPaused   int       `json:"ContainersPaused"`
	ContainersStopped  int       `json:"ContainersStopped"`
	Images             int       `json:"Images"`
	KernelVersion      string    `json:"KernelVersion"`
	OperatingSystem    string    `json:"OperatingSystem"`
	Swarm              SwarmInfo `json:"Swarm"`
}

// SwarmInfo is /info's Swarm: the node's part in a swarm and, on a
// manager, the cluster's settings.
type SwarmInfo struct {
	NodeID           string        `json:"NodeID"`
	NodeAddr         string        `json:"NodeAddr"`
	LocalNodeState   string        `json:"LocalNodeState"`
	ControlAvailable bool          `json:"ControlAvailable"`
	Nodes            int           `json:"Nodes"`
	Managers         int           `json:"Managers"`
	Cluster          *SwarmCluster `json:"Cluster,omitempty"`
}

// SwarmCluster is the part of the cluster's description a manager reports.
type SwarmCluster struct {
	ID   string `json:"ID"`
	Spec struct {
		EncryptionConfig struct {
			AutoLockManagers bool `json:"AutoLockManagers"`
		} `json:"EncryptionConfig"`
		CAConfig struct {
			// NodeCertExpiry is in nanoseconds.
			NodeCertExpiry int64 `json:"NodeCertExpiry"`
		} `json:"CAConfig"`
	} `json:"Spec"`
	RootRotationInProgress bool `json:"RootRotationInProgress"`
}

// SwarmFacts are what section 7 needs beyond /info, read when the daemon
// is in a swarm.
type SwarmFacts struct {
	// Secrets is the number of swarm secrets (managers only); -1 when not
	// read, with SecretsError saying why.
	Secrets      int    `json:"secrets"`
	SecretsError string `json:"secrets_error,omitempty"`
	// Listeners are the local addresses dockerd's network namespace
	// listens on for the swarm management port 2377, from
	// /proc/PID/net/tcp and tcp6.
	Listeners      []string `json:"listeners,omitempty"`
	ListenersError string   `json:"listeners_error,omitempty"`
}

// SwarmActive says whether the node is part of a swarm.
func (i *Info) SwarmActive() bool {
	return i != nil && i.Swarm.LocalNodeState != "" && i.Swarm.LocalNodeState != "inactive"
}

// Version is the subset of GET /version the checks use.
type Version struct {
	Version       string `json:"Version"`
	APIVersion    string `json:"ApiVersion"`
	MinAPIVersion string `json:"MinAPIVersion"`
	GoVersion     string `json:"GoVersion"`
	Experimental  bool   `json:"Experimental"`
}

// ProcessFacts is the running dockerd.
type ProcessFacts struct {
	PID  int      `json:"pid,omitempty"`
	Args []string `json:"args,omitempty"`
	// Flags are the parsed long flags ("icc" -> ["false"]); a bare boolean
	// flag has the value "true". Short forms are mapped to their long name.
	Flags map[string][]string `json:"flags,omitempty"`
	Error string              `json:"error,omitempty"`
}

// ConfigFacts is the daemon configuration file.
type ConfigFacts struct {
	Path    string         `json:"path"`
	Present bool           `json:"present"`
	Values  map[string]any `json:"values,omitempty"`
	Error   string         `json:"error,omitempty"`
}

// FileFact is the owner and mode of one file.
type FileFact struct {
	Path   string `json:"path"`
	Exists bool   `json:"exists"`
	// Mode holds the permission bits (0o644) and the type bits of
	// io/fs.FileMode.
	Mode  uint32 `json:"mode,omitempty"`
	UID   int    `json:"uid"`
	GID   int    `json:"gid"`
	Owner string `json:"owner,omitempty"`
	Group string `json:"group,omitempty"`
	// Error says why the file could not be inspected ("needs root").
	Error string `json:"error,omitempty"`
}

// Perm returns the permission bits.
func (f FileFact) Perm() uint32 { return f.Mode & 0o7777 }

// TLSFact is one certificate or key named by a daemon flag.
type TLSFact struct {
	// Setting is "tlscacert", "tlscert" or "tlskey".
	Setting  string    `json:"setting"`
	File     FileFact  `json:"file"`
	NotAfter time.Time `json:"not_after,omitzero"`
	Subject  string    `json:"subject,omitempty"`
	Error    string    `json:"error,omitempty"`
}

// AuditRuleFacts are the host's audit rules.
type AuditRuleFacts struct {
	// Source is "auditctl -l" or the files read.
	Source string   `json:"source,omitempty"`
	Rules  []string `json:"rules,omitempty"`
	Error  string   `json:"error,omitempty"`
}

// Covers says whether some rule watches path (a -w watch or a path= / dir=
// field).
func (a AuditRuleFacts) Covers(path string) bool {
	for _, r := range a.Rules {
		fields := strings.Fields(r)
		for i, f := range fields {
			switch {
			case f == "-w" && i+1 < len(fields) && fields[i+1] == path:
				return true
			case strings.HasPrefix(f, "path=") || strings.HasPrefix(f, "dir="):
				v := f[strings.IndexByte(f, '=')+1:]
				if v == path {
					return true
				}
			case f == "-F" && i+1 < len(fields):
				g := fields[i+1]
				if (strings.HasPrefix(g, "path=") || strings.HasPrefix(g, "dir=")) && g[strings.IndexByte(g, '=')+1:] == path {
					return true
				}
			}
		}
	}
	return false
}

// GroupFacts is the docker group from /etc/group.
type GroupFacts struct {
	Found   bool     `json:"found"`
	GID     int      `json:"gid,omitempty"`
	Members []string `json:"members,omitempty"`
	Error   string   `json:"error,omitempty"`
}

// MountFacts says whether the daemon's data root is a mount point of its own.
type MountFacts struct {
	Path       string `json:"path"`
	MountPoint string `json:"mount_point,omitempty"`
	FSType     string `json:"fs_type,omitempty"`
	// Device is the major:minor of the file system holding the data root,
	// RootDevice that of "/"; BindOf is the folder of that file system
	// mounted at the data root when it is a bind mount.
	Device     string `json:"device,omitempty"`
	RootDevice string `json:"root_device,omitempty"`
	BindOf     string `json:"bind_of,omitempty"`
	// Separate is true when the data root is a mount point on another
	// device than "/".
	Separate bool   `json:"separate"`
	Error    string `json:"error,omitempty"`
}

// Container is the subset of a container's inspect data the checks use.
type Container struct {
	ID              string          `json:"Id"`
	Name            string          `json:"Name"`
	Image           string          `json:"Image"`
	AppArmorProfile string          `json:"AppArmorProfile"`
	State           ContainerState  `json:"State"`
	Config          ContainerConfig `json:"Config"`
	HostConfig      HostConfig      `json:"HostConfig"`
	Mounts          []Mount         `json:"Mounts"`
	NetworkSettings NetworkSettings `json:"NetworkSettings"`
	// Processes are the command names of the container's processes, read
	// from /proc by bulkhead (not part of the daemon's inspect data); nil
	// with ProcessesError set when they could not be read.
	Processes      []string `json:"BulkheadProcesses"`
	ProcessesError string   `json:"BulkheadProcessesError,omitempty"`
	// ProcessesSource is where Processes come from: "/proc" or the daemon
	// API's process list.
	ProcessesSource string `json:"BulkheadProcessesSource,omitempty"`
	// HostListeners are the TCP addresses a container on the host network
	// listens on ("0.0.0.0:80/tcp"), read by bulkhead from /proc; nil with
	// HostListenersError set when they could not be read.
	HostListeners      []string `json:"BulkheadHostListeners,omitempty"`
	HostListenersError string   `json:"BulkheadHostListenersError,omitempty"`
}

// ImageName is the image the container was started from, as the user named
// it (nginx:1.25), else its id.
func (c *Container) ImageName() string {
	if c.Config.Image != "" {
		return c.Config.Image
	}
	return c.Image
}

// DisplayName is the container's name without the leading slash.
func (c *Container) DisplayName() string { return strings.TrimPrefix(c.Name, "/") }

// ContainerState is .State.
type ContainerState struct {
	Status  string `json:"Status"`
	Running bool   `json:"Running"`
	Pid     int    `json:"Pid"`
	Health  *struct {
		Status string `json:"Status"`
	} `json:"Health,omitempty"`
}

// ContainerConfig is .Config.
type ContainerConfig struct {
	User        string            `json:"User"`
	Image       string            `json:"Image"`
	Env         []string          `json:"Env"`
	Labels      map[string]string `json:"Labels"`
	Healthcheck *Healthcheck      `json:"Healthcheck,omitempty"`
}

// Healthcheck is a HEALTHCHECK configuration.
type Healthcheck struct {
	Test []string `json:"Test"`
}

// Disabled says whether the healthcheck is absent or NONE.
func (h *Healthcheck) Disabled() bool {
	return h == nil || len(h.Test) == 0 || h.Test[0] == "NONE"
}

// PortBinding is one host binding of a container port.
type PortBinding struct {
	HostIP   string `json:"HostIp"`
	HostPort string `json:"HostPort"`
}

// HostConfig is .HostConfig.
type HostConfig struct {
	Privileged     bool     `json:"Privileged"`
	CapAdd         []string `json:"CapAdd"`
	CapDrop        []string `json:"CapDrop"`
	NetworkMode    string   `json:"NetworkMode"`
	PidMode        string   `json:"PidMode"`
	IpcMode        string   `json:"IpcMode"`
	UTSMode        string   `json:"UTSMode"`
	UsernsMode     string   `json:"UsernsMode"`
	Memory         int64    `json:"Memory"`
	NanoCpus       int64    `json:"NanoCpus"`
	CPUShares      int64    `json:"CpuShares"`
	CPUQuota       int64    `json:"CpuQuota"`
	PidsLimit      *int64   `json:"PidsLimit"`
	ReadonlyRootfs bool     `json:"ReadonlyRootfs"`
	SecurityOpt    []string `json:"SecurityOpt"`
	RestartPolicy  struct {
		Name              string `json:"Name"`
		MaximumRetryCount int    `json:"MaximumRetryCount"`
	} `json:"RestartPolicy"`
	PortBindings map[string][]PortBinding `json:"PortBindings"`
	Devices      []struct {
		PathOnHost      string `json:"PathOnHost"`
		PathInContainer string `json:"PathInContainer"`
	} `json:"Devices"`
	Ulimits []struct {
		Name string `json:"Name"`
		Soft int64  `json:"Soft"`
		Hard int64  `json:"Hard"`
	} `json:"Ulimits"`
	CgroupParent string   `json:"CgroupParent"`
	Binds        []string `json:"Binds"`
}

// Mount is one entry of .Mounts.
type Mount struct {
	Type        string `json:"Type"`
	Name        string `json:"Name,omitempty"`
	Source      string `json:"Source"`
	Destination string `json:"Destination"`
	RW          bool   `json:"RW"`
	Propagation string `json:"Propagation"`
}

// NetworkSettings is .NetworkSettings.
type NetworkSettings struct {
	Ports    map[string][]PortBinding   `json:"Ports"`
	Networks map[string]EndpointSetting `json:"Networks"`
}

// EndpointSetting is a container's attachment to one network.
type EndpointSetting struct {
	NetworkID         string `json:"NetworkID"`
	IPAddress         string `json:"IPAddress"`
	GlobalIPv6Address string `json:"GlobalIPv6Address"`
}

// Image is one local image with the config fields the checks use.
type Image struct {
	ID          string   `json:"Id"`
	RepoTags    []string `json:"RepoTags"`
	RepoDigests []string `json:"RepoDigests"`
	Created     int64    `json:"Created"`
	Size        int64    `json:"Size"`
	// Config and History come from /images/{id}/json and /history; Error
	// says why they are missing.
	User        string       `json:"User,omitempty"`
	Healthcheck *Healthcheck `json:"Healthcheck,omitempty"`
	History     []string     `json:"History,omitempty"`
	Error       string       `json:"Error,omitempty"`
}

// DisplayName is the image's first tag, or its short id.
func (im *Image) DisplayName() string {
	for _, t := range im.RepoTags {
		if t != "<none>:<none>" {
			return t
		}
	}
	return shortID(im.ID)
}

// Dangling says whether the image has no tag.
func (im *Image) Dangling() bool {
	for _, t := range im.RepoTags {
		if t != "<none>:<none>" {
			return false
		}
	}
	return true
}

// Network is one network with its attached containers (from
// /networks/{id}).
type Network struct {
	ID         string            `json:"Id"`
	Name       string            `json:"Name"`
	Driver     string            `json:"Driver"`
	Scope      string            `json:"Scope"`
	Internal   bool              `json:"Internal"`
	EnableIPv6 bool              `json:"EnableIPv6"`
	Options    map[string]string `json:"Options"`
	IPAM       struct {
		Config []struct {
			Subnet  string `json:"Subnet"`
			Gateway string `json:"Gateway"`
		} `json:"Config"`
	} `json:"IPAM"`
	Containers map[string]NetworkEndpoint `json:"Containers"`
}

// NetworkEndpoint is a container attached to a network.
type NetworkEndpoint struct {
	Name        string `json:"Name"`
	IPv4Address string `json:"IPv4Address"`
	IPv6Address string `json:"IPv6Address"`
}

// DefaultBridge says whether n is the default docker0 bridge.
func (n *Network) DefaultBridge() bool {
	return n.Options["com.docker.network.bridge.default_bridge"] == "true" ||
		(n.Name == "bridge" && n.Driver == "bridge")
}

func shortID(id string) string {
	if i := strings.IndexByte(id, ':'); i >= 0 {
		id = id[i+1:]
	}
	if len(id) > 12 {
		id = id[:12]
	}
	return id
}

// Redacted returns a deep copy of f with every container environment value
// replaced by "<redacted>", for facts that are saved or shared. Run gives
// the same findings on the copy; Secrets finds nothing in its environment.
func (f *Facts) Redacted() (*Facts, error) {
	b, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("copy facts: %w", err)
	}
	var g Facts
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("copy facts: %w", err)
	}
	for i := range g.Containers {
		for j, kv := range g.Containers[i].Config.Env {
			if k, _, ok := strings.Cut(kv, "="); ok {
				g.Containers[i].Config.Env[j] = k + "=<redacted>"
			}
		}
	}
	return &g, nil
}
