package rules

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"
)

// sipNames is what fd.sip.name needs, done the way Falco does it: the host
// names that conditions compare fd.sip.name with are collected when the
// rules compile and resolved (ResolveNames); an event's server address then
// has the name whose addresses include it. Until a name resolves, no
// address has it, so the comparison is false.
type sipNames struct {
	mu   sync.RWMutex
	want []string              // sorted, unique; fixed after compile
	byIP map[netip.Addr]string // filled by ResolveNames
}

// name returns the name that resolved to a, if any.
func (n *sipNames) name(a netip.Addr) (string, bool) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	s, ok := n.byIP[a.Unmap()]
	return s, ok
}

// Resolver looks a host name up; nil means the system resolver.
type Resolver func(ctx context.Context, host string) ([]netip.Addr, error)

// Names lists the host names the loaded rules compare fd.sip.name with.
func (s *Set) Names() []string {
	if s == nil || s.names == nil {
		return nil
	}
	return slices.Clone(s.names.want)
}

// ResolveNames looks up the names of Names once; the caller repeats it to
// follow changes. Each lookup gets at most 5 seconds; a failed lookup keeps
// the addresses the name had, so that a DNS outage does not blind the
// rules. It returns the lookup errors. A nil lookup uses the system
// resolver.
func (s *Set) ResolveNames(ctx context.Context, lookup Resolver) []error {
	if s == nil || s.names == nil {
		return nil
	}
	if lookup == nil {
		lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	return s.names.resolve(ctx, lookup)
}

func (n *sipNames) resolve(ctx context.Context, lookup Resolver) []error {
	var errs []error
	got := map[string][]netip.Addr{}
	for _, name := range n.want {
		lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		addrs, err := lookup(lctx, name)
		cancel()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got[name] = addrs
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	byIP := map[netip.Addr]string{}
	for a, name := range n.byIP {
		if _, fresh := got[name]; !fresh {
			byIP[a] = name // lookup failed: keep what it had
		}
	}
	for _, name := range n.want {
		for _, a := range got[name] {
			if _, taken := byIP[a.Unmap()]; !taken {
				byIP[a.Unmap()] = name
			}
		}
	}
	n.byIP = byIP
	return errs
}
