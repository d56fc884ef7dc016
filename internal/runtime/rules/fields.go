package rules

import (
	"errors"
	"fmt"
	"net/netip"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
)

// kind is the value type of a field.
type kind uint8

const (
	kStr kind = iota
	kNum
	kBool
	kIP
)

// getter reads one field from the evaluation context. Exactly one of str,
// num, ip, anyStr is set, matching kind (anyStr: a string field with many
// values, such as proc.aname, true when a check holds for any value).
type getter struct {
	name   string
	kind   kind
	str    func(*ctx) (string, bool)
	num    func(*ctx) (int64, bool)
	ip     func(*ctx) (netip.Addr, bool)
	anyIP  func(*ctx, func(netip.Addr) bool) bool
	anyStr func(*ctx, func(string) bool) bool
	first  func(*ctx) (string, bool) // rendering of a multi-valued field
	// never is true for fields that never have a value here (k8s.*): they
	// answer "" in comparisons but "exists" is false.
	never bool
}

// errUnsupported marks a field bulkhead cannot provide.
var errUnsupported = errors.New("field not supported by bulkhead")

// render returns a field's value for output: string, int64 or bool; ok=false means no value.
func (g *getter) render(c *ctx) (any, bool) {
	switch {
	case g.str != nil:
		s, ok := g.str(c)
		return s, ok
	case g.num != nil:
		n, ok := g.num(c)
		if g.kind == kBool {
			return n != 0, ok
		}
		return n, ok
	case g.ip != nil:
		a, ok := g.ip(c)
		if !ok || !a.IsValid() {
			return nil, false
		}
		return a.String(), true
	case g.first != nil:
		s, ok := g.first(c)
		return s, ok
	}
	return nil, false
}

// renderString is render formatted as text, "<NA>" when there is no value.
func (g *getter) renderString(c *ctx) string {
	v, ok := g.render(c)
	if !ok {
		return "<NA>"
	}
	switch v := v.(type) {
	case string:
		if v == "" {
			return "<NA>"
		}
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(v)
}

func sf(name string, f func(*ctx) (string, bool)) *getter {
	return &getter{name: name, kind: kStr, str: f}
}
func nf(name string, f func(*ctx) (int64, bool)) *getter {
	return &getter{name: name, kind: kNum, num: f}
}
func bf(name string, f func(*ctx) bool) *getter {
	return &getter{name: name, kind: kBool, num: func(c *ctx) (int64, bool) {
		if f(c) {
			return 1, true
		}
		return 0, true
	}}
}
func ipf(name string, f func(*ctx) (netip.Addr, bool)) *getter {
	return &getter{name: name, kind: kIP, ip: f}
}

func nonEmpty(s string) (string, bool) { return s, s != "" }

// isSocketEvent reports whether the event's address fields are meaningful.
func isNet(e *event.Event) bool {
	switch fdType(e) {
	case event.FDIPv4, event.FDIPv6:
		return true
	}
	return false
}

// fdType is the event's FDType, derived from the event when the sensor left it unset.
func fdType(e *event.Event) event.FDType {
	if e.FDType != event.FDUnknown {
		return e.FDType
	}
	switch {
	case e.Type.IsOpen():
		if e.Flags&event.ODirectory != 0 {
			return event.FDDirectory
		}
		return event.FDFile
	case e.Type == event.MemfdCreate:
		return event.FDMemfd
	}
	switch e.Family {
	case event.AFInet:
		return event.FDIPv4
	case event.AFInet6:
		return event.FDIPv6
	case event.AFUnix:
		return event.FDUnix
	case event.AFNetlink:
		return event.FDNetlink
	}
	return event.FDUnknown
}

// localIsServer reports whether the local end of the socket is the server.
func localIsServer(e *event.Event) bool {
	switch e.Type {
	case event.Accept, event.Accept4, event.Listen, event.Bind, event.Recvfrom, event.Recvmsg:
		// the sensor reports a receive only on an unconnected socket, with
		// the datagram's source as the peer: an inbound exchange
		return true
	}
	return false
}

func serverAddr(e *event.Event) (netip.Addr, uint16) {
	if localIsServer(e) {
		return e.SAddr, e.SPort
	}
	return e.DAddr, e.DPort
}

func clientAddr(e *event.Event) (netip.Addr, uint16) {
	if localIsServer(e) {
		return e.DAddr, e.DPort
	}
	return e.SAddr, e.SPort
}

func hostPort(a netip.Addr, p uint16) string {
	if !a.IsValid() {
		return ""
	}
	return a.String() + ":" + strconv.FormatUint(uint64(p), 10)
}

// fdName renders fd.name: the path for files, client->server for sockets.
func fdName(e *event.Event) string {
	if isNet(e) {
		ca, cp := clientAddr(e)
		sa, sp := serverAddr(e)
		if !ca.IsValid() && !sa.IsValid() {
			return ""
		}
		return hostPort(ca, cp) + "->" + hostPort(sa, sp)
	}
	return e.Path
}

// dirOf is path.Dir for the absolute, clean paths the sensor reports,
// without allocating.
func dirOf(p string) string {
	i := strings.LastIndexByte(p, '/')
	switch {
	case i < 0:
		return "."
	case i == 0:
		return "/"
	}
	return p[:i]
}

// hasPath reports whether the event names a file (fd.directory, fd.filename).
func hasPath(e *event.Event) bool { return e.Path != "" && !isNet(e) }

func ipOK(a netip.Addr) (netip.Addr, bool) { return a, a.IsValid() }

func procName(p *event.Process) (string, bool) {
	if p == nil {
		return "", false
	}
	return p.Name, true
}

func procExe(p *event.Process) (string, bool) {
	if p == nil {
		return "", false
	}
	if len(p.Args) > 0 {
		return p.Args[0], true
	}
	return p.ExePath, true
}

func procExepath(p *event.Process) (string, bool) {
	if p == nil {
		return "", false
	}
	return p.ExePath, true
}

func procCmdline(p *event.Process) (string, bool) {
	if p == nil {
		return "", false
	}
	return p.Cmdline(), true
}

// containerID returns Falco's container.id: the 12-character id, "host" outside containers.
func containerID(e *event.Event) string {
	if !e.IsContainer() {
		return "host"
	}
	return e.Container.ShortID()
}

// ancestorField builds proc.aname[N] and friends, and the any-ancestor form without [N].
func ancestorField(name string, arg string, hasArg bool, f func(*event.Process) (string, bool)) (*getter, error) {
	if hasArg {
		n, err := strconv.Atoi(arg)
		if err != nil || n < 0 || n > 64 {
			return nil, fmt.Errorf("field %q: index %q is not a number from 0 to 64", name, arg)
		}
		return sf(name, func(c *ctx) (string, bool) { return f(c.ancestor(n)) }), nil
	}
	return &getter{name: name, kind: kStr,
		anyStr: func(c *ctx, pred func(string) bool) bool {
			for p, i := c.parent(), 0; p != nil && i < 64; p, i = p.Parent, i+1 {
				if s, ok := f(p); ok && pred(s) {
					return true
				}
			}
			return false
		},
		first: func(c *ctx) (string, bool) { return f(c.parent()) },
	}, nil
}

// lookupField returns the getter for a field name, errUnsupported (wrapped)
// when bulkhead cannot provide it.
func lookupField(fe fieldExpr) (*getter, error) {
	g, err := baseField(fe.field, fe.arg, fe.hasArg, fe.name)
	if err != nil {
		return nil, err
	}
	for _, x := range fe.xforms {
		if g, err = transform(x, g); err != nil {
			return nil, err
		}
	}
	return g, nil
}

func noArg(name string, hasArg bool) error {
	if hasArg {
		return fmt.Errorf("field %q takes no [argument]: %w", name, errUnsupported)
	}
	return nil
}

func baseField(field, arg string, hasArg bool, full string) (*getter, error) {
	if strings.HasPrefix(field, "k8s.") || strings.HasPrefix(field, "k8smeta.") {
		g := sf(full, func(*ctx) (string, bool) { return "", true })
		g.never = true
		return g, nil
	}
	if strings.HasPrefix(field, "evt.arg.") && !hasArg {
		return argField(full, strings.TrimPrefix(field, "evt.arg."))
	}
	if field == "evt.arg" && hasArg {
		if _, err := strconv.Atoi(arg); err == nil {
			return nil, fmt.Errorf("field %q (positional arguments): %w", full, errUnsupported)
		}
		return argField(full, arg)
	}
	if field == "container.label" && hasArg {
		return sf(full, func(c *ctx) (string, bool) {
			if !c.e.IsContainer() {
				return "", false
			}
			v, ok := c.e.Container.Labels[arg]
			return v, ok
		}), nil
	}
	switch field {
	case "proc.aname":
		return ancestorField(full, arg, hasArg, procName)
	case "proc.aexe":
		return ancestorField(full, arg, hasArg, procExe)
	case "proc.aexepath":
		return ancestorField(full, arg, hasArg, procExepath)
	case "proc.acmdline":
		return ancestorField(full, arg, hasArg, procCmdline)
	case "proc.apid":
		if !hasArg {
			break
		}
		n, err := strconv.Atoi(arg)
		if err != nil || n < 0 || n > 64 {
			return nil, fmt.Errorf("field %q: index %q is not a number from 0 to 64", full, arg)
		}
		return nf(full, func(c *ctx) (int64, bool) {
			p := c.ancestor(n)
			if p == nil {
				return 0, false
			}
			return int64(p.PID), true
		}), nil
	}
	if err := noArg(full, hasArg); err != nil {
		return nil, err
	}
	if g, ok := simpleFields[field]; ok {
		return g, nil
	}
	return nil, fmt.Errorf("field %q: %w", full, errUnsupported)
}

// argField builds evt.arg.NAME.
func argField(full, name string) (*getter, error) {
	var f func(e *event.Event) (string, bool)
	switch name {
	case "name", "path", "pathname", "filename", "file", "dirfd", "dir", "target", "oldpath", "source":
		if name == "dirfd" {
			return nil, fmt.Errorf("field %q: %w", full, errUnsupported)
		}
		f = func(e *event.Event) (string, bool) { return nonEmpty(e.Path) }
	case "newpath", "linkpath", "dev":
		f = func(e *event.Event) (string, bool) { return nonEmpty(e.Path2) }
	case "exe":
		f = func(e *event.Event) (string, bool) { return nonEmpty(e.Exe()) }
	case "args":
		f = func(e *event.Event) (string, bool) {
			argv := e.Argv()
			if len(argv) <= 1 {
				return "", true
			}
			return strings.Join(argv[1:], " "), true
		}
	case "cwd":
		f = func(e *event.Event) (string, bool) { return nonEmpty(e.Cwd) }
	case "flags", "nstype":
		f = func(e *event.Event) (string, bool) {
			switch {
			case e.Type.IsOpen():
				return openFlagsString(e.Flags), true
			case e.Type.IsExec():
				return exeFlagsString(e.Process), e.Process != nil
			case e.Type == event.Unshare || e.Type == event.Setns || e.Type == event.Clone || e.Type == event.Clone3:
				return flagsString(e.Flags, cloneFlagNames), true
			}
			return strconv.FormatUint(uint64(e.Flags), 10), true
		}
	case "mode":
		f = func(e *event.Event) (string, bool) { return modeString(e.Mode), true }
	case "uid", "ruid", "euid", "suid":
		f = func(e *event.Event) (string, bool) { return strconv.FormatUint(uint64(e.NewUID), 10), true }
	case "gid", "rgid", "egid", "sgid":
		f = func(e *event.Event) (string, bool) { return strconv.FormatUint(uint64(e.NewGID), 10), true }
	case "request":
		f = func(e *event.Event) (string, bool) { return ptraceString(e.Request), e.Type == event.Ptrace }
	case "sig":
		f = func(e *event.Event) (string, bool) { return strconv.FormatUint(uint64(e.Request), 10), true }
	case "pid":
		f = func(e *event.Event) (string, bool) { return strconv.FormatUint(uint64(e.TargetPID), 10), true }
	case "fd", "oldfd":
		f = func(e *event.Event) (string, bool) { return strconv.FormatInt(int64(e.FD), 10), true }
	case "res", "newfd":
		f = func(e *event.Event) (string, bool) { return strconv.FormatInt(e.Ret, 10), true }
	case "domain", "family":
		f = func(e *event.Event) (string, bool) { return familyString(e.Family), true }
	case "type":
		f = func(e *event.Event) (string, bool) { return nonEmpty(e.FSType) }
	case "tuple", "addr":
		f = func(e *event.Event) (string, bool) { return nonEmpty(fdName(e)) }
	default:
		return nil, fmt.Errorf("field %q (argument %q): %w", full, name, errUnsupported)
	}
	return sf(full, func(c *ctx) (string, bool) { return f(c.e) }), nil
}

func evtArgs(c *ctx) (string, bool) {
	if c.haveEvtArgs {
		return c.evtArgs, true
	}
	e := c.e
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	switch {
	case e.Type.IsExec():
		add("exe", e.Exe())
		if argv := e.Argv(); len(argv) > 1 {
			add("args", strings.Join(argv[1:], " "))
		}
	case e.Type.IsOpen():
		add("fd", strconv.FormatInt(e.Ret, 10))
		add("name", e.Path)
		add("flags", openFlagsString(e.Flags))
		add("mode", modeString(e.Mode))
	case e.Type == event.Ptrace:
		add("request", ptraceString(e.Request))
		add("pid", strconv.FormatUint(uint64(e.TargetPID), 10))
	default:
		if e.Family != 0 {
			add("domain", familyString(e.Family))
		}
		add("fd", strconv.FormatInt(int64(e.FD), 10))
		add("tuple", fdName(e))
		add("path", e.Path)
		add("path2", e.Path2)
	}
	add("res", strconv.FormatInt(e.Ret, 10))
	c.evtArgs, c.haveEvtArgs = strings.Join(parts, " "), true
	return c.evtArgs, true
}

// simpleFields are the fields without [argument].
var simpleFields = func() map[string]*getter {
	m := map[string]*getter{}
	for _, g := range fieldList() {
		m[g.name] = g
	}
	return m
}()

func fieldList() []*getter {
	return []*getter{
		// evt.*
		sf("evt.type", func(c *ctx) (string, bool) { return c.e.Type.String(), true }),
		sf("evt.dir", func(c *ctx) (string, bool) { return c.e.Dir.String(), true }),
		sf("evt.res", func(c *ctx) (string, bool) { return resString(c.e.Ret), true }),
		nf("evt.rawres", func(c *ctx) (int64, bool) { return c.e.Ret, true }),
		bf("evt.failed", func(c *ctx) bool { return c.e.Ret < 0 }),
		// evt.num counts from 1; 0 means the sensor did not number events, and
		// then the field has no value (Falco's never_true macro is evt.num=0).
		nf("evt.num", func(c *ctx) (int64, bool) { return int64(c.e.Num), c.e.Num != 0 }),
		sf("evt.time", func(c *ctx) (string, bool) { return c.e.Time.UTC().Format("15:04:05.000000000"), true }),
		sf("evt.time.s", func(c *ctx) (string, bool) { return c.e.Time.UTC().Format("15:04:05"), true }),
		sf("evt.time.iso8601", func(c *ctx) (string, bool) {
			return c.e.Time.UTC().Format("2006-01-02T15:04:05.000000000Z"), true
		}),
		sf("evt.datetime", func(c *ctx) (string, bool) {
			return c.e.Time.UTC().Format("2006-01-02 15:04:05.000000000"), true
		}),
		nf("evt.rawtime", func(c *ctx) (int64, bool) { return c.e.Time.UnixNano(), true }),
		sf("evt.hostname", func(c *ctx) (string, bool) { return nonEmpty(c.hostname) }),
		sf("evt.source", func(*ctx) (string, bool) { return "syscall", true }),
		bf("evt.is_open_read", func(c *ctx) bool {
			return c.e.Type.IsOpen() && (c.e.Flags&3 == event.ORdOnly || c.e.Flags&3 == event.ORdWr)
		}),
		bf("evt.is_open_write", func(c *ctx) bool {
			return c.e.Type.IsOpen() && (c.e.Flags&3 == event.OWrOnly || c.e.Flags&3 == event.ORdWr)
		}),
		bf("evt.is_open_exec", func(c *ctx) bool {
			return c.e.Type.IsOpen() && c.e.Flags&event.OCreat != 0 && c.e.Mode&0o111 != 0
		}),
		sf("evt.args", evtArgs),

		// proc.* and thread.*
		sf("proc.name", func(c *ctx) (string, bool) { return nonEmpty(c.e.Name()) }),
		sf("proc.exe", func(c *ctx) (string, bool) {
			if a := c.e.Argv(); len(a) > 0 {
				return a[0], true
			}
			return nonEmpty(c.e.Exe())
		}),
		sf("proc.exepath", func(c *ctx) (string, bool) { return nonEmpty(c.e.Exe()) }),
		sf("proc.cmdline", func(c *ctx) (string, bool) { return c.getCmdline(), true }),
		sf("proc.args", func(c *ctx) (string, bool) { return c.getArgs(), true }),
		sf("proc.cwd", func(c *ctx) (string, bool) {
			if p := c.proc(); p != nil && p.Cwd != "" {
				return p.Cwd, true
			}
			return nonEmpty(c.e.Cwd)
		}),
		nf("proc.pid", func(c *ctx) (int64, bool) { return int64(c.e.PID), true }),
		nf("proc.ppid", func(c *ctx) (int64, bool) {
			if p := c.proc(); p != nil && p.PPID != 0 {
				return int64(p.PPID), true
			}
			return int64(c.e.PPID), c.e.PPID != 0
		}),
		nf("proc.vpid", func(c *ctx) (int64, bool) {
			if p := c.proc(); p != nil && p.VPID != 0 {
				return int64(p.VPID), true
			}
			return int64(c.e.VPID), c.e.VPID != 0
		}),
		nf("proc.sid", func(c *ctx) (int64, bool) {
			if p := c.proc(); p != nil && p.SID != 0 {
				return int64(p.SID), true
			}
			return 0, false
		}),
		// the session leader's name: itself or an ancestor whose pid is
		// the session id (a leader that is not an ancestor is not known)
		sf("proc.sname", func(c *ctx) (string, bool) {
			p := c.proc()
			if p == nil || p.SID == 0 {
				return "", false
			}
			for a, n := p, 0; a != nil && n <= 64; a, n = a.Parent, n+1 {
				if a.PID == p.SID {
					return a.Name, true
				}
			}
			return "", false
		}),
		nf("proc.tty", func(c *ctx) (int64, bool) {
			if c.e.TTY != 0 {
				return int64(c.e.TTY), true
			}
			if p := c.proc(); p != nil {
				return int64(p.TTY), true
			}
			return 0, true
		}),
		nf("proc.duration", func(c *ctx) (int64, bool) {
			p := c.proc()
			if p == nil || p.StartTime.IsZero() {
				return 0, false
			}
			return int64(c.e.Time.Sub(p.StartTime) / time.Nanosecond), true
		}),
		sf("proc.pname", func(c *ctx) (string, bool) { return procName(c.parent()) }),
		sf("proc.pexe", func(c *ctx) (string, bool) { return procExe(c.parent()) }),
		sf("proc.pexepath", func(c *ctx) (string, bool) { return procExepath(c.parent()) }),
		sf("proc.pcmdline", func(c *ctx) (string, bool) { return c.getPcmdline() }),
		bf("proc.is_exe_upper_layer", func(c *ctx) bool { p := c.proc(); return p != nil && p.ExeUpperLayer }),
		bf("proc.is_exe_from_memfd", func(c *ctx) bool { p := c.proc(); return p != nil && p.ExeFromMemfd }),
		nf("proc.exe_ino", func(c *ctx) (int64, bool) {
			if p := c.proc(); p != nil && p.ExeIno != 0 {
				return int64(p.ExeIno), true
			}
			return 0, false
		}),
		nf("proc.exe_ino.mtime", func(c *ctx) (int64, bool) {
			if p := c.proc(); p != nil && !p.ExeMtime.IsZero() {
				return p.ExeMtime.UnixNano(), true
			}
			return 0, false
		}),
		nf("proc.exe_ino.ctime", func(c *ctx) (int64, bool) {
			if p := c.proc(); p != nil && !p.ExeCtime.IsZero() {
				return p.ExeCtime.UnixNano(), true
			}
			return 0, false
		}),
		// ns from the executable's last change to the process's start
		nf("proc.exe_ino.ctime_duration_proc_start", func(c *ctx) (int64, bool) {
			p := c.proc()
			if p == nil || p.ExeCtime.IsZero() || p.StartTime.IsZero() {
				return 0, false
			}
			return p.StartTime.Sub(p.ExeCtime).Nanoseconds(), true
		}),
		bf("proc.is_exe_writable", func(c *ctx) bool { p := c.proc(); return p != nil && p.ExeWritable }),
		nf("thread.tid", func(c *ctx) (int64, bool) { return int64(c.e.TID), true }),
		sf("thread.cap_effective", func(c *ctx) (string, bool) {
			if p := c.proc(); p != nil {
				return capString(p.CapEffective), true
			}
			return "", false
		}),

		// fd.*
		sf("fd.name", func(c *ctx) (string, bool) { return nonEmpty(fdName(c.e)) }),
		sf("fd.nameraw", func(c *ctx) (string, bool) {
			if c.e.PathRaw != "" {
				return c.e.PathRaw, true
			}
			return nonEmpty(fdName(c.e))
		}),
		sf("fd.directory", func(c *ctx) (string, bool) {
			if !hasPath(c.e) {
				return "", false
			}
			if fdType(c.e) == event.FDDirectory {
				return c.e.Path, true
			}
			return dirOf(c.e.Path), true
		}),
		sf("fd.filename", func(c *ctx) (string, bool) {
			if !hasPath(c.e) || fdType(c.e) == event.FDDirectory {
				return "", false
			}
			return path.Base(c.e.Path), true
		}),
		sf("fd.typechar", func(c *ctx) (string, bool) {
			t := fdType(c.e)
			if int(t) >= len(typeChars) {
				return "?", false
			}
			return typeChars[t], t != event.FDUnknown
		}),
		sf("fd.type", func(c *ctx) (string, bool) { return nonEmpty(fdType(c.e).String()) }),
		nf("fd.num", func(c *ctx) (int64, bool) {
			if c.e.Type.IsOpen() || c.e.Type == event.Accept || c.e.Type == event.Accept4 || c.e.Type == event.Socket {
				if c.e.Ret < 0 {
					return -1, true
				}
				return c.e.Ret, true
			}
			return int64(c.e.FD), true
		}),
		ipf("fd.sip", func(c *ctx) (netip.Addr, bool) { a, _ := serverAddr(c.e); return ipOK(a) }),
		sf("fd.sip.name", func(c *ctx) (string, bool) {
			a, _ := serverAddr(c.e)
			if !a.IsValid() || c.names == nil {
				return "", false
			}
			return c.names.name(a)
		}),
		ipf("fd.cip", func(c *ctx) (netip.Addr, bool) { a, _ := clientAddr(c.e); return ipOK(a) }),
		ipf("fd.lip", func(c *ctx) (netip.Addr, bool) { return ipOK(c.e.SAddr) }),
		ipf("fd.rip", func(c *ctx) (netip.Addr, bool) { return ipOK(c.e.DAddr) }),
		ipf("fd.snet", func(c *ctx) (netip.Addr, bool) { a, _ := serverAddr(c.e); return ipOK(a) }),
		ipf("fd.cnet", func(c *ctx) (netip.Addr, bool) { a, _ := clientAddr(c.e); return ipOK(a) }),
		ipf("fd.lnet", func(c *ctx) (netip.Addr, bool) { return ipOK(c.e.SAddr) }),
		ipf("fd.rnet", func(c *ctx) (netip.Addr, bool) { return ipOK(c.e.DAddr) }),
		{name: "fd.ip", kind: kIP, anyIP: anyEndpoint},
		{name: "fd.net", kind: kIP, anyIP: anyEndpoint},
		nf("fd.sport", func(c *ctx) (int64, bool) { _, p := serverAddr(c.e); return int64(p), isNet(c.e) }),
		nf("fd.cport", func(c *ctx) (int64, bool) { _, p := clientAddr(c.e); return int64(p), isNet(c.e) }),
		nf("fd.lport", func(c *ctx) (int64, bool) { return int64(c.e.SPort), isNet(c.e) }),
		nf("fd.rport", func(c *ctx) (int64, bool) { return int64(c.e.DPort), isNet(c.e) }),
		sf("fd.l4proto", func(c *ctx) (string, bool) {
			if c.e.Proto == event.ProtoUnknown && isNet(c.e) {
				switch c.e.Type {
				case event.Accept, event.Accept4, event.Listen:
					return "tcp", true // only stream sockets accept and listen
				}
			}
			return nonEmpty(c.e.Proto.String())
		}),
		// fd.connected: the socket has a peer (a connect or accept that
		// succeeded or is in progress). fd.name_changed: a datagram sent to an
		// explicit address, or received from a source other than the last one
		// the socket reported (the sensor sends only those receives). Both are
		// derived from the one event: bulkhead keeps no fd table.
		bf("fd.connected", func(c *ctx) bool {
			switch c.e.Type {
			case event.Connect, event.Accept, event.Accept4:
				return c.e.Ret >= 0 || c.e.Ret == -115
			}
			return false
		}),
		bf("fd.name_changed", func(c *ctx) bool {
			switch c.e.Type {
			case event.Sendto, event.Sendmsg, event.Recvfrom, event.Recvmsg:
				return c.e.DAddr.IsValid()
			}
			return false
		}),
		sf("fd.sockfamily", func(c *ctx) (string, bool) {
			switch fdType(c.e) {
			case event.FDIPv4, event.FDIPv6:
				return "ip", true
			case event.FDUnix:
				return "unix", true
			}
			return "", false
		}),

		// user.* and group.*
		sf("user.name", func(c *ctx) (string, bool) {
			if c.e.UserName != "" {
				return c.e.UserName, true
			}
			if c.e.UID == 0 {
				return "root", true
			}
			return "", false
		}),
		nf("user.uid", func(c *ctx) (int64, bool) { return int64(c.e.UID), true }),
		nf("user.loginuid", func(c *ctx) (int64, bool) {
			if c.e.LoginUID == event.NoUID {
				return -1, true
			}
			return int64(c.e.LoginUID), true
		}),
		sf("user.loginname", func(c *ctx) (string, bool) {
			if c.e.LoginName != "" {
				return c.e.LoginName, true
			}
			if c.e.LoginUID == 0 {
				return "root", true
			}
			return "", false
		}),
		// bulkhead extensions (not in Falco): the effective uid, and what a
		// process's stdin and stdout are (reverse-shell detection).
		nf("user.euid", func(c *ctx) (int64, bool) { return int64(c.e.EUID), true }),
		sf("proc.stdin.type", func(c *ctx) (string, bool) {
			if p := c.proc(); p != nil {
				return nonEmpty(p.StdinType.String())
			}
			return "", false
		}),
		sf("proc.stdout.type", func(c *ctx) (string, bool) {
			if p := c.proc(); p != nil {
				return nonEmpty(p.StdoutType.String())
			}
			return "", false
		}),
		nf("group.gid", func(c *ctx) (int64, bool) { return int64(c.e.GID), true }),
		sf("group.name", func(c *ctx) (string, bool) {
			if c.e.GroupName != "" {
				return c.e.GroupName, true
			}
			if c.e.GID == 0 {
				return "root", true
			}
			return "", false
		}),

		// container.*
		sf("container.id", func(c *ctx) (string, bool) { return containerID(c.e), true }),
		sf("container.full_id", func(c *ctx) (string, bool) {
			if !c.e.IsContainer() {
				return "host", true
			}
			return c.e.Container.ID, true
		}),
		sf("container.name", func(c *ctx) (string, bool) {
			if !c.e.IsContainer() {
				return "host", true
			}
			return nonEmpty(c.e.Container.Name)
		}),
		sf("container.type", func(c *ctx) (string, bool) {
			if !c.e.IsContainer() {
				return "host", true
			}
			return "docker", true
		}),
		sf("container.image", containerStr(func(k *event.Container) string { return k.Image })),
		sf("container.image.repository", containerStr(func(k *event.Container) string { return k.ImageRepository })),
		sf("container.image.tag", containerStr(func(k *event.Container) string { return k.ImageTag })),
		sf("container.image.digest", containerStr(func(k *event.Container) string { return k.ImageDigest })),
		bf("container.privileged", func(c *ctx) bool { return c.e.IsContainer() && c.e.Container.Privileged }),
		nf("container.start_ts", func(c *ctx) (int64, bool) {
			if !c.e.IsContainer() || c.e.Container.StartTime.IsZero() {
				return 0, false
			}
			return c.e.Container.StartTime.UnixNano(), true
		}),
	}
}

// typeChars holds fd.typechar as strings, so reading it does not allocate.
var typeChars = func() []string {
	var out []string
	for t := event.FDType(0); t.String() != "" || t == 0; t++ {
		out = append(out, string(t.Char()))
	}
	return out
}()

func containerStr(f func(*event.Container) string) func(*ctx) (string, bool) {
	return func(c *ctx) (string, bool) {
		if !c.e.IsContainer() {
			return "", false
		}
		return nonEmpty(f(c.e.Container))
	}
}

func anyEndpoint(c *ctx, pred func(netip.Addr) bool) bool {
	if !isNet(c.e) {
		return false
	}
	return (c.e.SAddr.IsValid() && pred(c.e.SAddr)) || (c.e.DAddr.IsValid() && pred(c.e.DAddr))
}

// transform wraps a getter in a transformer: tolower, toupper, b64, basename, len.
func transform(x string, g *getter) (*getter, error) {
	if g.str == nil {
		return nil, fmt.Errorf("transformer %s() needs a single-valued string field, %q is not one", x, g.name)
	}
	in := g.str
	name := x + "(" + g.name + ")"
	switch x {
	case "tolower":
		return sf(name, func(c *ctx) (string, bool) { s, ok := in(c); return strings.ToLower(s), ok }), nil
	case "toupper":
		return sf(name, func(c *ctx) (string, bool) { s, ok := in(c); return strings.ToUpper(s), ok }), nil
	case "basename":
		return sf(name, func(c *ctx) (string, bool) {
			s, ok := in(c)
			if !ok || s == "" {
				return "", ok
			}
			return path.Base(s), true
		}), nil
	case "b64":
		return sf(name, func(c *ctx) (string, bool) {
			s, ok := in(c)
			if !ok {
				return "", false
			}
			return b64decode(s)
		}), nil
	case "len":
		return nf(name, func(c *ctx) (int64, bool) { s, ok := in(c); return int64(len(s)), ok }), nil
	}
	return nil, fmt.Errorf("unknown transformer %q", x)
}
