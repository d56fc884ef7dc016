// Package netview draws the network picture of a Docker host from audit
// facts: the networks, the containers on each, their published ports, and
// what can be reached from outside the host (ports bound to 0.0.0.0, :: or
// a non-loopback address, and containers on the host network). It flags
// inter-container traffic on the default bridge and ports bound to every
// interface. Writers render the view as text, Graphviz DOT or SVG.
package netview

import (
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/audit"
)

// View is the network picture of one host.
type View struct {
	Networks   []Network   `json:"networks"`
	Containers []Container `json:"containers"`
	// Exposed lists what is reachable from outside the host.
	Exposed []Exposure `json:"exposed"`
	// Flags are the risky settings found.
	Flags []Flag `json:"flags"`
}

// Network is one Docker network.
type Network struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	Driver        string   `json:"driver"`
	Subnets       []string `json:"subnets,omitempty"`
	Internal      bool     `json:"internal"`
	DefaultBridge bool     `json:"default_bridge"`
	// ICC says whether containers on the network may talk to each other
	// (meaningful for bridge networks).
	ICC bool `json:"icc"`
	// Members are the attached containers.
	Members []Member `json:"members"`
}

// Member is a container's address on a network.
type Member struct {
	Container string `json:"container"`
	IPv4      string `json:"ipv4,omitempty"`
	IPv6      string `json:"ipv6,omitempty"`
}

// Container is one running container.
type Container struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Image       string   `json:"image"`
	NetworkMode string   `json:"network_mode"`
	HostNetwork bool     `json:"host_network"`
	Networks    []string `json:"networks"`
	Ports       []Port   `json:"ports,omitempty"`
	// Listening are the TCP addresses a host-network container listens on
	// ("0.0.0.0:80/tcp"); ListeningError says why they are unknown.
	Listening      []string `json:"listening,omitempty"`
	ListeningError string   `json:"listening_error,omitempty"`
}

// Port is one published port.
type Port struct {
	HostIP        string `json:"host_ip"`
	HostPort      int    `json:"host_port"`
	ContainerPort string `json:"container_port"`
	// External says whether the port is reachable from outside the host.
	External bool `json:"external"`
	// AllInterfaces says whether it is bound to 0.0.0.0 or ::.
	AllInterfaces bool `json:"all_interfaces"`
}

// String renders "0.0.0.0:8080->80/tcp".
func (p Port) String() string {
	ip := p.HostIP
	if ip == "" {
		ip = "0.0.0.0"
	}
	if strings.Contains(ip, ":") {
		ip = "[" + ip + "]"
	}
	return ip + ":" + strconv.Itoa(p.HostPort) + "->" + p.ContainerPort
}

// Exposure is a way into a container from outside the host.
type Exposure struct {
	Container string `json:"container"`
	// Port is empty for a container on the host network, where every port
	// it listens on is exposed.
	Port   string `json:"port,omitempty"`
	Reason string `json:"reason"`
}

// Flag is one risky setting.
type Flag struct {
	// Kind is "icc-default-bridge", "all-interfaces" or "host-network".
	Kind    string `json:"kind"`
	Subject string `json:"subject"`
	Detail  string `json:"detail"`
}

// Build makes the view from collected facts.
func Build(f *audit.Facts) *View {
	v := &View{Networks: []Network{}, Containers: []Container{}, Exposed: []Exposure{}, Flags: []Flag{}}
	if f == nil {
		return v
	}
	names := map[string]string{} // container id -> name
	for i := range f.Containers {
		names[f.Containers[i].ID] = f.Containers[i].DisplayName()
	}
	daemonICC := f.Setting("icc").Last() != "false"
	byName := map[string]int{}
	for i := range f.Networks {
		n := &f.Networks[i]
		vn := Network{ID: n.ID, Name: n.Name, Driver: n.Driver, Internal: n.Internal, DefaultBridge: n.DefaultBridge(), Members: []Member{}}
		for _, c := range n.IPAM.Config {
			if c.Subnet != "" {
				vn.Subnets = append(vn.Subnets, c.Subnet)
			}
		}
		if n.Driver == "bridge" {
			if v, ok := n.Options["com.docker.network.bridge.enable_icc"]; ok {
				vn.ICC = v == "true"
			} else if vn.DefaultBridge {
				vn.ICC = daemonICC
			} else {
				vn.ICC = true
			}
		}
		for id, ep := range n.Containers {
			name := ep.Name
			if nm, ok := names[id]; ok {
				name = nm
			}
			vn.Members = append(vn.Members, Member{Container: name, IPv4: ep.IPv4Address, IPv6: ep.IPv6Address})
		}
		byName[n.Name] = len(v.Networks)
		v.Networks = append(v.Networks, vn)
	}
	for i := range f.Containers {
		c := &f.Containers[i]
		vc := Container{ID: c.ID, Name: c.DisplayName(), Image: c.Config.Image, NetworkMode: c.HostConfig.NetworkMode,
			HostNetwork: c.HostConfig.NetworkMode == "host", Networks: []string{}}
		for name, ep := range c.NetworkSettings.Networks {
			vc.Networks = append(vc.Networks, name)
			// Add members the network listing did not carry.
			if j, ok := byName[name]; ok && !hasMember(v.Networks[j].Members, vc.Name) && name != "host" && name != "none" {
				v.Networks[j].Members = append(v.Networks[j].Members, Member{Container: vc.Name, IPv4: ep.IPAddress, IPv6: ep.GlobalIPv6Address})
			}
		}
		sort.Strings(vc.Networks)
		keys := make([]string, 0, len(c.NetworkSettings.Ports))
		for k := range c.NetworkSettings.Ports {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, b := range c.NetworkSettings.Ports[k] {
				hp, _ := strconv.Atoi(b.HostPort)
				p := Port{HostIP: b.HostIP, HostPort: hp, ContainerPort: k, AllInterfaces: audit.AllInterfaces(b.HostIP)}
				p.External = p.AllInterfaces || !loopback(b.HostIP)
				vc.Ports = append(vc.Ports, p)
				if p.External {
					reason := "bound to " + p.HostIP
					if p.AllInterfaces {
						reason = "bound to all interfaces"
					}
					v.Exposed = append(v.Exposed, Exposure{Container: vc.Name, Port: p.String(), Reason: reason})
				}
				if p.AllInterfaces {
					v.Flags = append(v.Flags, Flag{Kind: "all-interfaces", Subject: vc.Name,
						Detail: p.String() + " is reachable on every host interface; bind it to one address"})
				}
			}
		}
		if vc.HostNetwork {
			vc.Listening, vc.ListeningError = c.HostListeners, c.HostListenersError
			switch {
			case c.HostListeners == nil:
				why := "host network: every port it listens on is on the host's interfaces"
				if c.HostListenersError != "" {
					why += " (its ports are unknown: " + c.HostListenersError + ")"
				}
				v.Exposed = append(v.Exposed, Exposure{Container: vc.Name, Reason: why})
			default:
				for _, l := range c.HostListeners {
					host := listenHost(l)
					if loopback(host) {
						continue
					}
					reason := "host network, listening on " + host
					if audit.AllInterfaces(host) {
						reason = "host network, listening on all interfaces"
					}
					v.Exposed = append(v.Exposed, Exposure{Container: vc.Name, Port: l, Reason: reason})
				}
			}
			v.Flags = append(v.Flags, Flag{Kind: "host-network", Subject: vc.Name, Detail: "shares the host's network namespace"})
		}
		v.Containers = append(v.Containers, vc)
	}
	for i := range v.Networks {
		n := &v.Networks[i]
		sort.Slice(n.Members, func(a, b int) bool { return n.Members[a].Container < n.Members[b].Container })
		if n.DefaultBridge && n.ICC {
			v.Flags = append(v.Flags, Flag{Kind: "icc-default-bridge", Subject: n.Name,
				Detail: "containers on the default bridge can reach each other (set \"icc\": false)"})
		}
	}
	sort.Slice(v.Networks, func(i, j int) bool { return v.Networks[i].Name < v.Networks[j].Name })
	sort.Slice(v.Containers, func(i, j int) bool { return v.Containers[i].Name < v.Containers[j].Name })
	sort.SliceStable(v.Exposed, func(i, j int) bool { return v.Exposed[i].Container < v.Exposed[j].Container })
	sort.SliceStable(v.Flags, func(i, j int) bool {
		if v.Flags[i].Kind != v.Flags[j].Kind {
			return v.Flags[i].Kind < v.Flags[j].Kind
		}
		return v.Flags[i].Subject < v.Flags[j].Subject
	})
	return v
}

// listenHost is the address of "0.0.0.0:80/tcp" or "[::1]:80/tcp".
func listenHost(l string) string {
	l, _, _ = strings.Cut(l, "/")
	if i := strings.LastIndexByte(l, ':'); i >= 0 {
		l = l[:i]
	}
	return strings.Trim(l, "[]")
}

func hasMember(ms []Member, name string) bool {
	for _, m := range ms {
		if m.Container == name {
			return true
		}
	}
	return false
}

// loopback says whether ip is a loopback address.
func loopback(ip string) bool {
	a, err := netip.ParseAddr(strings.Trim(ip, "[]"))
	return err == nil && a.IsLoopback()
}
