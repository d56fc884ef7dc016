package event

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestTypeNamesRoundTrip(t *testing.T) {
	seen := map[string]Type{}
	for ty := Type(1); ty < NumTypes; ty++ {
		name := ty.String()
		if name == "" || name == "unknown" {
			t.Fatalf("Type(%d) has no name", ty)
		}
		if prev, dup := seen[name]; dup {
			t.Fatalf("name %q used by Type(%d) and Type(%d)", name, prev, ty)
		}
		seen[name] = ty
		got, ok := ParseType(name)
		if !ok || got != ty {
			t.Errorf("ParseType(%q) = %v, %v; want %v", name, got, ok, ty)
		}
	}
	if _, ok := ParseType("no_such_call"); ok {
		t.Error("ParseType accepted an unknown name")
	}
	if got := NumTypes.String(); got != "unknown" {
		t.Errorf("NumTypes.String() = %q", got)
	}
}

func TestNames(t *testing.T) {
	got := []string{Execve.String(), Openat.String(), Procexit.String(), MemfdCreate.String(),
		DirExit.String(), DirEnter.String(), ProtoTCP.String(), FDIPv4.String(), string(FDIPv4.Char()),
		string(FDFile.Char()), string(FDUnix.Char())}
	want := []string{"execve", "openat", "procexit", "memfd_create", "<", ">", "tcp", "ipv4", "4", "f", "u"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
}

func TestCmdlineAndFallbacks(t *testing.T) {
	e := &Event{Comm: "bash", ExePath: "/bin/bash", Args: []string{"bash", "-c", "id"}}
	got := []string{e.Name(), e.Exe(), Cmdline(e.Name(), e.Argv())}
	e.Process = &Process{Name: "sh", ExePath: "/bin/sh", Args: []string{"/bin/sh"}}
	got = append(got, e.Name(), e.Exe(), e.Process.Cmdline(), (*Process)(nil).Cmdline())
	want := []string{"bash", "/bin/bash", "bash -c id", "sh", "/bin/sh", "sh", ""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	c := &Container{ID: "0123456789abcdef0123"}
	if c.ShortID() != "0123456789ab" || (*Container)(nil).ShortID() != "" {
		t.Errorf("ShortID = %q", c.ShortID())
	}
	if (&Event{Ret: -2}).Failed() != true || (&Event{}).IsContainer() {
		t.Error("Failed/IsContainer wrong")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	in := Event{Type: Openat, FDType: FDIPv6, Proto: ProtoUDP, Path: "/x"}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"Type":"openat"`) || !strings.Contains(string(b), `"FDType":"ipv6"`) {
		t.Errorf("json = %s", b)
	}
	var out Event
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out, cmpopts.IgnoreUnexported(netip.Addr{})); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	for _, bad := range []string{`{"Type":"nosuch"}`, `{"FDType":"nosuch"}`, `{"Proto":"sctp"}`} {
		if err := json.Unmarshal([]byte(bad), &out); err == nil {
			t.Errorf("Unmarshal(%s) succeeded", bad)
		}
	}
}
