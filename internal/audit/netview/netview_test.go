package netview

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/audit"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func loadFacts(t testing.TB) *audit.Facts {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "facts.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f audit.Facts
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("decode facts.json: %v", err)
	}
	return &f
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read golden (run with -update): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

func TestBuild(t *testing.T) {
	v := Build(loadFacts(t))
	type exp struct{ Container, Port string }
	var gotExp []exp
	for _, e := range v.Exposed {
		gotExp = append(gotExp, exp{e.Container, e.Port})
	}
	wantExp := []exp{{"agent", ""}, {"api", "192.168.1.10:9000->9000/tcp"}, {"web", "0.0.0.0:80->80/tcp"}, {"web", "[::]:80->80/tcp"}}
	if diff := cmp.Diff(wantExp, gotExp); diff != "" {
		t.Errorf("Exposed (-want +got):\n%s", diff)
	}
	var kinds []string
	for _, f := range v.Flags {
		kinds = append(kinds, f.Kind+" "+f.Subject)
	}
	wantKinds := []string{"all-interfaces web", "all-interfaces web", "host-network agent", "icc-default-bridge bridge"}
	if diff := cmp.Diff(wantKinds, kinds); diff != "" {
		t.Errorf("Flags (-want +got):\n%s", diff)
	}
	// db is published on loopback only: not exposed.
	for _, e := range v.Exposed {
		if e.Container == "db" {
			t.Errorf("db is exposed: %+v", e)
		}
	}
}

func TestICCOff(t *testing.T) {
	f := loadFacts(t)
	for i := range f.Networks {
		if f.Networks[i].Name == "bridge" {
			delete(f.Networks[i].Options, "com.docker.network.bridge.enable_icc")
		}
	}
	f.Config.Values = map[string]any{"icc": false}
	for _, fl := range Build(f).Flags {
		if fl.Kind == "icc-default-bridge" {
			t.Errorf("icc=false in daemon.json still flagged: %+v", fl)
		}
	}
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, Build(loadFacts(t))); err != nil {
		t.Fatal(err)
	}
	golden(t, "view.txt", b.Bytes())
}

func TestWriteDOT(t *testing.T) {
	var b bytes.Buffer
	if err := WriteDOT(&b, Build(loadFacts(t))); err != nil {
		t.Fatal(err)
	}
	golden(t, "view.dot", b.Bytes())
}

func TestWriteSimpleSVG(t *testing.T) {
	f := loadFacts(t)
	f.Containers[3].Name = `/<script>"x"&`
	var b bytes.Buffer
	if err := WriteSimpleSVG(&b, Build(f)); err != nil {
		t.Fatal(err)
	}
	checkSVG(t, b.Bytes(), []string{"web", "bridge", "appnet", "outside the host", "0.0.0.0:80-&gt;80/tcp"})
	if strings.Contains(b.String(), "<script>") {
		t.Error("container name not escaped in SVG")
	}
}

func TestWriteSVG(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSVG(&b, Build(loadFacts(t))); err != nil {
		t.Fatal(err)
	}
	checkSVG(t, b.Bytes(), []string{"web", "appnet"})
}

// checkSVG asserts the document is well-formed XML with an svg root that
// mentions every string in want.
func checkSVG(t *testing.T, doc []byte, want []string) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(doc))
	dec.Strict = true
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, doc)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Errorf("root element %q, want svg", root)
	}
	for _, w := range want {
		if !bytes.Contains(doc, []byte(w)) {
			t.Errorf("SVG lacks %q", w)
		}
	}
}

func TestEmpty(t *testing.T) {
	for name, w := range map[string]func(io.Writer, *View) error{"text": WriteText, "dot": WriteDOT, "svg": WriteSimpleSVG} {
		var b bytes.Buffer
		if err := w(&b, Build(nil)); err != nil || b.Len() == 0 {
			t.Errorf("%s of an empty view: %v, %d bytes", name, err, b.Len())
		}
	}
}

// TestRecordedHost builds the view from facts recorded on a real host by
// the audit integration test.
func TestRecordedHost(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "testdata", "recorded", "host.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f audit.Facts
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	v := Build(&f)
	exposed := map[string]bool{}
	for _, e := range v.Exposed {
		exposed[e.Container] = true
	}
	want := map[string]bool{"audit-allif": true, "audit-hostnet": true}
	if diff := cmp.Diff(want, exposed); diff != "" {
		t.Errorf("exposed containers (-want +got):\n%s", diff)
	}
	var flags []string
	for _, fl := range v.Flags {
		flags = append(flags, fl.Kind+" "+fl.Subject)
	}
	wantFlags := []string{"all-interfaces audit-allif", "host-network audit-hostnet", "icc-default-bridge bridge"}
	if diff := cmp.Diff(wantFlags, flags); diff != "" {
		t.Errorf("flags (-want +got):\n%s", diff)
	}
	var b2 bytes.Buffer
	if err := WriteText(&b2, v); err != nil {
		t.Fatal(err)
	}
	golden(t, "recorded.txt", b2.Bytes())
}

// busyView has a container publishing many ports, one with a long image
// name, and a host-network container listening on three addresses.
func busyView() *View {
	f := &audit.Facts{Daemon: audit.DaemonFacts{Info: &audit.Info{}}}
	var ports = map[string][]audit.PortBinding{}
	for _, p := range []string{"80/tcp", "443/tcp", "8080/tcp", "8443/tcp", "9090/tcp", "9100/tcp"} {
		ports[p] = []audit.PortBinding{{HostIP: "0.0.0.0", HostPort: strings.TrimSuffix(p, "/tcp")}, {HostIP: "127.0.0.1", HostPort: "1" + strings.TrimSuffix(p, "/tcp")}}
	}
	f.Containers = []audit.Container{
		{ID: "a", Name: "/edge", Config: audit.ContainerConfig{Image: "registry.example.com/platform/edge-proxy:2024.11.3"},
			NetworkSettings: audit.NetworkSettings{Ports: ports, Networks: map[string]audit.EndpointSetting{"bridge": {}}}},
		{ID: "b", Name: "/metrics", Config: audit.ContainerConfig{Image: "node-exporter"}, HostConfig: audit.HostConfig{NetworkMode: "host"},
			HostListeners: []string{"0.0.0.0:9100/tcp", "127.0.0.1:9101/tcp", "[::]:9100/tcp"}},
		{ID: "c", Name: "/agent", Config: audit.ContainerConfig{Image: "agent"}, HostConfig: audit.HostConfig{NetworkMode: "host"},
			HostListenersError: "needs root to see which sockets the container's processes hold"},
		{ID: "d", Name: "/db", Config: audit.ContainerConfig{Image: "postgres:16"}, NetworkSettings: audit.NetworkSettings{Networks: map[string]audit.EndpointSetting{"bridge": {}}}},
	}
	f.Networks = []audit.Network{{ID: "n1", Name: "bridge", Driver: "bridge"}, {ID: "n2", Name: "host", Driver: "host"}}
	return Build(f)
}

func TestHostNetworkListeners(t *testing.T) {
	v := busyView()
	var got []string
	for _, e := range v.Exposed {
		if e.Container == "metrics" || e.Container == "agent" {
			got = append(got, e.Container+" "+e.Port+" "+e.Reason)
		}
	}
	want := []string{
		"agent  host network: every port it listens on is on the host's interfaces (its ports are unknown: needs root to see which sockets the container's processes hold)",
		"metrics 0.0.0.0:9100/tcp host network, listening on all interfaces",
		"metrics [::]:9100/tcp host network, listening on all interfaces",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("host-network exposures (-want +got):\n%s", diff)
	}
	var buf bytes.Buffer
	if err := WriteText(&buf, v); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"listens on 0.0.0.0:9100/tcp EXTERNAL", "listens on 127.0.0.1:9101/tcp local", "listening ports unknown: needs root"} {
		if !strings.Contains(buf.String(), s) {
			t.Errorf("text view lacks %q:\n%s", s, buf.String())
		}
	}
}

// TestSimpleSVGLabelsApart: no two texts of the built-in SVG overlap (at
// 6.5 px a character of 12 px Helvetica, 7.5 for bold), however many ports
// a container has.
func TestSimpleSVGLabelsApart(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSimpleSVG(&buf, busyView()); err != nil {
		t.Fatal(err)
	}
	type box struct {
		x0, y0, x1, y1 float64
		text           string
	}
	var boxes []box
	dec := xml.NewDecoder(bytes.NewReader(buf.Bytes()))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "text" {
			continue
		}
		var x, y float64
		per := 6.5
		for _, a := range se.Attr {
			switch a.Name.Local {
			case "x":
				x, _ = strconv.ParseFloat(a.Value, 64)
			case "y":
				y, _ = strconv.ParseFloat(a.Value, 64)
			case "font-weight":
				per = 7.5
			}
		}
		var text string
		if err := dec.DecodeElement(&text, &se); err != nil {
			t.Fatal(err)
		}
		boxes = append(boxes, box{x, y - 11, x + per*float64(len([]rune(text))), y + 2, text})
	}
	if len(boxes) < 20 {
		t.Fatalf("only %d texts in the SVG", len(boxes))
	}
	for i := range boxes {
		for j := i + 1; j < len(boxes); j++ {
			a, b := boxes[i], boxes[j]
			if a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1 {
				t.Errorf("texts overlap: %q at (%.0f,%.0f) and %q at (%.0f,%.0f)", a.text, a.x0, a.y1, b.text, b.x0, b.y1)
			}
		}
	}
}

func TestWriteJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, busyView()); err != nil {
		t.Fatal(err)
	}
	var back View
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(*busyView(), back); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}
}
