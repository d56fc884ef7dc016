package rules

import (
	"encoding/hex"
	"fmt"
	"math/bits"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
)

type pred func(*ctx) bool

// tset is a set of event types, one bit per event.Type.
type tset [2]uint64

var _ [128 - int(event.NumTypes)]struct{} // tset holds every Type

func allTypes() tset {
	var s tset
	for t := event.Type(1); t < event.NumTypes; t++ {
		s.add(t)
	}
	return s
}

func (s *tset) add(t event.Type)     { s[t>>6] |= 1 << (t & 63) }
func (s tset) has(t event.Type) bool { return s[t>>6]&(1<<(t&63)) != 0 }
func (s tset) and(o tset) tset       { return tset{s[0] & o[0], s[1] & o[1]} }
func (s tset) or(o tset) tset        { return tset{s[0] | o[0], s[1] | o[1]} }
func (s tset) minus(o tset) tset     { return tset{s[0] &^ o[0], s[1] &^ o[1]} }
func (s tset) count() int            { return bits.OnesCount64(s[0]) + bits.OnesCount64(s[1]) }
func (s tset) types() (out []event.Type) {
	for t := event.Type(1); t < event.NumTypes; t++ {
		if s.has(t) {
			out = append(out, t)
		}
	}
	return out
}

// compiled is a condition ready to run, with the event types for which it
// may be true (may) and may be false (mayNot), so that "not" stays exact.
type compiled struct {
	p      pred
	may    tset
	mayNot tset
}

// compiler turns parsed conditions into predicates, resolving lists and
// macros. A condition compiles to a DAG, not a tree: each macro is compiled
// once and every reference shares it. Evaluation follows the DAG too: a
// macro referenced from more than one place gets a memo slot, so that an
// event evaluates it at most once whatever the number of references (sixty
// macros each "(m_prev or m_prev)" would otherwise cost 2^60 evaluations).
// What is left to bound is the size of the DAG itself: a rule whose
// condition, with every macro it reaches counted once, has more than
// maxCompiledNodes nodes is refused with the chain of macros that makes it
// large.
type compiler struct {
	lists  map[string]*listDef
	macros map[string]*macroDef
	done   map[string]*macroResult
	active map[string]bool
	depth  int
	// cur counts the nodes of the condition being compiled (macros it
	// references are counted in their own macroNode) and the macros it
	// references directly.
	cur *nodeCount
	// usedMacros collects the macros a rule used (for reporting).
	fieldsUsed []string
	// lastSip are the host names fd.sip.name is compared with in the rule
	// compiled last (its macros included).
	lastSip []string
}

type macroResult struct {
	c   compiled
	err error
	n   *macroNode
}

// maxCompiledNodes bounds the nodes of one rule's compiled condition, each
// macro it reaches counted once. The largest rule of Falco's stable file
// has 121, of the default rules 21; evaluating a rule costs at most this
// many steps per event.
const maxCompiledNodes = 20000

// nodeCount is the size of one condition without the macros it references.
type nodeCount struct {
	nodes int
	refs  []*macroNode
	sip   []string // host names fd.sip.name is compared with here
}

// macroNode is a compiled macro in the DAG.
type macroNode struct {
	name  string
	own   nodeCount
	refs  int // references compiled so far, from rules and macros
	slot  int // memo slot, -1 when not memoized
	inner pred
}

func (k *compiler) ref(m *macroNode) {
	m.refs++
	if k.cur != nil {
		for _, r := range k.cur.refs {
			if r == m {
				return
			}
		}
		k.cur.refs = append(k.cur.refs, m)
	}
}

func newCompiler(lists map[string]*listDef, macros map[string]*macroDef) *compiler {
	return &compiler{lists: lists, macros: macros, done: map[string]*macroResult{}, active: map[string]bool{}}
}

// rule compiles a rule's condition and checks the size of its DAG.
func (k *compiler) rule(n node) (compiled, error) {
	own := &nodeCount{}
	k.cur = own
	c, err := k.compile(n)
	k.cur = nil
	k.lastSip = nil
	if err != nil {
		return c, err
	}
	k.lastSip = sipNamesOf(own)
	if size, chain := dagSize(own); size > maxCompiledNodes {
		return compiled{}, fmt.Errorf("too large: %d nodes with each macro counted once (limit %d); most of it comes through %s", size, maxCompiledNodes, chainText(chain))
	}
	return c, nil
}

// sipNamesOf lists the fd.sip.name names a condition reaches, macros
// included.
func sipNamesOf(root *nodeCount) []string {
	seen := map[*macroNode]bool{}
	var out []string
	var walk func(nc *nodeCount)
	walk = func(nc *nodeCount) {
		out = append(out, nc.sip...)
		for _, m := range nc.refs {
			if !seen[m] {
				seen[m] = true
				walk(&m.own)
			}
		}
	}
	walk(root)
	return out
}

// dagSize counts the nodes reachable from a condition, each macro once, and
// returns the chain of macros along which the most nodes lie.
func dagSize(root *nodeCount) (int, []string) {
	seen := map[*macroNode]bool{}
	var walk func(nc *nodeCount) int
	walk = func(nc *nodeCount) int {
		t := nc.nodes
		for _, m := range nc.refs {
			if !seen[m] {
				seen[m] = true
				t += walk(&m.own)
			}
		}
		return t
	}
	size := walk(root)
	// the heaviest chain: from the root, step to the macro reaching the
	// most nodes (each macro's reach computed once)
	reach := map[*macroNode]int{}
	var reachOf func(m *macroNode) int
	reachOf = func(m *macroNode) int {
		if v, ok := reach[m]; ok {
			return v
		}
		reach[m] = 0 // cycles cannot happen; guards anyway
		v := m.own.nodes
		for _, r := range m.own.refs {
			v += reachOf(r)
			if v > 1<<40 {
				v = 1 << 40
			}
		}
		reach[m] = v
		return v
	}
	var chain []string
	cur := root
	for steps := 0; steps < 4*maxDepth; steps++ {
		var best *macroNode
		for _, r := range cur.refs {
			if best == nil || reachOf(r) > reachOf(best) {
				best = r
			}
		}
		if best == nil {
			break
		}
		chain = append(chain, best.name)
		cur = &best.own
	}
	return size, chain
}

func chainText(chain []string) string {
	if len(chain) == 0 {
		return "the rule's own condition"
	}
	if len(chain) > 12 {
		chain = append(append(append([]string(nil), chain[:5]...), fmt.Sprintf("... (%d more)", len(chain)-10)), chain[len(chain)-5:]...)
	}
	return "macro " + strings.Join(chain, " -> ")
}

func (k *compiler) compile(n node) (compiled, error) {
	if k.cur != nil {
		k.cur.nodes++
	}
	k.depth++
	defer func() { k.depth-- }()
	if k.depth > 4*maxDepth {
		return compiled{}, fmt.Errorf("condition nested more than %d deep (macros included)", 4*maxDepth)
	}
	all := allTypes()
	switch n := n.(type) {
	case andNode:
		var terms []node
		flattenAnd(n, &terms)
		out := compiled{may: all}
		ps := make([]pred, 0, len(terms))
		for _, t := range terms {
			x, err := k.compile(t)
			if err != nil {
				return compiled{}, err
			}
			ps = append(ps, x.p)
			out.may, out.mayNot = out.may.and(x.may), out.mayNot.or(x.mayNot)
		}
		out.p = andOf(ps)
		return out, nil
	case orNode:
		var terms []node
		flattenOr(n, &terms)
		out := compiled{mayNot: all}
		ps := make([]pred, 0, len(terms))
		for _, t := range terms {
			x, err := k.compile(t)
			if err != nil {
				return compiled{}, err
			}
			ps = append(ps, x.p)
			out.may, out.mayNot = out.may.or(x.may), out.mayNot.and(x.mayNot)
		}
		out.p = orOf(ps)
		return out, nil
	case notNode:
		x, err := k.compile(n.x)
		if err != nil {
			return compiled{}, err
		}
		xp := x.p
		return compiled{p: func(c *ctx) bool { return !xp(c) }, may: x.mayNot, mayNot: x.may}, nil
	case constNode:
		v := n.v
		if v {
			return compiled{p: func(*ctx) bool { return true }, may: all}, nil
		}
		return compiled{p: func(*ctx) bool { return false }, mayNot: all}, nil
	case macroRef:
		return k.macro(n)
	case cmpNode:
		return k.check(n)
	}
	return compiled{}, fmt.Errorf("internal: unknown node %T", n)
}

func flattenAnd(n node, out *[]node) {
	if a, ok := n.(andNode); ok {
		flattenAnd(a.l, out)
		flattenAnd(a.r, out)
		return
	}
	*out = append(*out, n)
}

func flattenOr(n node, out *[]node) {
	if o, ok := n.(orNode); ok {
		flattenOr(o.l, out)
		flattenOr(o.r, out)
		return
	}
	*out = append(*out, n)
}

// andOf and orOf evaluate a chain left to right with short-circuit; small
// chains get unrolled closures.
func andOf(ps []pred) pred {
	switch len(ps) {
	case 1:
		return ps[0]
	case 2:
		a, b := ps[0], ps[1]
		return func(c *ctx) bool { return a(c) && b(c) }
	case 3:
		a, b, d := ps[0], ps[1], ps[2]
		return func(c *ctx) bool { return a(c) && b(c) && d(c) }
	}
	return func(c *ctx) bool {
		for _, p := range ps {
			if !p(c) {
				return false
			}
		}
		return true
	}
}

func orOf(ps []pred) pred {
	switch len(ps) {
	case 1:
		return ps[0]
	case 2:
		a, b := ps[0], ps[1]
		return func(c *ctx) bool { return a(c) || b(c) }
	case 3:
		a, b, d := ps[0], ps[1], ps[2]
		return func(c *ctx) bool { return a(c) || b(c) || d(c) }
	}
	return func(c *ctx) bool {
		for _, p := range ps {
			if p(c) {
				return true
			}
		}
		return false
	}
}

func (k *compiler) macro(n macroRef) (compiled, error) {
	if k.cur != nil {
		k.cur.nodes-- // the reference itself is no node: the macro is
	}
	if r, ok := k.done[n.name]; ok {
		if r.n != nil {
			k.ref(r.n)
		}
		return r.c, r.err
	}
	m, ok := k.macros[n.name]
	if !ok {
		if _, isField := simpleFields[n.name]; isField || strings.Contains(n.name, ".") {
			return compiled{}, fmt.Errorf("at offset %d: %q is a field without an operator", n.pos, n.name)
		}
		return compiled{}, fmt.Errorf("undefined macro %q", n.name)
	}
	if k.active[n.name] {
		return compiled{}, fmt.Errorf("macro %q refers to itself", n.name)
	}
	if m.parseErr != nil {
		err := fmt.Errorf("macro %q: %w", n.name, m.parseErr)
		k.done[n.name] = &macroResult{err: err}
		return compiled{}, err
	}
	k.active[n.name] = true
	mn := &macroNode{name: n.name, slot: -1}
	outer := k.cur
	k.cur = &mn.own
	c, err := k.compile(m.ast)
	k.cur = outer
	delete(k.active, n.name)
	if err != nil {
		if !strings.HasPrefix(err.Error(), "macro ") {
			err = fmt.Errorf("macro %q: %w", n.name, err)
		}
		k.done[n.name] = &macroResult{err: err}
		return compiled{}, err
	}
	mn.inner = c.p
	c.p = func(x *ctx) bool {
		if mn.slot < 0 {
			return mn.inner(x)
		}
		return x.memo(mn.slot, mn.inner)
	}
	k.ref(mn)
	k.done[n.name] = &macroResult{c: c, n: mn}
	return c, nil
}

// memoSlots gives a memo slot to every macro referenced more than once and
// returns the number of slots. Called once, after every rule is compiled.
func (k *compiler) memoSlots() int {
	n := 0
	for _, name := range sortedKeys(k.done) {
		if m := k.done[name].n; m != nil && m.refs > 1 {
			m.slot = n
			n++
		}
	}
	return n
}

// expand resolves list names inside an operand list, recursively.
func (k *compiler) expand(vals []value) ([]string, error) {
	var out []string
	steps := 0
	var walk func(vals []value, depth int) error
	walk = func(vals []value, depth int) error {
		if depth > 32 {
			return fmt.Errorf("lists nested more than 32 deep")
		}
		for _, v := range vals {
			if steps++; steps > 4*maxListItems {
				return fmt.Errorf("list expansion takes more than %d steps", 4*maxListItems)
			}
			if !v.quoted {
				if l, ok := k.lists[v.text]; ok {
					items := make([]value, 0, len(l.items))
					for _, it := range l.items {
						items = append(items, listItem(it))
					}
					if err := walk(items, depth+1); err != nil {
						return fmt.Errorf("list %q: %w", v.text, err)
					}
					continue
				}
			}
			out = append(out, v.text)
			if len(out) > maxListItems {
				return fmt.Errorf("list expands to more than %d items", maxListItems)
			}
		}
		return nil
	}
	err := walk(vals, 0)
	return out, err
}

// listItem turns a YAML list item into an operand: items written with their
// own quotes ('"10.0.0.0/8"') are strings, others may name another list.
func listItem(s string) value {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return value{text: s[1 : len(s)-1], quoted: true}
	}
	return value{text: s}
}

func (k *compiler) check(n cmpNode) (compiled, error) {
	all := allTypes()
	k.fieldsUsed = append(k.fieldsUsed, n.lhs.name)
	var vals []string
	if n.rhsFld == nil && n.op != "exists" {
		var err error
		if n.list {
			vals, err = k.expand(n.vals)
		} else {
			for _, v := range n.vals {
				vals = append(vals, v.text)
			}
		}
		if err != nil {
			return compiled{}, fmt.Errorf("%s %s: %w", n.lhs, n.op, err)
		}
	}
	// evt.type checks decide which events a rule needs.
	if n.lhs.field == "evt.type" && !n.lhs.hasArg && len(n.lhs.xforms) == 0 && n.rhsFld == nil {
		var set tset
		for _, v := range vals {
			if t, ok := event.ParseType(v); ok {
				set.add(t)
			}
		}
		switch n.op {
		case "=", "in", "intersects":
			return compiled{p: func(c *ctx) bool { return set.has(c.e.Type) }, may: set, mayNot: all.minus(set)}, nil
		case "!=":
			return compiled{p: func(c *ctx) bool { return !set.has(c.e.Type) }, may: all.minus(set), mayNot: set}, nil
		}
	}
	g, err := lookupField(n.lhs)
	if err != nil {
		return compiled{}, err
	}
	p, err := buildCheck(g, n, vals, k)
	if err != nil {
		return compiled{}, err
	}
	return compiled{p: p, may: all, mayNot: all}, nil
}

func buildCheck(g *getter, n cmpNode, vals []string, k *compiler) (pred, error) {
	op := n.op
	if g.name == "fd.sip.name" && k != nil && k.cur != nil {
		k.cur.sip = append(k.cur.sip, vals...)
	}
	if op == "exists" {
		switch {
		case g.never:
			return func(*ctx) bool { return false }, nil
		case g.str != nil:
			f := g.str
			return func(c *ctx) bool { _, ok := f(c); return ok }, nil
		case g.num != nil:
			f := g.num
			return func(c *ctx) bool { _, ok := f(c); return ok }, nil
		case g.ip != nil:
			f := g.ip
			return func(c *ctx) bool { _, ok := f(c); return ok }, nil
		case g.anyStr != nil:
			f := g.anyStr
			return func(c *ctx) bool { return f(c, func(string) bool { return true }) }, nil
		case g.anyIP != nil:
			f := g.anyIP
			return func(c *ctx) bool { return f(c, func(netip.Addr) bool { return true }) }, nil
		}
	}
	if n.rhsFld != nil {
		return valCheck(g, op, *n.rhsFld)
	}
	if len(vals) == 0 && !listOps[op] {
		return nil, fmt.Errorf("%s %s: no value", n.lhs, op)
	}
	if p := bitCheck(g, op, vals); p != nil {
		return p, nil
	}
	switch g.kind {
	case kNum, kBool:
		if np, err := numCheck(g, op, vals); err == nil {
			return np, nil
		} else if !isStringOp(op) {
			return nil, fmt.Errorf("%s %s: %w", n.lhs, op, err)
		}
		// A string operator on a number compares the decimal text.
		num := g.num
		sp, err := strPred(op, vals)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n.lhs, err)
		}
		return func(c *ctx) bool {
			v, ok := num(c)
			return ok && sp(strconv.FormatInt(v, 10))
		}, nil
	case kIP:
		if op == "=" || op == "!=" || op == "in" || op == "intersects" {
			return ipCheck(g, op, vals, n)
		}
		if g.ip == nil {
			return nil, fmt.Errorf("%s %s: operator not supported on this address field", n.lhs, op)
		}
		ipf := g.ip
		sp, err := strPred(op, vals)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n.lhs, err)
		}
		return func(c *ctx) bool { a, ok := ipf(c); return ok && sp(a.String()) }, nil
	}
	neg := op == "!="
	if neg {
		op = "="
	}
	sp, err := strPred(op, vals)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", n.lhs, err)
	}
	if g.anyStr != nil {
		f := g.anyStr
		if neg {
			return func(c *ctx) bool { return !f(c, sp) }, nil
		}
		return func(c *ctx) bool { return f(c, sp) }, nil
	}
	f := g.str
	if neg {
		return func(c *ctx) bool { s, ok := f(c); return ok && !sp(s) }, nil
	}
	return func(c *ctx) bool { s, ok := f(c); return ok && sp(s) }, nil
}

func isStringOp(op string) bool {
	switch op {
	case "contains", "icontains", "startswith", "endswith", "glob", "iglob", "regex", "bcontains", "bstartswith", "pmatch":
		return true
	}
	return false
}

// strPred builds a test of one string against the operand(s).
func strPred(op string, vals []string) (func(string) bool, error) {
	v := ""
	if len(vals) > 0 {
		v = vals[0]
	}
	switch op {
	case "=":
		return func(s string) bool { return s == v }, nil
	case "!=":
		return func(s string) bool { return s != v }, nil
	case "<":
		return func(s string) bool { return s < v }, nil
	case "<=":
		return func(s string) bool { return s <= v }, nil
	case ">":
		return func(s string) bool { return s > v }, nil
	case ">=":
		return func(s string) bool { return s >= v }, nil
	case "contains":
		return func(s string) bool { return strings.Contains(s, v) }, nil
	case "icontains":
		lv := strings.ToLower(v)
		return func(s string) bool { return containsFold(s, lv) }, nil
	case "startswith":
		return func(s string) bool { return strings.HasPrefix(s, v) }, nil
	case "endswith":
		return func(s string) bool { return strings.HasSuffix(s, v) }, nil
	case "bcontains", "bstartswith":
		b, err := hex.DecodeString(strings.ReplaceAll(v, " ", ""))
		if err != nil {
			return nil, fmt.Errorf("%s needs hex bytes, got %q", op, v)
		}
		bs := string(b)
		if op == "bcontains" {
			return func(s string) bool { return strings.Contains(s, bs) }, nil
		}
		return func(s string) bool { return strings.HasPrefix(s, bs) }, nil
	case "glob":
		// Most patterns start with a literal directory: test it first.
		lit := v[:strings.IndexAny(v+"*", "*?[\\")]
		return func(s string) bool { return strings.HasPrefix(s, lit) && globMatch(v, s) }, nil
	case "iglob":
		lv := strings.ToLower(v)
		return func(s string) bool { return globMatch(lv, strings.ToLower(s)) }, nil
	case "regex":
		if len(v) > 4096 {
			return nil, fmt.Errorf("regex longer than 4096 bytes")
		}
		re, err := regexp.Compile(v)
		if err != nil {
			return nil, fmt.Errorf("regex %q: %w", v, err)
		}
		return re.MatchString, nil
	case "in", "intersects":
		if len(vals) <= 8 {
			items := append([]string(nil), vals...)
			return func(s string) bool {
				for _, it := range items {
					if s == it {
						return true
					}
				}
				return false
			}, nil
		}
		set := make(map[string]struct{}, len(vals))
		for _, it := range vals {
			set[it] = struct{}{}
		}
		return func(s string) bool { _, ok := set[s]; return ok }, nil
	case "pmatch":
		items := append([]string(nil), vals...)
		return func(s string) bool {
			for _, it := range items {
				if pathPrefixMatch(it, s) {
					return true
				}
			}
			return false
		}, nil
	}
	return nil, fmt.Errorf("operator %q is not supported", op)
}

// containsFold reports whether s contains lower (already lower case),
// ignoring case. It scans for the first byte in both cases before comparing.
func containsFold(s, lower string) bool {
	if len(lower) == 0 {
		return true
	}
	c0 := lower[0]
	u0 := c0
	if 'a' <= c0 && c0 <= 'z' {
		u0 = c0 - 'a' + 'A'
	}
	if c0 >= 0x80 {
		return strings.Contains(strings.ToLower(s), lower)
	}
	for i := 0; i+len(lower) <= len(s); i++ {
		if b := s[i]; (b == c0 || b == u0) && strings.EqualFold(s[i:i+len(lower)], lower) {
			return true
		}
	}
	return false
}

func parseNum(s string, boolean bool) (int64, error) {
	if boolean {
		switch strings.ToLower(s) {
		case "true":
			return 1, nil
		case "false":
			return 0, nil
		}
	}
	if n, err := strconv.ParseInt(s, 0, 64); err == nil {
		return n, nil
	}
	if u, err := strconv.ParseUint(s, 0, 64); err == nil {
		return int64(u), nil
	}
	return 0, fmt.Errorf("%q is not a number", s)
}

func numCheck(g *getter, op string, vals []string) (pred, error) {
	nums := make([]int64, 0, len(vals))
	for _, v := range vals {
		n, err := parseNum(v, g.kind == kBool)
		if err != nil {
			return nil, err
		}
		nums = append(nums, n)
	}
	f := g.num
	var v int64
	if len(nums) > 0 {
		v = nums[0]
	}
	switch op {
	case "=":
		return func(c *ctx) bool { x, ok := f(c); return ok && x == v }, nil
	case "!=":
		return func(c *ctx) bool { x, ok := f(c); return ok && x != v }, nil
	case "<":
		return func(c *ctx) bool { x, ok := f(c); return ok && x < v }, nil
	case "<=":
		return func(c *ctx) bool { x, ok := f(c); return ok && x <= v }, nil
	case ">":
		return func(c *ctx) bool { x, ok := f(c); return ok && x > v }, nil
	case ">=":
		return func(c *ctx) bool { x, ok := f(c); return ok && x >= v }, nil
	case "in", "intersects":
		return func(c *ctx) bool {
			x, ok := f(c)
			if !ok {
				return false
			}
			for _, n := range nums {
				if x == n {
					return true
				}
			}
			return false
		}, nil
	}
	return nil, fmt.Errorf("operator %q is not supported on a number", op)
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func ipCheck(g *getter, op string, vals []string, n cmpNode) (pred, error) {
	prefixes := make([]netip.Prefix, 0, len(vals))
	for _, v := range vals {
		p, err := parsePrefix(v)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %q is not an address or network", n.lhs, op, v)
		}
		prefixes = append(prefixes, p)
	}
	in := func(a netip.Addr) bool {
		a = a.Unmap()
		for _, p := range prefixes {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	neg := op == "!="
	if g.anyIP != nil {
		f := g.anyIP
		if neg {
			return func(c *ctx) bool { return !f(c, in) }, nil
		}
		return func(c *ctx) bool { return f(c, in) }, nil
	}
	f := g.ip
	return func(c *ctx) bool {
		a, ok := f(c)
		return ok && in(a) != neg
	}, nil
}

// valCheck compares two fields: field op val(other).
func valCheck(g *getter, op string, rf fieldExpr) (pred, error) {
	h, err := lookupField(rf)
	if err != nil {
		return nil, err
	}
	if g.kind == kNum && h.kind == kNum && g.num != nil && h.num != nil {
		a, b := g.num, h.num
		cmp := map[string]func(x, y int64) bool{
			"=": func(x, y int64) bool { return x == y }, "!=": func(x, y int64) bool { return x != y },
			"<": func(x, y int64) bool { return x < y }, "<=": func(x, y int64) bool { return x <= y },
			">": func(x, y int64) bool { return x > y }, ">=": func(x, y int64) bool { return x >= y },
		}[op]
		if cmp == nil {
			return nil, fmt.Errorf("operator %q is not supported with val() on numbers", op)
		}
		return func(c *ctx) bool {
			x, ok1 := a(c)
			y, ok2 := b(c)
			return ok1 && ok2 && cmp(x, y)
		}, nil
	}
	if g.str == nil || h.str == nil {
		return nil, fmt.Errorf("val(): %s %s %s compares fields of different kinds", g.name, op, h.name)
	}
	var cmp func(x, y string) bool
	switch op {
	case "=":
		cmp = func(x, y string) bool { return x == y }
	case "!=":
		cmp = func(x, y string) bool { return x != y }
	case "contains":
		cmp = strings.Contains
	case "startswith":
		cmp = strings.HasPrefix
	case "endswith":
		cmp = strings.HasSuffix
	case "<":
		cmp = func(x, y string) bool { return x < y }
	case ">":
		cmp = func(x, y string) bool { return x > y }
	default:
		return nil, fmt.Errorf("operator %q is not supported with val()", op)
	}
	a, b := g.str, h.str
	return func(c *ctx) bool {
		x, ok1 := a(c)
		y, ok2 := b(c)
		return ok1 && ok2 && cmp(x, y)
	}, nil
}

// bitCheck turns "evt.arg.flags contains O_TRUNC" and "evt.arg.mode contains
// S_IXUSR" into bit tests, so the hot path renders no flag strings. It
// returns nil when the check is not of that shape.
func bitCheck(g *getter, op string, vals []string) pred {
	if op != "contains" || len(vals) != 1 {
		return nil
	}
	name := vals[0]
	switch g.name {
	case "evt.arg.flags":
		var bit uint32
		acc := ^uint32(0)
		switch name {
		case "O_RDONLY":
			acc = event.ORdOnly
		case "O_WRONLY":
			acc = event.OWrOnly
		case "O_RDWR":
			acc = event.ORdWr
		default:
			for _, f := range openFlagNames {
				if f.name == name {
					bit = f.v
				}
			}
			if bit == 0 {
				return nil
			}
		}
		slow := g.str
		return func(c *ctx) bool {
			if !c.e.Type.IsOpen() {
				s, ok := slow(c)
				return ok && strings.Contains(s, name)
			}
			if acc != ^uint32(0) {
				return c.e.Flags&3 == acc
			}
			return c.e.Flags&bit == bit
		}
	case "evt.arg.mode":
		for _, m := range modeNames {
			if m.name == name {
				bit := m.v
				return func(c *ctx) bool { return c.e.Mode&bit != 0 }
			}
		}
	}
	return nil
}
