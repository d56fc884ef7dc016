package rules

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
)

// TestSipName checks fd.sip.name: the names in conditions are collected,
// resolved through the Resolver, and an event's server address has the name
// it resolved from; before resolution and after a failed lookup the rules
// behave as Falco's do (no match, then the previous addresses kept).
func TestSipName(t *testing.T) {
	src := `
- list: api_names
  items: [kubernetes.default.svc.cluster.local, api.example]
- rule: To the API server
  desc: d
  condition: evt.type = connect and fd.sip.name in (api_names)
  output: connect to %fd.sip.name (%fd.sip)
  priority: NOTICE
- rule: Not to the mirror
  desc: d
  condition: evt.type = connect and fd.sip.name != "mirror.example"
  output: o
  priority: NOTICE
`
	set, warns, err := Load(Source{Name: "t.yaml", Data: []byte(src)})
	if err != nil || len(warns) != 0 {
		t.Fatalf("Load: %v %v", err, warns)
	}
	if diff := cmp.Diff([]string{"api.example", "kubernetes.default.svc.cluster.local", "mirror.example"}, set.Names()); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
	to := func(ip string) *event.Event {
		e := testConnect()
		e.DAddr = netip.MustParseAddr(ip)
		return e
	}
	fired := func(e *event.Event) []string {
		var got []string
		set.Eval(e, func(a Alert) { got = append(got, a.Rule+": "+a.Output) })
		return got
	}
	// not resolved yet: no address has a name ("!=" on a missing value is false, as in Falco)
	if got := fired(to("10.96.0.1")); len(got) != 0 {
		t.Errorf("before resolution: %v", got)
	}
	dns := map[string][]netip.Addr{
		"kubernetes.default.svc.cluster.local": {netip.MustParseAddr("10.96.0.1")},
		"api.example":                          {netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("192.0.2.7")},
		"mirror.example":                       {netip.MustParseAddr("192.0.2.80")},
	}
	lookup := func(_ context.Context, host string) ([]netip.Addr, error) {
		if a, ok := dns[host]; ok {
			return a, nil
		}
		return nil, errors.New("no such host")
	}
	if errs := set.ResolveNames(context.Background(), lookup); len(errs) != 0 {
		t.Fatal(errs)
	}
	for _, tc := range []struct {
		ip   string
		want []string
	}{
		{"10.96.0.1", []string{"To the API server: connect to kubernetes.default.svc.cluster.local (10.96.0.1)",
			"Not to the mirror: o"}},
		{"192.0.2.7", []string{"To the API server: connect to api.example (192.0.2.7)", "Not to the mirror: o"}},
		{"192.0.2.80", nil},
		{"198.51.100.1", nil}, // no name at all
	} {
		if diff := cmp.Diff(tc.want, fired(to(tc.ip))); diff != "" {
			t.Errorf("connect to %s (-want +got):\n%s", tc.ip, diff)
		}
	}
	// a failed lookup keeps the addresses a name had; a changed one moves
	dns["kubernetes.default.svc.cluster.local"] = nil
	delete(dns, "api.example")
	dns["mirror.example"] = []netip.Addr{netip.MustParseAddr("192.0.2.81")}
	if errs := set.ResolveNames(context.Background(), lookup); len(errs) != 1 {
		t.Errorf("second round errors = %v, want the one failed lookup", errs)
	}
	if got := fired(to("192.0.2.7")); len(got) != 2 {
		t.Errorf("api.example kept after a failed lookup: got %v", got)
	}
	if got := fired(to("10.96.0.1")); len(got) != 0 {
		t.Errorf("kubernetes.default.svc.cluster.local resolved to nothing: got %v", got)
	}
	if got := fired(to("192.0.2.81")); len(got) != 0 {
		t.Errorf("mirror.example moved to 192.0.2.81: got %v", got)
	}
}

// TestSipNamesOnlyEnabled: only the names enabled rules compare
// fd.sip.name with are looked up (through macros too); a disabled rule's,
// a rule the sensor cannot fire's and an unused macro's are not.
func TestSipNamesOnlyEnabled(t *testing.T) {
	set, _ := load(t, `
- macro: to_api
  condition: fd.sip.name = api.example.com
- macro: unused
  condition: fd.sip.name = unused.example.com
- rule: on
  desc: d
  condition: evt.type = connect and (to_api or fd.sip.name in (cdn.example.com))
  output: o
  priority: WARNING
- rule: off
  desc: d
  condition: evt.type = connect and fd.sip.name = off.example.com
  output: o
  priority: WARNING
  enabled: false
- rule: never
  desc: d
  condition: evt.type = sendmsg and fd.sip.name = never.example.com
  output: o
  priority: WARNING
`)
	if got := strings.Join(set.Names(), ","); got != "api.example.com,cdn.example.com,never.example.com" {
		t.Errorf("names = %s", got)
	}
	set.Restrict(func(ty event.Type) bool { return ty == event.Connect }, "test")
	if got := strings.Join(set.Names(), ","); got != "api.example.com,cdn.example.com" {
		t.Errorf("names after Restrict = %s", got)
	}
}
