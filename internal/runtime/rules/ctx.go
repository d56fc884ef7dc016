package rules

import (
	"strings"
	"sync"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
)

// ctx is the per-event evaluation state: the event and lazily built strings
// that more than one rule may read (command lines), so each is built once.
type ctx struct {
	e        *event.Event
	hostname string
	names    *sipNames // resolved fd.sip.name names; nil outside Set.Eval

	cmdline, args, pcmdline     string
	haveCmd, haveArgs, havePcmd bool
	evtArgs                     string
	haveEvtArgs                 bool

	// memo holds the values of shared macros for this event: slot i is
	// valid when memoGen[i] == gen (gen changes with every event, so
	// nothing is cleared between events).
	memoGen []uint32
	memoVal []bool
	gen     uint32
}

var ctxPool = sync.Pool{New: func() any { return new(ctx) }}

func getCtx(e *event.Event, host string, slots int) *ctx {
	c := ctxPool.Get().(*ctx)
	mg, mv, gen := c.memoGen, c.memoVal, c.gen+1
	if len(mg) < slots {
		mg, mv, gen = make([]uint32, slots), make([]bool, slots), 1
	}
	if gen == 0 { // wrapped: old entries could look current
		clear(mg)
		gen = 1
	}
	*c = ctx{e: e, hostname: host, memoGen: mg, memoVal: mv, gen: gen}
	return c
}

// memo evaluates p once per event for a shared macro's slot.
func (c *ctx) memo(slot int, p pred) bool {
	if c.memoGen[slot] == c.gen {
		return c.memoVal[slot]
	}
	v := p(c)
	c.memoGen[slot], c.memoVal[slot] = c.gen, v
	return v
}

func putCtx(c *ctx) {
	c.e = nil
	ctxPool.Put(c)
}

func (c *ctx) proc() *event.Process { return c.e.Process }

func (c *ctx) parent() *event.Process {
	if p := c.e.Process; p != nil {
		return p.Parent
	}
	return nil
}

// ancestor returns the Nth ancestor (0 = the process itself), nil when unknown.
func (c *ctx) ancestor(n int) *event.Process {
	p := c.e.Process
	for ; n > 0 && p != nil; n-- {
		p = p.Parent
	}
	return p
}

func (c *ctx) getCmdline() string {
	if !c.haveCmd {
		c.cmdline = event.Cmdline(c.e.Name(), c.e.Argv())
		c.haveCmd = true
	}
	return c.cmdline
}

func (c *ctx) getArgs() string {
	if !c.haveArgs {
		argv := c.e.Argv()
		if len(argv) > 1 {
			c.args = strings.Join(argv[1:], " ")
		}
		c.haveArgs = true
	}
	return c.args
}

func (c *ctx) getPcmdline() (string, bool) {
	p := c.parent()
	if p == nil {
		return "", false
	}
	if !c.havePcmd {
		c.pcmdline = p.Cmdline()
		c.havePcmd = true
	}
	return c.pcmdline, true
}
