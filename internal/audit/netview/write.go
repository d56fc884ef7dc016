package netview

import (
	"bufio"
	"bytes"
	"context"
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

// WriteSimpleSVG draws the view without Graphviz: networks in a column of
// boxes on the left, containers on the right, a line per attachment, and a
// red "outside" box on the far right linked to every exposed port.
func WriteSimpleSVG(w io.Writer, v *View) error {
	const (
		boxW, boxH = 220, 44
		gap        = 24
		netX       = 20
		ctrX       = 360
		outX       = 720
		top        = 50
	)
	var nets []Network
	for _, n := range v.Networks {
		if n.Driver != "null" {
			nets = append(nets, n)
		}
	}
	rows := max(len(nets), len(v.Containers), 1)
	height := top + rows*(boxH+gap) + 40
	width := outX + 180
	b := bufio.NewWriter(w)
	esc := html.EscapeString
	fmt.Fprintf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n", width, height, width, height)
	fmt.Fprintf(b, "<text x=\"%d\" y=\"24\" font-size=\"14\" font-weight=\"bold\">networks</text>\n", netX)
	fmt.Fprintf(b, "<text x=\"%d\" y=\"24\" font-size=\"14\" font-weight=\"bold\">containers</text>\n", ctrX)
	netY := map[string]int{}
	for i, n := range nets {
		y := top + i*(boxH+gap)
		netY[n.Name] = y
		stroke := "#4a6fa5"
		if n.DefaultBridge && n.ICC {
			stroke = "#c00000"
		}
		fmt.Fprintf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"4\" fill=\"#dde8f5\" stroke=\"%s\"/>\n", netX, y, boxW, boxH, stroke)
		fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>\n", netX+8, y+18, esc(clip(n.Name, 30)))
		sub := n.Driver + " " + strings.Join(n.Subnets, " ")
		if n.DefaultBridge && n.ICC {
			sub += " ICC ON"
		}
		fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\">%s</text>\n", netX+8, y+34, esc(clip(sub, 34)))
	}
	ctrY := map[string]int{}
	for i, c := range v.Containers {
		y := top + i*(boxH+gap)
		ctrY[c.Name] = y
		fmt.Fprintf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"16\" fill=\"#f4f4f4\" stroke=\"#555\"/>\n", ctrX, y, boxW, boxH)
		fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>\n", ctrX+12, y+18, esc(clip(c.Name, 30)))
		fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\">%s</text>\n", ctrX+12, y+34, esc(clip(c.Image, 32)))
	}
	for _, c := range v.Containers {
		cy := ctrY[c.Name] + boxH/2
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
			fmt.Fprintf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\"/>\n", netX+boxW, ny+boxH/2, ctrX, cy, color)
		}
	}
	exposed := len(v.Exposed) > 0
	if exposed {
		oy := top
		fmt.Fprintf(b, "<rect x=\"%d\" y=\"%d\" width=\"150\" height=\"%d\" rx=\"4\" fill=\"#ffd6d6\" stroke=\"#c00000\"/>\n", outX, oy, boxH)
		fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">outside the host</text>\n", outX+10, oy+26)
		for i, e := range v.Exposed {
			cy := ctrY[e.Container] + boxH/2
			label := e.Port
			if label == "" {
				label = "host network"
			}
			fmt.Fprintf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#c00000\" stroke-dasharray=\"4 3\"/>\n", ctrX+boxW, cy, outX, oy+boxH/2)
			fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\" fill=\"#c00000\">%s</text>\n", ctrX+boxW+8, cy-4-12*(i%2), esc(clip(label, 34)))
		}
	}
	for _, c := range v.Containers {
		cy := ctrY[c.Name]
		k := 0
		for _, p := range c.Ports {
			if p.External {
				continue
			}
			fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\" fill=\"#555\">%s</text>\n", ctrX+boxW+8, cy+boxH+10+12*k, esc(clip(p.String(), 34)))
			k++
		}
	}
	b.WriteString("</svg>\n")
	return b.Flush()
}

func clip(s string, n int) string {
	s = oneLine(s)
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
