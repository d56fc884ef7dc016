package compose

import (
	"path"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/compose-spec/compose-go/v2/types"
)

// runtimeSockets are the API sockets of container engines.
var runtimeSockets = map[string]bool{
	"docker.sock": true, "containerd.sock": true, "crio.sock": true, "podman.sock": true, "dockershim.sock": true,
}

// isRuntimeSocket reports whether a bind source is a container engine's
// API socket.
func isRuntimeSocket(src string) bool {
	return runtimeSockets[path.Base(cleanHostPath(src))]
}

func volumeEvidence(v types.ServiceVolumeConfig) string {
	s := v.Source + ":" + v.Target
	if v.ReadOnly {
		s += ":ro"
	}
	return "volumes: " + s
}

// isBind reports whether a volume is a bind mount of a host path.
func isBind(v types.ServiceVolumeConfig) bool {
	return v.Type == types.VolumeTypeBind || (v.Type == "" && (strings.HasPrefix(v.Source, "/") || strings.HasPrefix(v.Source, "~")))
}

var ruleDockerSocket = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-003", Name: "docker-socket-mounted", Severity: finding.Critical,
		Title:       "Container engine socket mounted",
		Aliases:     []string{"d6355c88-1e8d-49e9-b2f2-f8a1ca12c75b"},
		Description: "Whoever can talk to the Docker (or containerd, CRI-O, Podman) API socket can start a privileged container with the host's root mounted: the socket is root on the host. `use_api_socket: true` mounts it too.",
		Fix:         "Remove the socket mount; if the service must drive Docker, put an API proxy that allows only the calls it needs in between.",
	},
	Check: func(s *Service) []Hit {
		var out []Hit
		for i, v := range s.Config.Volumes {
			if isBind(v) && isRuntimeSocket(v.Source) {
				out = append(out, Hit{Line: s.itemLine("volumes", i), Evidence: volumeEvidence(v)})
			}
		}
		if s.Config.UseAPISocket {
			out = append(out, Hit{Line: s.KeyLine("use_api_socket"), Evidence: "use_api_socket: true"})
		}
		return out
	},
}

// sensitiveDirs are host directories whose mount exposes the host. The
// value says whether paths below the directory count too (unless mounted
// read-only).
var sensitiveDirs = map[string]bool{
	"/": false, "/etc": true, "/proc": true, "/sys": true, "/var/run": false, "/run": false,
	"/root": true, "/boot": true, "/dev": true, "/lib/modules": true, "/usr/lib/modules": true,
	"/home": false, "/var/lib/docker": true, "/var/lib/kubelet": true, "/var/log": false,
	"~": false,
}

// sensitiveMount says why a bind source is sensitive, or "".
func sensitiveMount(v types.ServiceVolumeConfig) string {
	if !isBind(v) {
		return ""
	}
	p := cleanHostPath(v.Source)
	if p == "~" || p == "~/" {
		return p + " (the home directory)"
	}
	if sensitiveDirs[p] || func() bool { _, ok := sensitiveDirs[p]; return ok }() {
		return p
	}
	if v.ReadOnly || isRuntimeSocket(p) {
		return ""
	}
	for d, below := range sensitiveDirs {
		if below && strings.HasPrefix(p, d+"/") {
			return p + " (under " + d + ", writable)"
		}
	}
	return ""
}

var ruleSensitiveMount = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-004", Name: "sensitive-host-path", Severity: finding.High,
		Title:       "Sensitive host path mounted",
		Aliases:     []string{"1c1325ff-831d-43a1-973e-839ae57dfcc0"},
		Description: "Mounting the host's root, /etc, /proc, /sys, /dev, /boot, /root, /home, /run, kernel modules or Docker's own state gives the container the host's secrets and configuration, and a way out when writable. Paths below /etc, /proc, /sys, /dev, /boot, /root and kernel modules count when mounted writable.",
		Fix:         "Mount only the files the service needs, read-only (`:ro`), or copy them into a named volume.",
	},
	Check: func(s *Service) []Hit {
		var out []Hit
		for i, v := range s.Config.Volumes {
			if why := sensitiveMount(v); why != "" {
				out = append(out, Hit{Line: s.itemLine("volumes", i), Detail: "Host path " + why + " is mounted at " + v.Target + ".", Evidence: volumeEvidence(v)})
				continue
			}
			// A named volume of the local driver with o=bind mounts its
			// driver_opts device: a host path in disguise.
			if v.Type != types.VolumeTypeVolume && v.Type != "" {
				continue
			}
			vc, ok := s.volumes[v.Source]
			if !ok {
				continue
			}
			dev := vc.DriverOpts["device"]
			if dev == "" {
				dev = vc.DriverOpts["mountpoint"]
			}
			if dev == "" || !strings.HasPrefix(dev, "/") {
				continue
			}
			bind := types.ServiceVolumeConfig{Type: types.VolumeTypeBind, Source: dev, Target: v.Target, ReadOnly: v.ReadOnly}
			if why := sensitiveMount(bind); why != "" {
				out = append(out, Hit{Line: s.itemLine("volumes", i), Detail: "Volume " + v.Source + " binds host path " + why + " (driver_opts device) at " + v.Target + ".", Evidence: volumeEvidence(v)})
			}
		}
		return out
	},
}

var ruleMountPropagation = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-024", Name: "shared-mount-propagation", Severity: finding.Medium,
		Title:       "Bind mount with shared or slave propagation",
		Aliases:     []string{"baa452f0-1f21-4a25-ace5-844e7a5f410d"},
		Description: "With shared or rshared propagation, mounts made inside the container appear on the host, so a container that can mount can change what the host sees; with slave or rslave, mounts the host makes later (other containers' volumes, removable media, secrets) appear inside the container.",
		Fix:         "Drop the propagation option (the default is rprivate).",
	},
	Check: func(s *Service) []Hit {
		var out []Hit
		for i, v := range s.Config.Volumes {
			if v.Bind == nil {
				continue
			}
			switch strings.ToLower(v.Bind.Propagation) {
			case "shared", "rshared", "slave", "rslave":
				out = append(out, Hit{Line: s.itemLine("volumes", i), Evidence: volumeEvidence(v) + " (propagation " + v.Bind.Propagation + ")"})
			}
		}
		return out
	},
}
