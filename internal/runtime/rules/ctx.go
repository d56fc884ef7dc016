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
}

var ctxPool = sync.Pool{New: func() any { return new(ctx) }}

func getCtx(e *event.Event, host string) *ctx {
	c := ctxPool.Get().(*ctx)
	*c = ctx{e: e, hostname: host}
	return c
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
