package table

import (
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/term"
)

// Width is the width a table for f gets: the terminal's when f is one,
// else $COLUMNS when set, else DefaultWidth (reports written to files and
// pipes).
func Width(f *os.File) int {
	if f != nil && term.IsTerminal(int(f.Fd())) {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	if c, err := strconv.Atoi(strings.TrimSpace(os.Getenv("COLUMNS"))); err == nil && c > 0 {
		return c
	}
	return DefaultWidth
}

// grid is a table fitted to the width. Only the flex column holds free
// text, which wraps (at most maxWrapLines lines) and is cut with "…". Every
// other column holds values that are never split: ids, versions, digests,
// path:line locations. Such a cell breaks only between its words, and a
// package name or path only after a '/', ':' or '.' (softBreaks). A table
// whose unbreakable values do not fit is printed as a list instead.
type grid struct {
	header []string
	rows   [][]string
	flex   int
}

// softBreaks names the characters after which a column's values may
// break: package names and paths, never ids, versions or locations.
func softBreaks(header string) string {
	switch header {
	case "PACKAGE", "NAME":
		return "/:."
	case "PATH":
		return "/"
	}
	return ""
}

// pieces splits a cell into the parts that must stay whole: its words,
// and within a word the runs ending at a soft break character.
func pieces(s, soft string) []string {
	var out []string
	for _, w := range strings.Fields(s) {
		if soft == "" {
			out = append(out, w)
			continue
		}
		start := 0
		for i, r := range w {
			if strings.ContainsRune(soft, r) {
				out = append(out, w[start:i+utf8.RuneLen(r)])
				start = i + utf8.RuneLen(r)
			}
		}
		if start < len(w) {
			out = append(out, w[start:])
		}
	}
	return out
}

// minFlex is the narrowest the free-text column gets.
const minFlex = 12

// grid prints t; colorOf, when set, names the severity whose colour the
// first cell of each row gets.
func (p *printer) grid(t *grid, colorOf func(row []string) string) {
	n := len(t.header)
	widths := make([]int, n)
	minW := make([]int, n)
	soft := make([]string, n)
	for i, h := range t.header {
		widths[i] = utf8.RuneCountInString(h)
		minW[i] = widths[i]
		soft[i] = softBreaks(h)
	}
	rows := make([][]string, len(t.rows))
	for r, row := range t.rows {
		rows[r] = make([]string, n)
		for i := 0; i < n && i < len(row); i++ {
			rows[r][i] = clean(row[i])
			widths[i] = max(widths[i], utf8.RuneCountInString(rows[r][i]))
			if i != t.flex {
				for _, pc := range pieces(rows[r][i], soft[i]) {
					minW[i] = max(minW[i], utf8.RuneCountInString(pc))
				}
			}
		}
	}
	minW[t.flex] = min(widths[t.flex], max(minFlex, minW[t.flex]))
	const gap = 2
	total := func() int {
		s := gap * (n - 1)
		for _, w := range widths {
			s += w
		}
		return s
	}
	// Shrink in stages, so that no column becomes unreadable before the
	// others gave what they can: the free text to 32 runes, the other
	// columns (widest first) to 16 or their longest unbreakable piece, the
	// free text to minFlex, the others to their longest piece.
	shrinkFlex := func(to int) {
		if over := total() - p.opts.Width; over > 0 && widths[t.flex] > to {
			widths[t.flex] = max(to, widths[t.flex]-over)
		}
	}
	shrinkOthers := func(floor int) {
		for total() > p.opts.Width {
			widest := -1
			for i, w := range widths {
				if i != t.flex && w > max(minW[i], floor) && (widest < 0 || w > widths[widest]) {
					widest = i
				}
			}
			if widest < 0 {
				return
			}
			widths[widest]--
		}
	}
	shrinkFlex(max(32, minW[t.flex]))
	shrinkOthers(16)
	shrinkFlex(minW[t.flex])
	shrinkOthers(0)
	if total() > p.opts.Width {
		p.list(t.header, rows, t.flex, colorOf)
		return
	}
	p.row(t.header, widths, "", true)
	for _, row := range rows {
		sev := ""
		if colorOf != nil {
			sev = colorOf(row)
		}
		cells := make([][]string, n)
		height := 1
		for i := range row {
			if i == t.flex {
				cells[i] = wrap(row[i], widths[i], maxWrapLines)
			} else {
				cells[i] = wrapWhole(row[i], widths[i], soft[i])
			}
			height = max(height, len(cells[i]))
		}
		for l := 0; l < height; l++ {
			line := make([]string, n)
			for i := range cells {
				if l < len(cells[i]) {
					line[i] = cells[i][l]
				}
			}
			if l == 0 {
				p.row(line, widths, sev, false)
			} else {
				p.row(line, widths, "", false)
			}
		}
	}
}

// wrapWhole breaks a cell of unbreakable values into lines of at most w
// runes between its pieces (w is at least its longest piece).
func wrapWhole(s string, w int, soft string) []string {
	if utf8.RuneCountInString(s) <= w {
		return []string{s}
	}
	var lines []string
	var cur strings.Builder
	curLen := 0
	for _, word := range strings.Fields(s) {
		for i, pc := range pieces(word, soft) {
			sep := ""
			if i == 0 && curLen > 0 {
				sep = " "
			}
			l := utf8.RuneCountInString(pc)
			if curLen > 0 && curLen+len(sep)+l > w {
				lines = append(lines, cur.String())
				cur.Reset()
				curLen, sep = 0, ""
			}
			cur.WriteString(sep + pc)
			curLen += len(sep) + l
		}
	}
	if curLen > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// maxWrapLines bounds how many lines a wrapped free-text cell takes.
const maxWrapLines = 3

// wrap splits free text s into lines of at most w runes at spaces (cutting
// words longer than w), at most max lines, the last one truncated with "…".
func wrap(s string, w, max int) []string {
	if utf8.RuneCountInString(s) <= w || w < 8 {
		return []string{s}
	}
	var lines []string
	var cur []rune
	for _, word := range strings.Fields(s) {
		wr := []rune(word)
		for len(wr) > 0 {
			space := 0
			if len(cur) > 0 {
				space = 1
			}
			if len(cur)+space+len(wr) <= w {
				if space == 1 {
					cur = append(cur, ' ')
				}
				cur = append(cur, wr...)
				wr = nil
				continue
			}
			if len(cur) > 0 {
				lines = append(lines, string(cur))
				cur = nil
				continue
			}
			cur = append(cur, wr[:w]...)
			wr = wr[w:]
		}
	}
	if len(cur) > 0 {
		lines = append(lines, string(cur))
	}
	if len(lines) == 0 {
		return []string{""}
	}
	if len(lines) > max {
		lines[max-1] = truncate(lines[max-1]+" "+lines[max], w)
		if !strings.HasSuffix(lines[max-1], "…") {
			lines[max-1] = truncate(lines[max-1]+"…", w)
		}
		lines = lines[:max]
	}
	return lines
}

// list prints rows one field a line, for terminals too narrow for columns:
// values in full, free text cut to the width.
func (p *printer) list(header []string, rows [][]string, flex int, colorOf func(row []string) string) {
	for _, row := range rows {
		sev := ""
		if colorOf != nil {
			sev = colorOf(row)
		}
		for i, c := range row {
			if c == "" {
				continue
			}
			if i == 0 {
				p.line("%s", p.color(sev, c))
				continue
			}
			label := strings.ToLower(header[i]) + ": "
			room := p.opts.Width - 2 - utf8.RuneCountInString(label)
			if i == flex {
				p.line("  %s%s", label, truncate(c, room))
				continue
			}
			// A value breaks only between its pieces; one piece wider
			// than the room stays whole.
			for k, l := range wrapWhole(c, room, softBreaks(header[i])) {
				if k == 0 {
					p.line("  %s%s", label, l)
				} else {
					p.line("  %s%s", strings.Repeat(" ", utf8.RuneCountInString(label)), l)
				}
			}
		}
	}
}
