package sensor

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
)

// Mode selects the back end.
type Mode string

// Back ends.
const (
	ModeAuto     Mode = "auto"     // BPF when it loads, the fallback otherwise
	ModeBPF      Mode = "bpf"      // BPF or an error
	ModeFallback Mode = "fallback" // proc connector + fanotify
)

// ParseMode reads a --sensor flag value ("" means auto).
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case "", ModeAuto:
		return ModeAuto, nil
	case ModeBPF, ModeFallback:
		return Mode(s), nil
	}
	return "", fmt.Errorf("parse sensor mode %q: want auto, bpf or fallback", s)
}

// Filter selects which tasks produce events; the BPF back end applies it in
// the kernel.
type Filter int

// Filters.
const (
	FilterAll        Filter = iota // every task on the host
	FilterContainers               // tasks whose pid namespace is not the host's
	FilterCgroups                  // tasks in one of Options.Cgroups
)

// Options configure Open. The zero value follows every task with the best
// available back end.
type Options struct {
	Mode   Mode
	Filter Filter
	// Cgroups are cgroup ids (the kernfs inode of the cgroup folder, as
	// Event.CgroupID reports it) followed under FilterCgroups.
	Cgroups []uint64
	// OpenPrefixes, when not empty, limit which opens (open, openat,
	// openat2) the BPF back end sends: an absolute path that starts with
	// none of them is counted in Stats.OpensSkipped and not sent. Relative
	// paths and failed opens of matching paths are sent as before. Each
	// prefix is absolute and at most 64 bytes; "/etc" also matches
	// "/etcd/x" (plain byte prefixes). DefaultOpenPrefixes lists those the
	// default rules need. The fallback ignores them.
	OpenPrefixes []string
	// RepeatWindow, when positive, makes the BPF back end count and not
	// send a successful open or openat that repeats one it sent less than
	// this long ago: same process image (no exec in between), process name,
	// uid and euid, syscall, flags, and the same file (dentry and mount).
	// Such an open differs from the one sent only in its time, thread and
	// descriptor number, so no rule can tell them apart; they are counted
	// in Stats.OpensRepeated. A process that opens a file in a loop costs
	// one event per window instead of one per open. Zero sends every open.
	// The fallback ignores it (fanotify merges repeated events itself).
	RepeatWindow time.Duration
	// FanotifyPaths are the mounts the fallback watches for opens and
	// execs; default "/". Container root file systems are added as the
	// fallback sees processes in new mount namespaces.
	FanotifyPaths []string
	// Log receives one line per notable condition (back end chosen, why
	// BPF was not used, what the fallback does not cover). Nil: silent.
	Log io.Writer
}

// Stats count what a sensor saw.
type Stats struct {
	Events        uint64 // events delivered to the channel
	Lost          uint64 // events the kernel could not queue (ring buffer full)
	DecodeErrors  uint64 // records that did not decode (malformed)
	OpensSkipped  uint64 // opens outside Options.OpenPrefixes, counted in the kernel and not sent
	OpensRepeated uint64 // opens repeating one sent within Options.RepeatWindow, counted in the kernel and not sent
}

// DefaultRepeatWindow is the RepeatWindow `bulkhead watch` uses unless told
// otherwise.
const DefaultRepeatWindow = time.Second

// maxPrefixLen is the longest prefix Options.OpenPrefixes can hold
// (PREFIX_LEN in bpf/sensor.c).
const maxPrefixLen = 64

// DefaultOpenPrefixes returns the path prefixes the default rules look at
// in opens: system directories (writes below them), sensitive files and
// directories, secrets mounts, container runtime sockets, log files,
// /proc/PID/environ, and home directories (keys, shell history).
//
// Rules that name other paths need their prefixes added. Shell history
// files are matched by name anywhere by the default rules; with these
// prefixes only those under /root and /home are seen.
func DefaultOpenPrefixes() []string {
	return []string{
		"/etc", "/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/libexec", "/usr/local/bin",
		"/usr/local/sbin", "/lib", "/boot", "/root", "/home", "/var/run", "/run", "/var/log", "/proc",
	}
}

// CheckOpenPrefixes validates Options.OpenPrefixes: absolute paths of at
// most 64 bytes.
func CheckOpenPrefixes(ps []string) error {
	for _, p := range ps {
		if len(p) == 0 || p[0] != '/' || len(p) > maxPrefixLen {
			return fmt.Errorf("open prefix %q: want an absolute path of at most %d bytes", p, maxPrefixLen)
		}
	}
	return nil
}

// Slots of the BPF back end's per-CPU stats array (STAT_* in bpf/sensor.c).
const (
	statLost        = 0 // ring buffer reservation failed
	statOpenSkipped = 3 // opens outside Options.OpenPrefixes
	statRepeated    = 4 // opens repeating one sent within Options.RepeatWindow
)

type counters struct {
	events, decodeErrors atomic.Uint64
}

// backend is one way of capturing events.
type backend interface {
	run(ctx context.Context, c *counters, out chan<- *event.Event) error
	lost() uint64
	close() error
}

// Sensor is an open event source.
type Sensor struct {
	kind     Mode
	coverage string
	be       backend
	c        counters
}

// Kind is the back end in use: ModeBPF or ModeFallback.
func (s *Sensor) Kind() Mode { return s.kind }

// Coverage is one line saying what the back end sees and does not see.
func (s *Sensor) Coverage() string { return s.coverage }

// Run sends events to out until ctx ends or the source fails; it returns nil
// when ctx ended. Sends block: a slow reader makes the kernel side count
// lost events rather than hiding them.
func (s *Sensor) Run(ctx context.Context, out chan<- *event.Event) error {
	return s.be.run(ctx, &s.c, out)
}

// Stats returns the counters so far.
func (s *Sensor) Stats() Stats {
	st := Stats{Events: s.c.events.Load(), Lost: s.be.lost(), DecodeErrors: s.c.decodeErrors.Load()}
	if f, ok := s.be.(interface{ kernelCount(slot uint32) uint64 }); ok {
		st.OpensSkipped = f.kernelCount(statOpenSkipped)
		st.OpensRepeated = f.kernelCount(statRepeated)
	}
	return st
}

// Close detaches the programs and frees the kernel resources.
func (s *Sensor) Close() error { return s.be.close() }

// coverage lines.
const (
	coverageBPF      = "eBPF sensor: exec, fork, exit, open/openat/openat2, connect/accept/bind/listen, setuid family, ptrace, module loads, mount/umount, unshare/setns, chmod/chown family, memfd_create, unlink/rename family, socket, sendto/sendmsg, recvfrom/recvmsg (new peers of unconnected non-TCP sockets), dup family, mkdir/rmdir, link/symlink family, bpf, userfaultfd, chdir/fchdir, failed execve/execveat"
	coverageFallback = "fallback sensor (proc connector + fanotify): exec, fork, exit and file opens only; NOT covered: connect/accept/bind/listen, setuid family, ptrace, module loads, mount/umount, unshare/setns, chmod/chown, memfd_create, unlink/rename, syscall results"
)

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format+"\n", args...)
	}
}

// Produces returns the event types a back end can deliver (ModeAuto and
// ModeBPF: the BPF sensor's). Rules whose event types are all outside it
// can never fire with that back end (rules.Set.Restrict).
func Produces(m Mode) func(event.Type) bool {
	var set [event.NumTypes]bool
	if m == ModeFallback {
		for _, t := range []event.Type{event.Execve, event.Clone, event.Procexit, event.Openat, event.Setresuid, event.Ptrace} {
			set[t] = true
		}
	} else {
		for _, c := range nativeSyscalls {
			set[c.Type] = true
		}
		for _, t := range []event.Type{event.Execve, event.Execveat, event.Clone, event.Procexit} {
			set[t] = true
		}
	}
	return func(t event.Type) bool { return t < event.NumTypes && set[t] }
}

// Produces reports whether this sensor can deliver events of type t.
func (s *Sensor) Produces(t event.Type) bool { return Produces(s.kind)(t) }
