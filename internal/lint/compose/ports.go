package compose

import (
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/template"
	"gopkg.in/yaml.v3"
)

// PortSpec is one entry of a service's ports as written, with ranges kept
// as ranges: compose-go expands "1-65535:1-65535" into 65,535 entries, so
// the rules read the source instead and count ports rather than listing
// them.
type PortSpec struct {
	// Text is the entry as written (short syntax) or rebuilt (long syntax).
	Text string
	// HostIP is the host address, "" for all interfaces.
	HostIP string
	// PublishedLo..PublishedHi is the host port range; 0 when none is
	// published (or it is chosen by the engine).
	PublishedLo, PublishedHi int
	// TargetLo..TargetHi is the container port range.
	TargetLo, TargetHi int
	Protocol           string
	Line               int
	// Published is true when the entry publishes on the host at all.
	Published bool
}

// Count is the number of container ports the entry covers.
func (p PortSpec) Count() int { return p.TargetHi - p.TargetLo + 1 }

// portRangeOf parses "80" or "8000-8010"; ok is false for anything else.
func portRangeOf(s string) (lo, hi int, ok bool) {
	s = strings.TrimSpace(s)
	a, b, isRange := strings.Cut(s, "-")
	lo, err := strconv.Atoi(a)
	if err != nil || lo < 0 || lo > 65535 {
		return 0, 0, false
	}
	hi = lo
	if isRange {
		if hi, err = strconv.Atoi(b); err != nil || hi < lo || hi > 65535 {
			return 0, 0, false
		}
	}
	return lo, hi, true
}

// noVars interpolates s with no variables set, so that defaults apply
// ("${PORT:-8080}" is 8080); on an error s is returned unchanged.
func noVars(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	out, err := template.SubstituteWithOptions(s, func(string) (string, bool) { return "", false }, template.WithoutLogging)
	if err != nil {
		return s
	}
	return out
}

// parseShortPort reads the short syntax: [[HOST_IP:]PUBLISHED:]TARGET[/PROTO],
// each port possibly a range.
func parseShortPort(text string, line int) (PortSpec, bool) {
	p := PortSpec{Text: text, Line: line, Protocol: "tcp"}
	s := noVars(strings.TrimSpace(text))
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		p.Protocol, s = strings.ToLower(s[i+1:]), s[:i]
	}
	parts := strings.Split(s, ":")
	var host, pub, target string
	switch {
	case len(parts) == 1:
		target = parts[0]
	case len(parts) == 2:
		pub, target = parts[0], parts[1]
	default:
		host = strings.Join(parts[:len(parts)-2], ":")
		pub, target = parts[len(parts)-2], parts[len(parts)-1]
	}
	var ok bool
	if p.TargetLo, p.TargetHi, ok = portRangeOf(target); !ok {
		return p, false
	}
	p.HostIP = strings.Trim(host, "[]")
	if len(parts) >= 2 {
		p.Published = true
		if pub != "" {
			if p.PublishedLo, p.PublishedHi, ok = portRangeOf(pub); !ok {
				return p, false
			}
		}
	}
	return p, true
}

// portSpecs reads the ports of a service mapping node.
func portSpecs(svc *yaml.Node) []PortSpec {
	seq, _ := mapGet(svc, "ports")
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return nil
	}
	var out []PortSpec
	for _, it := range seq.Content {
		it = deref(it)
		if it == nil {
			continue
		}
		switch it.Kind {
		case yaml.ScalarNode:
			if p, ok := parseShortPort(it.Value, it.Line); ok {
				out = append(out, p)
			}
		case yaml.MappingNode:
			p := PortSpec{Line: it.Line, Protocol: "tcp"}
			var ok bool
			t, _ := mapGet(it, "target")
			if t == nil {
				continue
			}
			if p.TargetLo, p.TargetHi, ok = portRangeOf(noVars(t.Value)); !ok {
				continue
			}
			if pub, _ := mapGet(it, "published"); pub != nil && pub.Value != "" {
				p.Published = true
				if p.PublishedLo, p.PublishedHi, ok = portRangeOf(noVars(pub.Value)); !ok {
					continue
				}
			}
			if ip, _ := mapGet(it, "host_ip"); ip != nil {
				p.HostIP = strings.Trim(noVars(ip.Value), "[]")
			}
			if pr, _ := mapGet(it, "protocol"); pr != nil && pr.Value != "" {
				p.Protocol = strings.ToLower(pr.Value)
			}
			if m, _ := mapGet(it, "mode"); m != nil && m.Value == "ingress" && !p.Published {
				p.Published = false
			}
			p.Text = rebuildPort(p)
			out = append(out, p)
		}
	}
	return out
}

func rangeText(lo, hi int) string {
	if lo == hi {
		return strconv.Itoa(lo)
	}
	return strconv.Itoa(lo) + "-" + strconv.Itoa(hi)
}

func rebuildPort(p PortSpec) string {
	s := rangeText(p.TargetLo, p.TargetHi)
	if p.Published {
		pub := ""
		if p.PublishedLo > 0 {
			pub = rangeText(p.PublishedLo, p.PublishedHi)
		}
		s = pub + ":" + s
		if p.HostIP != "" {
			ip := p.HostIP
			if strings.Contains(ip, ":") {
				ip = "[" + ip + "]"
			}
			s = ip + ":" + s
		}
	}
	if p.Protocol != "" && p.Protocol != "tcp" {
		s += "/" + p.Protocol
	}
	return s
}

// collapsePortRanges rewrites, in the YAML that compose-go will load, every
// port range to its first port, so that compose-go never expands a range
// into one entry per port. The rules read ranges from PortSpec instead.
func collapsePortRanges(svc *yaml.Node) bool {
	seq, _ := mapGet(svc, "ports")
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return false
	}
	changed := false
	for _, it := range seq.Content {
		it = deref(it)
		if it == nil {
			continue
		}
		switch it.Kind {
		case yaml.ScalarNode:
			if !strings.ContainsAny(it.Value, "-$") {
				continue
			}
			p, ok := parseShortPort(it.Value, it.Line)
			if !ok {
				// Not a port compose-go could load without expanding
				// either: leave it to compose-go to reject, but never as
				// a range.
				if strings.Contains(it.Value, "-") {
					it.Value, it.Tag, it.Style = "0", "!!str", 0
					changed = true
				}
				continue
			}
			p.TargetHi, p.PublishedHi = p.TargetLo, p.PublishedLo
			it.Value, it.Tag, it.Style = rebuildPort(p), "!!str", 0
			changed = true
		case yaml.MappingNode:
			for _, key := range []string{"target", "published"} {
				v, _ := mapGet(it, key)
				if v == nil || v.Kind != yaml.ScalarNode || !strings.ContainsAny(v.Value, "-$") {
					continue
				}
				if lo, _, ok := portRangeOf(noVars(v.Value)); ok {
					v.Value = strconv.Itoa(lo)
				} else {
					v.Value = "0"
				}
				v.Tag, v.Style = "!!str", 0
				changed = true
			}
		}
	}
	return changed
}
