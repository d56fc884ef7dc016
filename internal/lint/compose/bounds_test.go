package compose

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// allocated returns the bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestPortRangesBounded lints 20 services publishing every port: compose-go
// would expand each range into 65,535 entries (1.6 GB); the ranges are
// collapsed before it sees them and counted by the rules.
func TestPortRangesBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("services:\n")
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&b, "  s%d:\n    image: x:1\n    ports: [\"1-65535:1-65535\"]\n", i)
	}
	src := []byte(b.String())
	var fs []finding.Finding
	n := allocated(func() {
		got, err := Lint("stack.yml", src, Options{})
		if err != nil {
			t.Fatal(err)
		}
		fs = got
	})
	if n > 50<<20 {
		t.Errorf("linting allocated %d MB, want at most 50 MB", n>>20)
	}
	if c := count(fs, "BH-CP-012"); c != 20 {
		t.Errorf("%d port-all-interfaces findings, want 20", c)
	}
	for _, f := range fs {
		if f.ID == "BH-CP-012" && !strings.Contains(f.Description, "65535 port(s)") {
			t.Errorf("range not counted: %q", f.Description)
			break
		}
	}
	if c := count(fs, "BH-CP-013"); c != 20 {
		t.Errorf("%d privileged-port findings, want 20", c)
	}
}

func TestPortSpecs(t *testing.T) {
	tests := []struct {
		in   string
		want PortSpec
	}{
		{"80", PortSpec{TargetLo: 80, TargetHi: 80, Protocol: "tcp"}},
		{"8080:80", PortSpec{Published: true, PublishedLo: 8080, PublishedHi: 8080, TargetLo: 80, TargetHi: 80, Protocol: "tcp"}},
		{"127.0.0.1:5000-5010:5000-5010/udp", PortSpec{Published: true, HostIP: "127.0.0.1", PublishedLo: 5000, PublishedHi: 5010, TargetLo: 5000, TargetHi: 5010, Protocol: "udp"}},
		{"[::1]:6001:6001", PortSpec{Published: true, HostIP: "::1", PublishedLo: 6001, PublishedHi: 6001, TargetLo: 6001, TargetHi: 6001, Protocol: "tcp"}},
		{"::1:6000:6000", PortSpec{Published: true, HostIP: "::1", PublishedLo: 6000, PublishedHi: 6000, TargetLo: 6000, TargetHi: 6000, Protocol: "tcp"}},
		{"${WEB_PORT:-8443}:443", PortSpec{Published: true, PublishedLo: 8443, PublishedHi: 8443, TargetLo: 443, TargetHi: 443, Protocol: "tcp"}},
	}
	for _, tt := range tests {
		got, ok := parseShortPort(tt.in, 0)
		got.Text = ""
		if !ok || got != tt.want {
			t.Errorf("parseShortPort(%q) = %+v, %v; want %+v", tt.in, got, ok, tt.want)
		}
	}
	for _, bad := range []string{"80-70", "70000", "a:b", "1-2-3"} {
		if _, ok := parseShortPort(bad, 0); ok {
			t.Errorf("parseShortPort(%q) accepted", bad)
		}
	}
}

// TestPrivilegedContainerPort judges the container port (KICS): 8080:80
// fires, 80 unpublished does not, 8080:8080 does not.
func TestPrivilegedContainerPort(t *testing.T) {
	src := []byte("services:\n  a:\n    image: x:1\n    ports: [\"127.0.0.1:8080:80\"]\n  b:\n    image: x:1\n    ports: [\"80\", \"127.0.0.1:8080:8080\"]\n  c:\n    image: x:1\n    ports:\n      - {target: 443, published: \"8443\", host_ip: 127.0.0.1}\n")
	fs, err := Lint("compose.yaml", src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var objs []string
	for _, f := range fs {
		if f.ID == "BH-CP-013" {
			objs = append(objs, f.Location.Object)
		}
	}
	if strings.Join(objs, ",") != "service a,service c" {
		t.Errorf("BH-CP-013 on %v, want service a and service c", objs)
	}
}

func TestEmptyServiceBody(t *testing.T) {
	fs, err := Lint("compose.yaml", []byte("services:\n  web:\n  db:\n    image: postgres:16\n"), Options{})
	if err != nil {
		t.Fatalf("empty service body: %v", err)
	}
	seen := false
	for _, f := range fs {
		if f.Location.Object == "service web" {
			seen = true
		}
	}
	if !seen {
		t.Error("the empty service was not linted")
	}
}

func TestLoadErrorNamesKey(t *testing.T) {
	_, err := Lint("compose.yaml", []byte("services:\n  web:\n    image: x\n    ports: {a: b}\n"), Options{})
	if err == nil || strings.Contains(err.Error(), "reflect:") {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "ports") {
		t.Errorf("error does not name the key: %v", err)
	}
	for src, want := range map[string]string{
		"services: [a, b]\n":                      "key services must be a mapping",
		"services:\n  web: nginx\n":               "key services.web must be a mapping",
		"services:\n  web:\n    image: [1]\n":     "services.web.image",
		"services:\n  web:\n    environment: 5\n": "services.web.environment",
	} {
		_, err := Lint("compose.yaml", []byte(src), Options{})
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "reflect:") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: err = %v, want it to name %q on one line", src, err, want)
		}
	}
	_, err = Lint("compose.yaml", []byte("- a\n- b\n"), Options{})
	if err == nil || !strings.Contains(err.Error(), "not a mapping") {
		t.Errorf("list at top level: %v", err)
	}
}

func TestDriverOptsHostPath(t *testing.T) {
	src := []byte("services:\n  a:\n    image: x:1\n    volumes: [etc:/host-etc]\n  b:\n    image: x:1\n    volumes: [data:/data]\nvolumes:\n  etc:\n    driver: local\n    driver_opts: {type: none, o: bind, device: /etc}\n  data:\n    driver: local\n    driver_opts: {type: none, o: bind, device: /srv/data}\n")
	fs, err := Lint("compose.yaml", src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var objs []string
	for _, f := range fs {
		if f.ID == "BH-CP-004" {
			objs = append(objs, f.Location.Object)
		}
	}
	if strings.Join(objs, ",") != "service a" {
		t.Errorf("BH-CP-004 on %v, want service a only", objs)
	}
}

func TestLooksLikeCompose(t *testing.T) {
	for src, want := range map[string]bool{
		"services:\n  web: {image: x}\n":          true,
		"version: '3'\nservices:\n  web:\n":       true,
		"FROM debian:12\nRUN true\n":              false,
		"apiVersion: v1\nkind: Pod\n":             false,
		"- services\n":                            false,
		"name: x\nservices: [a]\n":                false,
		"x-common: &c {image: x}\nservices: {}\n": true,
	} {
		if got := LooksLikeCompose([]byte(src)); got != want {
			t.Errorf("LooksLikeCompose(%q) = %v, want %v", src, got, want)
		}
	}
}

// TestSharedVolumesLinear: 100 services mounting the same 20 volumes are
// judged through one index, not by comparing every pair of mounts (most
// of the cost left is compose-go's own, per YAML node).
func TestSharedVolumesLinear(t *testing.T) {
	var b strings.Builder
	b.WriteString("services:\n")
	vols := make([]string, 20)
	for i := range vols {
		vols[i] = fmt.Sprintf("v%d:/m%d", i, i)
	}
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&b, "  s%d: {image: \"x:1\", volumes: [%s]}\n", i, strings.Join(vols, ", "))
	}
	src := []byte(b.String())
	var fs []finding.Finding
	n := allocated(func() {
		got, err := Lint("compose.yaml", src, Options{})
		if err != nil {
			t.Fatal(err)
		}
		fs = got
	})
	if c := count(fs, "BH-CP-026"); c != 2000 {
		t.Errorf("%d shared-volume findings, want 2000", c)
	}
	t.Logf("%d findings, %d MB allocated", len(fs), n>>20)
	if n > 300<<20 {
		t.Errorf("allocated %d MB", n>>20)
	}
}

// TestNodeBudget: compose-go's cost per node, on the list items it handles
// at the highest cost, stays near the 22 KB the MaxNodes bound assumes
// (50,000 nodes, about 1.1 GB). A tenth of the limit is measured to keep
// the test fast; the cost per node is linear.
func TestNodeBudget(t *testing.T) {
	var b strings.Builder
	b.WriteString("services:\n  a:\n    image: x:1\n    command:\n")
	items := MaxNodes / 10
	for i := 0; i < items; i++ {
		b.WriteString("      - a\n")
	}
	src := []byte(b.String())
	n := allocated(func() {
		if _, err := Lint("compose.yaml", src, Options{}); err != nil {
			t.Fatal(err)
		}
	})
	per := n / uint64(items)
	t.Logf("%d nodes: %d MB allocated, %d KB a node", items, n>>20, per>>10)
	if per > 30<<10 {
		t.Errorf("%d KB a node, want at most 30 KB (MaxNodes would allow %d MB)", per>>10, per*MaxNodes>>20)
	}
}
