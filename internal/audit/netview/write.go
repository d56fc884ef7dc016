package netview

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"os/exec"
	"strings"
	"time"
)

// WriteText writes the view as indented plain text.
func WriteText(w io.Writer, v *View) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "NETWORKS (%d)\n", len(v.Networks))
	for _, n := range v.Networks {
		var attrs []string
		attrs = append(attrs, n.Driver)
		if len(n.Subnets) > 0 {
			attrs = append(attrs, strings.Join(n.Subnets, " "))
		}
		if n.DefaultBridge {
			attrs = append(attrs, "default bridge")
		}
		if n.Internal {
			attrs = append(attrs, "internal")
		}
		if n.Driver == "bridge" {
			if n.ICC {
				attrs = append(attrs, "icc on")
			} else {
				attrs = append(attrs, "icc off")
			}
		}
		fmt.Fprintf(b, "  %s [%s]\n", oneLine(n.Name), strings.Join(attrs, ", "))
		for _, m := range n.Members {
			addr := strings.TrimSpace(m.IPv4 + " " + m.IPv6)
			fmt.Fprintf(b, "    - %s\n", strings.TrimSpace(oneLine(m.Container)+" "+addr))
		}
	}
	fmt.Fprintf(b, "CONTAINERS (%d)\n", len(v.Containers))
	for _, c := range v.Containers {
		mode := strings.Join(c.Networks, ", ")
		if c.HostNetwork {
			mode = "host network"
		}
		fmt.Fprintf(b, "  %s (%s) on %s\n", oneLine(c.Name), oneLine(c.Image), oneLine(mode))
		for _, p := range c.Ports {
			tag := "local"
			if p.External {
				tag = "EXTERNAL"
			}
			fmt.Fprintf(b, "    port %s %s\n", p, tag)
		}
		if c.HostNetwork {
			if c.Listening == nil && c.ListeningError != "" {
				fmt.Fprintf(b, "    listening ports unknown: %s\n", oneLine(c.ListeningError))
			}
			for _, l := range c.Listening {
				tag := "EXTERNAL"
				if loopback(listenHost(l)) {
					tag = "local"
				}
				fmt.Fprintf(b, "    listens on %s %s\n", oneLine(l), tag)
			}
		}
	}
	fmt.Fprintf(b, "REACHABLE FROM OUTSIDE THE HOST (%d)\n", len(v.Exposed))
	for _, e := range v.Exposed {
		if e.Port != "" {
			fmt.Fprintf(b, "  %s %s (%s)\n", oneLine(e.Container), e.Port, e.Reason)
		} else {
			fmt.Fprintf(b, "  %s (%s)\n", oneLine(e.Container), e.Reason)
		}
	}
	fmt.Fprintf(b, "FLAGS (%d)\n", len(v.Flags))
	for _, f := range v.Flags {
		fmt.Fprintf(b, "  ! %s %s: %s\n", f.Kind, oneLine(f.Subject), f.Detail)
	}
	return b.Flush()
}

func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}

// dotQuote quotes s as a DOT string.
func dotQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r < 0x20 || r == 0x7f:
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// WriteDOT writes the view as a Graphviz graph: networks are boxes,
// containers ellipses, and an "outside" node links to every exposed port.
func WriteDOT(w io.Writer, v *View) error {
	b := bufio.NewWriter(w)
	b.WriteString("graph bulkhead_network {\n")
	b.WriteString("  graph [rankdir=LR, fontname=\"Helvetica\"];\n")
	b.WriteString("  node [fontname=\"Helvetica\"];\n")
	b.WriteString("  outside [label=\"outside the host\", shape=doublecircle, color=red];\n")
	hostNet := false
	for _, c := range v.Containers {
		if c.HostNetwork {
			hostNet = true
		}
	}
	if hostNet {
		b.WriteString("  \"net:host\" [label=\"host network\", shape=box, style=filled, fillcolor=\"#ffd6d6\"];\n")
	}
	for _, n := range v.Networks {
		if n.Driver == "host" || n.Driver == "null" {
			continue
		}
		label := n.Name + "\\n" + n.Driver
		if len(n.Subnets) > 0 {
			label += " " + strings.Join(n.Subnets, " ")
		}
		attrs := ""
		if n.DefaultBridge && n.ICC {
			label += "\\nICC ON (default bridge)"
			attrs = ", color=red"
		}
		fmt.Fprintf(b, "  %s [label=%s, shape=box, style=filled, fillcolor=\"#dde8f5\"%s];\n",
			dotQuote("net:"+n.Name), strings.ReplaceAll(dotQuote(label), `\\n`, `\n`), attrs)
	}
	for _, c := range v.Containers {
		fmt.Fprintf(b, "  %s [label=%s, shape=ellipse];\n", dotQuote("ctr:"+c.Name), dotQuote(c.Name+"\n"+c.Image))
	}
	for _, n := range v.Networks {
		if n.Driver == "host" || n.Driver == "null" {
			continue
		}
		for _, m := range n.Members {
			fmt.Fprintf(b, "  %s -- %s [label=%s];\n", dotQuote("net:"+n.Name), dotQuote("ctr:"+m.Container), dotQuote(m.IPv4))
		}
	}
	for _, c := range v.Containers {
		if c.HostNetwork {
			fmt.Fprintf(b, "  \"net:host\" -- %s;\n", dotQuote("ctr:"+c.Name))
		}
		for _, p := range c.Ports {
			if p.External {
				fmt.Fprintf(b, "  outside -- %s [label=%s, color=red];\n", dotQuote("ctr:"+c.Name), dotQuote(p.String()))
			} else {
				fmt.Fprintf(b, "  %s [label=%s, shape=plaintext];\n", dotQuote("port:"+c.Name+":"+p.String()), dotQuote(p.String()))
				fmt.Fprintf(b, "  %s -- %s [style=dashed];\n", dotQuote("port:"+c.Name+":"+p.String()), dotQuote("ctr:"+c.Name))
			}
		}
	}
	if hostNet {
		b.WriteString("  outside -- \"net:host\" [color=red];\n")
	}
	b.WriteString("}\n")
	return b.Flush()
}

// WriteSVG writes the view as SVG. When the Graphviz dot program is on
// PATH it lays out the DOT graph; otherwise WriteSimpleSVG draws it.
func WriteSVG(w io.Writer, v *View) error {
	if bin, err := exec.LookPath("dot"); err == nil {
		var dot, out bytes.Buffer
		if err := WriteDOT(&dot, v); err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "-Tsvg")
		cmd.Stdin, cmd.Stdout = &dot, &out
		if err := cmd.Run(); err == nil {
			_, err = w.Write(out.Bytes())
			return err
		}
		// Fall back to the built-in layout if dot fails.
	}
	return WriteSimpleSVG(w, v)
}

// SVG layout: every label has a line of its own, so none overlaps
// another; a container's row is as tall as its list of ports.
const (
	svgBoxW, svgBoxH = 220, 44
	svgGap           = 24
	svgNetX          = 20
	svgCtrX          = 360
	svgLabelX        = svgCtrX + svgBoxW + 12
	svgLabelW        = 240 // 34 characters of 12 px Helvetica, with room
	svgOutX          = svgLabelX + svgLabelW + 40
	svgTop           = 50
	svgLineH         = 14
	svgLabelChars    = 34
)

// svgLabel is one port line to the right of a container.
type svgLabel struct {
	text     string
	external bool
}

func svgLabels(c Container) []svgLabel {
	var ls []svgLabel
	for _, p := range c.Ports {
		ls = append(ls, svgLabel{p.String(), p.External})
	}
	if c.HostNetwork {
		if c.Listening == nil {
			ls = append(ls, svgLabel{"host network (ports unknown)", true})
		}
		for _, l := range c.Listening {
			h := listenHost(l)
			ls = append(ls, svgLabel{"host " + l, !loopback(h)})
		}
	}
	return ls
}

// WriteSimpleSVG draws the view without Graphviz: networks in a column of
// boxes on the left, containers in the middle with their ports listed one
// per line beside them (exposed ones in red), and a red "outside" box on
// the right linked to every exposed port.
func WriteSimpleSVG(w io.Writer, v *View) error {
	var nets []Network
	for _, n := range v.Networks {
		if n.Driver != "null" {
			nets = append(nets, n)
		}
	}
	netY := map[string]int{}
	y := svgTop
	for _, n := range nets {
		netY[n.Name] = y
		y += svgBoxH + svgGap
	}
	bottom := y
	ctrY := map[string]int{}
	labels := make([][]svgLabel, len(v.Containers))
	y = svgTop
	for i, c := range v.Containers {
		ctrY[c.Name] = y
		labels[i] = svgLabels(c)
		y += max(svgBoxH, len(labels[i])*svgLineH+6) + svgGap
	}
	bottom = max(bottom, y, svgTop+svgBoxH+svgGap)
	height := bottom + 20
	width := svgOutX + 170
	b := bufio.NewWriter(w)
	esc := html.EscapeString
	fmt.Fprintf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n", width, height, width, height)
	fmt.Fprintf(b, "<text x=\"%d\" y=\"24\" font-size=\"14\" font-weight=\"bold\">networks</text>\n", svgNetX)
	fmt.Fprintf(b, "<text x=\"%d\" y=\"24\" font-size=\"14\" font-weight=\"bold\">containers</text>\n", svgCtrX)
	fmt.Fprintf(b, "<text x=\"%d\" y=\"24\" font-size=\"14\" font-weight=\"bold\">ports</text>\n", svgLabelX)
	for _, n := range nets {
		y := netY[n.Name]
		stroke := "#4a6fa5"
		if n.DefaultBridge && n.ICC {
			stroke = "#c00000"
		}
		fmt.Fprintf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"4\" fill=\"#dde8f5\" stroke=\"%s\"/>\n", svgNetX, y, svgBoxW, svgBoxH, stroke)
		fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>\n", svgNetX+8, y+18, esc(clip(n.Name, 30)))
		sub := n.Driver + " " + strings.Join(n.Subnets, " ")
		if n.DefaultBridge && n.ICC {
			sub += " ICC ON"
		}
		fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\">%s</text>\n", svgNetX+8, y+34, esc(clip(sub, 34)))
	}
	for _, c := range v.Containers {
		y := ctrY[c.Name]
		fmt.Fprintf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"16\" fill=\"#f4f4f4\" stroke=\"#555\"/>\n", svgCtrX, y, svgBoxW, svgBoxH)
		fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>\n", svgCtrX+12, y+18, esc(clip(c.Name, 30)))
		fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\">%s</text>\n", svgCtrX+12, y+34, esc(clip(c.Image, 32)))
	}
	for _, c := range v.Containers {
		cy := ctrY[c.Name] + svgBoxH/2
		names := c.Networks
		if c.HostNetwork {
			names = []string{"host"}
		}
		for _, nn := range names {
			ny, ok := netY[nn]
			if !ok {
				continue
			}
			color := "#4a6fa5"
			if nn == "host" {
				color = "#c00000"
			}
			fmt.Fprintf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\"/>\n", svgNetX+svgBoxW, ny+svgBoxH/2, svgCtrX, cy, color)
		}
	}
	oy := svgTop
	anyExternal := false
	for i, c := range v.Containers {
		for k, l := range labels[i] {
			ly := ctrY[c.Name] + svgLineH*(k+1)
			fill := "#555"
			if l.external {
				fill = "#c00000"
				anyExternal = true
				fmt.Fprintf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#c00000\" stroke-dasharray=\"4 3\"/>\n", svgLabelX+svgLabelW, ly-4, svgOutX, oy+svgBoxH/2)
			}
			fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>\n", svgLabelX, ly, fill, esc(clip(l.text, svgLabelChars)))
		}
	}
	if anyExternal {
		fmt.Fprintf(b, "<rect x=\"%d\" y=\"%d\" width=\"150\" height=\"%d\" rx=\"4\" fill=\"#ffd6d6\" stroke=\"#c00000\"/>\n", svgOutX, oy, svgBoxH)
		fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">outside the host</text>\n", svgOutX+10, oy+26)
	}
	b.WriteString("</svg>\n")
	return b.Flush()
}

// WriteJSON writes the view as indented JSON (the View type's fields).
func WriteJSON(w io.Writer, v *View) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func clip(s string, n int) string {
	s = oneLine(s)
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
