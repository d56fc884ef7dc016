package sensor

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
)

// fallbackBackend reads the netlink process connector (exec, fork, exit,
// uid changes, ptrace attach) and fanotify (file opens).
type fallbackBackend struct {
	opts     Options
	nl       int // netlink socket
	fan      int // fanotify group, -1 when fanotify is not available
	self     uint32
	hostPid  uint32
	boot     time.Time
	lostN    atomic.Uint64
	mu       sync.Mutex
	procs    map[uint32]*fbProc
	marked   map[uint32]bool   // mount namespaces whose root mount is marked
	execs    map[uint32]string // pid -> file seen by FAN_OPEN_EXEC
	closeOne sync.Once
}

// fbProc is what the fallback knows about a live process.
type fbProc struct {
	ppid, uid, gid, euid uint32
	vpid                 uint32
	comm, exe            string
	args                 []string
	mntns, pidns, netns  uint32
	container            string
}

const maxFallbackProcs = 1 << 16

func openFallback(opts Options) (*Sensor, error) {
	nl, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, netlinkConnect)
	if err != nil {
		return nil, fmt.Errorf("open process connector: %w", err)
	}
	b := &fallbackBackend{opts: opts, nl: nl, fan: -1, self: uint32(os.Getpid()), boot: bootTime(),
		procs: map[uint32]*fbProc{}, marked: map[uint32]bool{}, execs: map[uint32]string{}}
	if err := unix.Bind(nl, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: cnIdxProc, Pid: 0}); err != nil {
		unix.Close(nl)
		return nil, fmt.Errorf("bind process connector: %w", err)
	}
	_ = unix.SetsockoptInt(nl, unix.SOL_SOCKET, unix.SO_RCVBUF, 8<<20)
	if err := unix.Sendto(nl, procListenMessage(0, true), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(nl)
		return nil, fmt.Errorf("subscribe to process events: %w", err)
	}
	if ns, err := nsInode(b.self, "pid"); err == nil {
		b.hostPid = ns
	}
	if opts.Filter == FilterCgroups {
		logf(opts.Log, "sensor: the fallback cannot filter by cgroup id; following container processes instead")
	}
	fan, err := unix.FanotifyInit(unix.FAN_CLASS_NOTIF|unix.FAN_CLOEXEC|unix.FAN_NONBLOCK, unix.O_RDONLY|unix.O_LARGEFILE|unix.O_CLOEXEC)
	if err != nil {
		logf(opts.Log, "sensor: fanotify not available (%v): file opens are not covered", err)
	} else {
		b.fan = fan
		paths := opts.FanotifyPaths
		if len(paths) == 0 {
			paths = []string{"/"}
		}
		for _, p := range paths {
			if err := b.markMount(p); err != nil {
				logf(opts.Log, "sensor: %v", err)
			}
		}
	}
	return &Sensor{kind: ModeFallback, coverage: coverageFallback, be: b}, nil
}

const fanMask = unix.FAN_OPEN | unix.FAN_OPEN_EXEC | unix.FAN_CLOSE_WRITE

func (b *fallbackBackend) markMount(path string) error {
	if err := unix.FanotifyMark(b.fan, unix.FAN_MARK_ADD|unix.FAN_MARK_MOUNT, fanMask, unix.AT_FDCWD, path); err != nil {
		return fmt.Errorf("fanotify mark %q: %w", path, err)
	}
	return nil
}

func nsInode(pid uint32, ns string) (uint32, error) {
	var st unix.Stat_t
	p := "/proc/" + strconv.FormatUint(uint64(pid), 10) + "/ns/" + ns
	if err := unix.Stat(p, &st); err != nil {
		return 0, err
	}
	return uint32(st.Ino), nil
}

// readFBProc reads /proc/<pid> for the fallback.
func readFBProc(pid uint32) *fbProc {
	dir := "/proc/" + strconv.FormatUint(uint64(pid), 10)
	p := &fbProc{}
	if st, err := os.ReadFile(dir + "/status"); err == nil {
		for _, line := range bytes.Split(st, []byte("\n")) {
			k, v, ok := bytes.Cut(line, []byte(":"))
			if !ok {
				continue
			}
			f := strings.Fields(string(v))
			if len(f) == 0 {
				continue
			}
			n := func(i int) uint32 {
				if i >= len(f) {
					return 0
				}
				x, _ := strconv.ParseUint(f[i], 10, 32)
				return uint32(x)
			}
			switch string(k) {
			case "Name":
				p.comm = f[0]
			case "PPid":
				p.ppid = n(0)
			case "Uid":
				p.uid, p.euid = n(0), n(1)
			case "Gid":
				p.gid = n(0)
			case "NSpid":
				p.vpid = n(len(f) - 1)
			}
		}
	} else {
		return nil
	}
	if c, err := os.ReadFile(dir + "/cmdline"); err == nil && len(c) > 0 {
		c = bytes.TrimRight(c, "\x00")
		if len(c) > 4096 {
			c = c[:4096]
		}
		p.args = strings.Split(string(c), "\x00")
	}
	p.exe, _ = os.Readlink(dir + "/exe")
	p.exe = strings.TrimSuffix(p.exe, " (deleted)")
	p.mntns, _ = nsInode(pid, "mnt")
	p.pidns, _ = nsInode(pid, "pid")
	p.netns, _ = nsInode(pid, "net")
	if cg, err := os.ReadFile(dir + "/cgroup"); err == nil {
		for _, line := range strings.Split(string(cg), "\n") {
			parts := strings.SplitN(line, ":", 3)
			if len(parts) != 3 {
				continue
			}
			elems := strings.Split(parts[2], "/")
			for i := len(elems) - 1; i >= 0 && p.container == ""; i-- {
				p.container = ContainerIDFromCgroupName(elems[i])
			}
			if p.container != "" {
				break
			}
		}
	}
	return p
}

func (b *fallbackBackend) proc(pid uint32, refresh bool) *fbProc {
	b.mu.Lock()
	p, ok := b.procs[pid]
	b.mu.Unlock()
	if ok && !refresh {
		return p
	}
	p = readFBProc(pid)
	if p == nil {
		return nil
	}
	b.mu.Lock()
	if len(b.procs) >= maxFallbackProcs {
		clear(b.procs)
	}
	b.procs[pid] = p
	b.mu.Unlock()
	return p
}

func (b *fallbackBackend) wanted(pid uint32, p *fbProc) bool {
	if pid == b.self || p == nil {
		return false
	}
	if b.opts.Filter != FilterAll {
		return p.pidns != b.hostPid || p.container != ""
	}
	return true
}

func (b *fallbackBackend) newEvent(pid uint32, p *fbProc, ts uint64) *event.Event {
	e := &event.Event{PID: pid, TID: pid, PPID: p.ppid, VPID: p.vpid, UID: p.uid, GID: p.gid, EUID: p.euid,
		LoginUID: event.NoUID, Comm: p.comm, ExePath: p.exe, Args: p.args, MntNS: p.mntns, PidNS: p.pidns,
		NetNS: p.netns, FD: -1, NewUID: event.NoUID, NewGID: event.NoUID, Time: time.Now()}
	if ts != 0 && !b.boot.IsZero() {
		e.Time = b.boot.Add(time.Duration(ts))
	}
	if p.container != "" {
		e.Container = &event.Container{ID: p.container}
	}
	return e
}

// procEvents turns connector messages into events.
func (b *fallbackBackend) procEvents(evs []ProcEvent) []*event.Event {
	var out []*event.Event
	for _, pe := range evs {
		switch pe.What {
		case procEventExec:
			p := b.proc(pe.TGID, true)
			b.mu.Lock()
			execPath, ok := b.execs[pe.TGID]
			delete(b.execs, pe.TGID)
			b.mu.Unlock()
			if ok && (p == nil || p.exe == "") {
				// gone (or a zombie) before /proc could be read: report
				// the file fanotify saw
				if p == nil {
					p = &fbProc{comm: filepath.Base(execPath)}
				}
				p.exe = execPath
				if len(p.args) == 0 {
					p.args = []string{execPath}
				}
			}
			if !b.wanted(pe.TGID, p) {
				continue
			}
			if b.fan >= 0 && p.mntns != 0 {
				b.mu.Lock()
				seen := b.marked[p.mntns]
				b.marked[p.mntns] = true
				b.mu.Unlock()
				if !seen {
					// the container's root mount: opens inside it are not
					// seen through the host's mounts
					_ = b.markMount("/proc/" + strconv.FormatUint(uint64(pe.TGID), 10) + "/root/")
				}
			}
			e := b.newEvent(pe.TGID, p, pe.Timestamp)
			e.Type, e.Path = event.Execve, p.exe
			out = append(out, e)
		case procEventFork:
			if pe.PID != pe.TGID {
				continue // a thread
			}
			p := b.proc(pe.TGID, true)
			if !b.wanted(pe.TGID, p) {
				continue
			}
			e := b.newEvent(pe.TGID, p, pe.Timestamp)
			e.Type, e.PPID = event.Clone, pe.ParentTGID
			out = append(out, e)
		case procEventExit:
			if pe.PID != pe.TGID {
				continue
			}
			b.mu.Lock()
			p := b.procs[pe.TGID]
			delete(b.procs, pe.TGID)
			b.mu.Unlock()
			if p == nil || !b.wanted(pe.TGID, p) {
				continue
			}
			e := b.newEvent(pe.TGID, p, pe.Timestamp)
			e.Type, e.Ret = event.Procexit, int64(pe.ExitCode)
			out = append(out, e)
		case procEventUID:
			p := b.proc(pe.TGID, false)
			if !b.wanted(pe.TGID, p) {
				continue
			}
			// the connector reports the ids after the change; like the
			// BPF sensor, the event carries them (enrichment puts the
			// caller's back from its process table)
			b.mu.Lock()
			p.uid, p.euid = pe.RUID, pe.EUID
			b.mu.Unlock()
			e := b.newEvent(pe.TGID, p, pe.Timestamp)
			e.Type, e.NewUID = event.Setresuid, pe.EUID
			out = append(out, e)
		case procEventPtrace:
			if pe.ParentTGID == 0 {
				continue // detach
			}
			p := b.proc(pe.ParentTGID, false)
			if !b.wanted(pe.ParentTGID, p) {
				continue
			}
			e := b.newEvent(pe.ParentTGID, p, pe.Timestamp)
			e.Type, e.Request, e.TargetPID = event.Ptrace, event.PtraceAttach, pe.TGID
			out = append(out, e)
		}
	}
	return out
}

// fanotify_event_metadata
const fanMetaLen = 24

func (b *fallbackBackend) fanEvents(buf []byte) []*event.Event {
	le := binary.LittleEndian
	var out []*event.Event
	for len(buf) >= fanMetaLen {
		evLen := int(le.Uint32(buf))
		if evLen < fanMetaLen || evLen > len(buf) {
			break
		}
		mask := le.Uint64(buf[8:])
		fd := int(int32(le.Uint32(buf[16:])))
		pid := le.Uint32(buf[20:])
		buf = buf[evLen:]
		if mask&unix.FAN_Q_OVERFLOW != 0 {
			b.lostN.Add(1)
		}
		if fd < 0 {
			continue
		}
		path, _ := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
		unix.Close(fd)
		if mask&unix.FAN_OPEN_EXEC != 0 {
			// the connector reports the exec; remember the file in case
			// the process is gone before /proc can be read
			b.mu.Lock()
			if len(b.execs) >= maxFallbackProcs {
				clear(b.execs)
			}
			b.execs[pid] = path
			b.mu.Unlock()
			continue
		}
		p := b.proc(pid, false)
		if !b.wanted(pid, p) {
			continue
		}
		e := b.newEvent(pid, p, 0)
		e.Type, e.Path, e.FDType = event.Openat, path, event.FDFile
		if mask&unix.FAN_CLOSE_WRITE != 0 {
			// written and closed: reported as a write open
			e.Flags = event.OWrOnly
		}
		out = append(out, e)
	}
	return out
}

func (b *fallbackBackend) run(ctx context.Context, c *counters, out chan<- *event.Event) error {
	fds := []unix.PollFd{{Fd: int32(b.nl), Events: unix.POLLIN}}
	if b.fan >= 0 {
		fds = append(fds, unix.PollFd{Fd: int32(b.fan), Events: unix.POLLIN})
	}
	buf := make([]byte, 64<<10)
	send := func(evs []*event.Event) bool {
		for _, e := range evs {
			select {
			case out <- e:
				c.events.Add(1)
			case <-ctx.Done():
				return false
			}
		}
		return true
	}
	for ctx.Err() == nil {
		n, err := unix.Poll(fds, 200)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return fmt.Errorf("poll fallback sensor: %w", err)
		}
		if n == 0 {
			continue
		}
		if fds[0].Revents&unix.POLLIN != 0 {
			m, _, err := unix.Recvfrom(b.nl, buf, unix.MSG_DONTWAIT)
			switch {
			case errors.Is(err, unix.ENOBUFS):
				b.lostN.Add(1) // the socket overflowed: an unknown number of messages lost
			case errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR):
			case err != nil:
				return fmt.Errorf("read process connector: %w", err)
			default:
				evs, perr := ParseProcEvents(buf[:m])
				if perr != nil {
					c.decodeErrors.Add(1)
				}
				if !send(b.procEvents(evs)) {
					return nil
				}
			}
		}
		if len(fds) > 1 && fds[1].Revents&unix.POLLIN != 0 {
			m, err := unix.Read(b.fan, buf)
			if err != nil && !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR) {
				return fmt.Errorf("read fanotify: %w", err)
			}
			if m > 0 && !send(b.fanEvents(buf[:m])) {
				return nil
			}
		}
	}
	return nil
}

func (b *fallbackBackend) lost() uint64 { return b.lostN.Load() }

func (b *fallbackBackend) close() error {
	var err error
	b.closeOne.Do(func() {
		_ = unix.Sendto(b.nl, procListenMessage(0, false), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
		err = unix.Close(b.nl)
		if b.fan >= 0 {
			err = errors.Join(err, unix.Close(b.fan))
		}
	})
	return err
}
