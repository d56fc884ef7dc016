package compose

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/compose-spec/compose-go/v2/types"
)

func portString(p types.ServicePortConfig) string {
	s := strconv.FormatUint(uint64(p.Target), 10)
	if p.Published != "" {
		s = p.Published + ":" + s
	}
	if p.HostIP != "" {
		ip := p.HostIP
		if strings.Contains(ip, ":") && !strings.HasPrefix(ip, "[") {
			ip = "[" + ip + "]"
		}
		s = ip + ":" + s
	}
	if p.Protocol != "" && p.Protocol != "tcp" {
		s += "/" + p.Protocol
	}
	return s
}

func allInterfaces(ip string) bool {
	switch strings.Trim(strings.TrimSpace(ip), "[]") {
	case "", "0.0.0.0", "::":
		return true
	}
	return false
}

var rulePortsAllInterfaces = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-012", Name: "port-all-interfaces", Severity: finding.Medium,
		Title:       "Port published on all host interfaces",
		Aliases:     []string{"451d79dc-0588-476a-ad03-3c7f0320abb3"},
		Description: "A port published without a host IP (or on 0.0.0.0 or ::) listens on every interface of the host, public ones included, and Docker's iptables rules bypass the host firewall (ufw, firewalld).",
		Fix:         "Bind the port to the interface that needs it, such as `127.0.0.1:8080:80`, or leave it unpublished and use a network.",
	},
	Check: func(s *Service) []Hit {
		var ports []string
		seen := map[string]bool{}
		n := 0
		for _, p := range s.Ports {
			if p.Published && allInterfaces(p.HostIP) {
				n += p.Count()
				if !seen[p.Text] {
					seen[p.Text] = true
					ports = append(ports, p.Text)
				}
			}
		}
		if len(ports) == 0 {
			return nil
		}
		return []Hit{{Line: s.KeyLine("ports"), Detail: fmt.Sprintf("%d port(s) listen on every host interface.", n), Evidence: "ports: " + listShort(ports)}}
	},
}

// publishedRange parses a published port or range ("80", "8000-8010").
func publishedRange(p string) (lo, hi int, ok bool) {
	a, b, isRange := strings.Cut(strings.TrimSpace(p), "-")
	lo, err := strconv.Atoi(a)
	if err != nil {
		return 0, 0, false
	}
	hi = lo
	if isRange {
		if hi, err = strconv.Atoi(b); err != nil {
			return 0, 0, false
		}
	}
	return lo, hi, true
}

var rulePrivilegedPorts = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-013", Name: "privileged-host-port", Severity: finding.Low,
		Title:       "Privileged port (below 1024) published",
		Aliases:     []string{"bc2908f3-f73c-40a9-8793-c1b7d5544f79"},
		Description: "Ports below 1024 are reserved for system services: a container port below 1024 means the process needs root or CAP_NET_BIND_SERVICE to listen on it, and a host port below 1024 ties the service to a port that may collide with the host's own daemons. Ranges are judged by their lowest port.",
		Fix:         "Listen on a port of 1024 or above inside the container and publish it on a host port of 1024 or above; put a reverse proxy in front for 80/443.",
	},
	Check: func(s *Service) []Hit {
		var ports []string
		seen := map[string]bool{}
		for _, p := range s.Ports {
			if !p.Published {
				continue
			}
			if (p.TargetLo > 0 && p.TargetLo < 1024) || (p.PublishedLo > 0 && p.PublishedLo < 1024) {
				if !seen[p.Text] {
					seen[p.Text] = true
					ports = append(ports, p.Text)
				}
			}
		}
		if len(ports) == 0 {
			return nil
		}
		return []Hit{{Line: s.KeyLine("ports"), Evidence: "ports: " + listShort(ports)}}
	},
}
