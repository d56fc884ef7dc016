// Package enrich attaches process and container context to runtime events.
//
// An Enricher keeps a process table (seeded from /proc, updated by exec, fork
// and exit events) from which each event gets an event.Process with its
// parent chain (proc.pname, proc.aname[N]), and maps processes to containers:
// the container id comes from the sensor's cgroup name or from
// /proc/PID/cgroup (Docker cgroupfs, systemd scopes, cgroup v2), cached by
// cgroup id; name, image, labels and privileged come from the Docker API
// (GET /containers/{id}/json), kept while the container lives and evicted on
// its destroy event from GET /events. On exec it also works out whether the
// executable lives in the container's overlay upper directory (a file added
// after the container started: drift) and what stdin and stdout are.
package enrich

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
)

// Options configure New.
type Options struct {
	// ProcRoot is where procfs is mounted; default "/proc".
	ProcRoot string
	// DockerSocket is the daemon's socket; default DefaultDockerSocket. When
	// NoDocker is set, containers carry their id only.
	DockerSocket string
	NoDocker     bool
	// Log receives one line per notable condition. Nil: silent.
	Log io.Writer
}

// Stats count enrichment work.
type Stats struct {
	Processes     int    // entries in the process table
	Containers    int    // containers known
	ProcReads     uint64 // /proc lookups for processes not seen before
	InspectErrors uint64 // Docker inspect calls that failed
	DockerEvents  uint64 // container start and destroy events handled
}

// node is one process table entry.
type node struct {
	pid, ppid   uint32
	info        event.Process // without Parent
	containerID string
	built       *event.Process // cached Process with Parent chain; nil after a change
	builtParent *event.Process
}

// Enricher attaches context to events. Enrich must be called from one
// goroutine; Run (the Docker event follower) may run beside it.
type Enricher struct {
	procRoot string
	docker   *Docker
	log      io.Writer

	procs map[uint32]*node
	// cgroup id -> container id ("" for host cgroups)
	byCgroup map[uint64]string

	nprocs    atomic.Int64
	procReads atomic.Uint64

	mu         sync.Mutex
	containers map[string]*ContainerInfo
	failed     map[string]time.Time // inspect failures, retried after a while
	gone       map[string]bool      // destroyed while an inspection was under way
	stats      Stats

	nameTables map[string]*nameTable // container id ("host") -> user and group names

	inflight map[string]chan struct{} // inspections under way (under mu)
	sem      chan struct{}            // bounds concurrent inspections
	ready    chan string              // ids whose inspection ended
}

// New builds an Enricher and seeds its process table from /proc.
func New(opts Options) (*Enricher, error) {
	e := &Enricher{
		procRoot:   opts.ProcRoot,
		log:        opts.Log,
		procs:      map[uint32]*node{},
		byCgroup:   map[uint64]string{},
		containers: map[string]*ContainerInfo{},
		failed:     map[string]time.Time{},
		gone:       map[string]bool{},
		nameTables: map[string]*nameTable{},
		inflight:   map[string]chan struct{}{},
		sem:        make(chan struct{}, inspectWorkers),
		ready:      make(chan string, 256),
	}
	if e.procRoot == "" {
		e.procRoot = "/proc"
	}
	if !opts.NoDocker {
		sock := opts.DockerSocket
		if sock == "" {
			sock = DefaultDockerSocket
		}
		e.docker = NewDocker(sock)
	}
	ents, err := os.ReadDir(e.procRoot)
	if err != nil {
		return nil, fmt.Errorf("seed process table from %q: %w", e.procRoot, err)
	}
	for _, ent := range ents {
		pid, err := strconv.ParseUint(ent.Name(), 10, 32)
		if err != nil {
			continue
		}
		if p, err := readProc(e.procRoot, uint32(pid)); err == nil {
			e.put(p)
		}
	}
	e.nprocs.Store(int64(len(e.procs)))
	return e, nil
}

func (e *Enricher) logf(format string, args ...any) {
	if e.log != nil {
		fmt.Fprintf(e.log, format+"\n", args...)
	}
}

func (e *Enricher) put(p *procInfo) *node {
	n := &node{pid: p.PID, ppid: p.PPID, containerID: p.ContainerID}
	n.info = event.Process{
		PID: p.PID, PPID: p.PPID, SID: p.SID, Name: p.Name, ExePath: p.Exe, Args: p.Args, Cwd: p.Cwd,
		UID: p.UID, EUID: p.EUID, GID: p.GID, LoginUID: p.LoginUID,
	}
	e.procs[p.PID] = n
	return n
}

// lookup returns the node of pid, reading /proc when it is not known.
func (e *Enricher) lookup(pid uint32) *node {
	if n, ok := e.procs[pid]; ok {
		return n
	}
	if pid == 0 {
		return nil
	}
	e.procReads.Add(1)
	p, err := readProc(e.procRoot, pid)
	if err != nil {
		return nil
	}
	return e.put(p)
}

// process returns the Process of n with its parent chain.
func (e *Enricher) process(n *node, depth int) *event.Process {
	var parent *event.Process
	if depth < maxAncestors && n.ppid != 0 && n.ppid != n.pid {
		if pn, ok := e.procs[n.ppid]; ok {
			parent = e.process(pn, depth+1)
		}
	}
	if n.built != nil && n.builtParent == parent {
		return n.built
	}
	p := n.info
	p.Parent = parent
	n.built, n.builtParent = &p, parent
	return n.built
}

// credChange reports whether t is a setuid- or setgid-family call.
func credChange(t event.Type) bool {
	switch t {
	case event.Setuid, event.Setgid, event.Setreuid, event.Setregid, event.Setresuid, event.Setresgid:
		return true
	}
	return false
}

// swapCreds handles a setuid- or setgid-family call. Sensors report the
// credentials the call left (the kernel has changed them by the time it
// returns); rules want the caller's ("a non-root user became root"), which
// the process table holds. The table takes the new ones when the call
// succeeded. When the table does not know the caller's (NoUID), the event
// keeps what the sensor saw.
func (e *Enricher) swapCreds(n *node, ev *event.Event) {
	before := n.info
	if ev.Ret == 0 {
		n.info.UID, n.info.EUID, n.info.GID = ev.UID, ev.EUID, ev.GID
		n.built = nil
	}
	if before.UID != event.NoUID && before.EUID != event.NoUID {
		ev.UID, ev.EUID = before.UID, before.EUID
	}
	if before.GID != event.NoUID {
		ev.GID = before.GID
	}
}

// Enrich attaches Process and Container to ev and updates the process table
// from exec, fork, exit and setuid-family events.
func (e *Enricher) Enrich(ctx context.Context, ev *event.Event) {
	if ev.Path != "" && !strings.HasPrefix(ev.Path, "/") && hasFilePath(ev) {
		e.resolve(ev)
	}
	var n *node
	ty := ev.Type
	if ev.Type.IsExec() && ev.Ret < 0 {
		ty = event.Unknown // a failed exec: the process keeps its image
	}
	switch ty {
	case event.Execve, event.Execveat:
		n = e.procs[ev.PID]
		if n == nil {
			n = &node{pid: ev.PID, ppid: ev.PPID}
			e.procs[ev.PID] = n
			if pn, ok := e.procs[ev.PPID]; ok {
				n.containerID = pn.containerID
			}
		}
		n.ppid = ev.PPID
		n.info = event.Process{
			PID: ev.PID, PPID: ev.PPID, VPID: ev.VPID, Name: ev.Comm, ExePath: ev.ExePath,
			Args: ev.Args, Cwd: n.info.Cwd, UID: ev.UID, EUID: ev.EUID, GID: ev.GID,
			LoginUID: ev.LoginUID, StartTime: ev.Time,
			ExeFromMemfd: strings.HasPrefix(ev.ExePath, "/memfd:"),
		}
		if n.info.Args == nil {
			n.info.Args = []string{ev.ExePath}
		}
		if ev.Cwd != "" {
			n.info.Cwd = ev.Cwd // read by the sensor at the exec
		}
		if ev.ExecStdio {
			// read by the sensor at the exec: no race with a short
			// process, no /proc reads
			n.info.TTY, n.info.StdinType, n.info.StdoutType = ev.TTY, ev.StdinType, ev.StdoutType
		} else {
			n.info.TTY, n.info.SID = statTTYSession(e.procRoot, ev.PID)
			n.info.StdinType = fdType(e.procRoot, ev.PID, 0)
			n.info.StdoutType = fdType(e.procRoot, ev.PID, 1)
		}
		if ev.SID != 0 {
			n.info.SID = ev.SID
		}
		n.info.ExeIno, n.info.ExeMtime, n.info.ExeCtime = ev.ExeIno, ev.ExeMtime, ev.ExeCtime
		n.built = nil
	case event.Clone, event.Fork, event.Vfork, event.Clone3:
		if ev.Ret != 0 || ev.PID == 0 {
			break // the parent's side of the call
		}
		pn := e.lookup(ev.PPID)
		n = &node{pid: ev.PID, ppid: ev.PPID}
		if pn != nil {
			n.info = pn.info
			n.containerID = pn.containerID
		} else {
			n.info = event.Process{Name: ev.Comm, UID: ev.UID, EUID: ev.EUID, GID: ev.GID, LoginUID: ev.LoginUID}
		}
		n.info.PID, n.info.PPID, n.info.VPID = ev.PID, ev.PPID, ev.VPID
		n.info.StartTime = ev.Time
		e.procs[ev.PID] = n
	default:
		n = e.lookup(ev.PID)
		if n != nil && credChange(ev.Type) {
			e.swapCreds(n, ev)
		}
		if n != nil && (ev.Type == event.Chdir || ev.Type == event.Fchdir) && ev.Ret == 0 && ev.Cwd != "" {
			n.info.Cwd = ev.Cwd // proc.cwd follows the process
			n.built = nil
		}
	}
	if n != nil {
		if n.info.VPID == 0 && ev.VPID != 0 {
			n.info.VPID = ev.VPID
			n.built = nil
		}
		ev.Process = e.process(n, 0)
	}

	// container
	id := ""
	if ev.Container != nil {
		id = ev.Container.ID
	} else if cid, ok := e.byCgroup[ev.CgroupID]; ok && ev.CgroupID != 0 {
		id = cid
	} else if n != nil {
		id = n.containerID
		if id == "" && (ev.Type == event.Execve || ev.CgroupID != 0) && ev.Type != event.Procexit {
			// the process may have moved into a container cgroup since
			// it was read (runc joins the cgroup before exec); with a
			// cgroup id the answer is cached below
			if b, err := readLimited(filepath.Join(e.procRoot, strconv.FormatUint(uint64(ev.PID), 10), "cgroup"), maxCgroup); err == nil {
				id = ContainerIDFromCgroup(b)
			}
		}
		if ev.CgroupID != 0 {
			if len(e.byCgroup) >= maxCgroups {
				clear(e.byCgroup)
			}
			e.byCgroup[ev.CgroupID] = id
		}
	}
	if n != nil && id != "" && n.containerID != id {
		n.containerID = id
	}
	if id != "" {
		ci := e.container(ctx, id)
		ev.Container = &ci.Container
		if ev.Type.IsExec() && ev.Ret >= 0 && n != nil {
			upper := ev.ExeUpperLayer
			if !ev.ExeLayerKnown {
				upper = ci.UpperDir != "" && ev.ExePath != "" && inUpperDir(e.procRoot, ev.PID, ci.UpperDir, ev.ExePath)
			}
			if upper {
				n.info.ExeUpperLayer = true
				n.built = nil
				ev.Process = e.process(n, 0)
			}
		}
	}
	if ev.Type != event.Procexit {
		e.names(ev, id)
	}
	if ev.Type == event.Procexit {
		delete(e.procs, ev.PID)
	}
	e.nprocs.Store(int64(len(e.procs)))
}

// inUpperDir reports whether exe (a path in the container) is a file of the
// container's overlay upper directory, i.e. written after the container
// started, when the sensor could not tell at the exec. A non-empty regular
// file only: Docker leaves an empty placeholder there for a file
// bind-mounted into the container, and a path that is a mount point in the
// process's mount table is never the overlay's. A file deleted before this
// check runs is missed: the BPF sensor decides at the exec instead.
func inUpperDir(procRoot string, pid uint32, upperDir, exe string) bool {
	exe = filepath.Clean("/" + exe)
	fi, err := os.Lstat(filepath.Join(upperDir, exe))
	if err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 {
		return false
	}
	b, err := readLimited(filepath.Join(procRoot, strconv.FormatUint(uint64(pid), 10), "mountinfo"), 1<<20)
	if err != nil {
		return true
	}
	return !isMountPoint(string(b), exe)
}

// isMountPoint reports whether p is the mount point (field 5) of a line of
// a mountinfo file. Octal escapes (\040 for a space) are decoded.
func isMountPoint(mountinfo, p string) bool {
	for _, line := range strings.Split(mountinfo, "\n") {
		f := strings.Fields(line)
		if len(f) >= 5 && unescapeMount(f[4]) == p {
			return true
		}
	}
	return false
}

func unescapeMount(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] >= '0' && s[i+1] <= '3' {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// maxCgroups bounds the cgroup cache; it is cleared when full.
const maxCgroups = 1 << 16

// inspectRetry is how long a failed inspect is remembered.
const inspectRetry = 5 * time.Second

// Inspections run beside the event stream, at most inspectWorkers at once;
// each tries inspectAttempts times (inspectTimeout each, backing off
// between), except for a container the daemon does not know.
const (
	inspectWorkers  = 4
	inspectAttempts = 3
	inspectTimeout  = 2 * time.Second
)

// container returns what is known about id. It never waits for the daemon:
// an unknown container is inspected in the background (Pending reports it)
// and a placeholder with the id alone is returned meanwhile.
func (e *Enricher) container(ctx context.Context, id string) *ContainerInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	if ci, ok := e.containers[id]; ok {
		return ci
	}
	placeholder := &ContainerInfo{Container: event.Container{ID: id}}
	if e.docker == nil {
		return placeholder
	}
	if failedAt, failed := e.failed[id]; failed && time.Since(failedAt) < inspectRetry {
		return placeholder
	}
	if _, busy := e.inflight[id]; !busy {
		done := make(chan struct{})
		e.inflight[id] = done
		go e.inspect(ctx, id, done)
	}
	return placeholder
}

// inspect asks the daemon about id, with retries, in the bounded pool.
func (e *Enricher) inspect(ctx context.Context, id string, done chan struct{}) {
	var got *ContainerInfo
	var err error
	select {
	case e.sem <- struct{}{}:
		for try := 0; try < inspectAttempts && ctx.Err() == nil; try++ {
			if try > 0 {
				select {
				case <-ctx.Done():
				case <-time.After(time.Duration(try*try) * 200 * time.Millisecond):
				}
			}
			ictx, cancel := context.WithTimeout(ctx, inspectTimeout)
			got, err = e.docker.Inspect(ictx, id)
			cancel()
			if err == nil || strings.Contains(err.Error(), "404") {
				break // known, or gone: no point asking again
			}
		}
		<-e.sem
	case <-ctx.Done():
		err = ctx.Err()
	}
	e.mu.Lock()
	if err != nil {
		e.stats.InspectErrors++
		e.failed[id] = time.Now()
		e.logf("enrich: %v", err)
	} else if !e.gone[id] {
		// A container destroyed while it was inspected is not stored: the
		// answer would outlive it.
		delete(e.failed, id)
		e.containers[id] = got
	}
	delete(e.gone, id)
	delete(e.inflight, id)
	e.mu.Unlock()
	close(done)
	select {
	case e.ready <- id:
	default: // the reader is behind: it releases on its deadline
	}
}

// Pending returns a channel closed when the inspection of container id in
// progress ends, or nil when none is.
func (e *Enricher) Pending(id string) <-chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	if ch, ok := e.inflight[id]; ok {
		return ch
	}
	return nil
}

// Ready delivers the ids of containers whose inspection ended (successful
// or not). Sends are dropped when nobody reads.
func (e *Enricher) Ready() <-chan string { return e.ready }

// Refresh attaches what is now known of ev's container (after Pending), and
// decides drift from the upper directory if the sensor did not.
func (e *Enricher) Refresh(ev *event.Event) {
	if ev.Container == nil {
		return
	}
	e.mu.Lock()
	ci, ok := e.containers[ev.Container.ID]
	e.mu.Unlock()
	if !ok {
		return
	}
	ev.Container = &ci.Container
	if ev.Type.IsExec() && ev.Ret >= 0 && !ev.ExeLayerKnown && ev.Process != nil && !ev.Process.ExeUpperLayer &&
		ci.UpperDir != "" && ev.ExePath != "" && inUpperDir(e.procRoot, ev.PID, ci.UpperDir, ev.ExePath) {
		if n := e.procs[ev.PID]; n != nil {
			n.info.ExeUpperLayer = true
			n.built = nil
			ev.Process = e.process(n, 0)
		}
	}
}

// Run follows the Docker event stream until ctx ends: started containers are
// inspected ahead of their first event, destroyed ones are forgotten. It
// reconnects after a broken stream and returns nil when ctx ends.
func (e *Enricher) Run(ctx context.Context) error {
	if e.docker == nil {
		<-ctx.Done()
		return nil
	}
	for ctx.Err() == nil {
		err := e.docker.Events(ctx, func(ce ContainerEvent) {
			switch ce.Action {
			case "start":
				// Inspect again (a restart may change the upper dir), but
				// keep what is known until the answer comes: the start
				// event comes after the container's first processes ran,
				// and their later events must not lose the name and
				// image that their first ones had.
				e.mu.Lock()
				delete(e.failed, ce.ID)
				_, known := e.containers[ce.ID]
				if _, busy := e.inflight[ce.ID]; known && !busy {
					done := make(chan struct{})
					e.inflight[ce.ID] = done
					go e.inspect(ctx, ce.ID, done)
				}
				e.mu.Unlock()
				if !known {
					e.container(ctx, ce.ID)
				}
			case "destroy":
				e.mu.Lock()
				delete(e.containers, ce.ID)
				delete(e.failed, ce.ID)
				if _, busy := e.inflight[ce.ID]; busy {
					e.gone[ce.ID] = true
				}
				e.mu.Unlock()
			}
			if ce.Action == "start" || ce.Action == "destroy" {
				e.mu.Lock()
				e.stats.DockerEvents++
				e.mu.Unlock()
			}
		})
		if err != nil && ctx.Err() == nil {
			e.logf("enrich: %v; retrying in 2s", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
	return nil
}

// Stats returns the current counts.
func (e *Enricher) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.stats
	s.Containers = len(e.containers)
	s.Processes = int(e.nprocs.Load())
	s.ProcReads = e.procReads.Load()
	return s
}

// atFDCWD is AT_FDCWD as the sensor reports a dirfd argument.
const atFDCWD = -100

// hasFilePath reports whether ev's Path names a file that a relative path
// would be resolved against the working directory or a dirfd for.
func hasFilePath(ev *event.Event) bool {
	switch ev.Type {
	case event.Open, event.Openat, event.Openat2, event.Creat, event.Chmod, event.Fchmodat, event.Chown,
		event.Lchown, event.Fchownat, event.Unlink, event.Unlinkat, event.Rename, event.Renameat,
		event.Renameat2, event.Execve, event.Execveat, event.Mkdir, event.Mkdirat, event.Rmdir:
		return true
	}
	return false
}

// resolve makes a relative Path absolute against the process's working
// directory (or, for the *at calls, the directory fd), read from /proc now.
// The path as given is kept in PathRaw.
func (e *Enricher) resolve(ev *event.Event) {
	dir := filepath.Join(e.procRoot, strconv.FormatUint(uint64(ev.PID), 10))
	base := "cwd"
	switch ev.Type {
	case event.Openat, event.Openat2, event.Fchmodat, event.Fchownat, event.Unlinkat, event.Renameat, event.Renameat2:
		if ev.FD != atFDCWD && ev.FD >= 0 {
			base = "fd/" + strconv.Itoa(int(ev.FD))
		}
	}
	d, err := os.Readlink(filepath.Join(dir, base))
	if err != nil || !strings.HasPrefix(d, "/") {
		return
	}
	ev.PathRaw = ev.Path
	ev.Path = filepath.Join(d, ev.Path)
	if ev.Type == event.Execve || ev.Type == event.Execveat {
		ev.ExePath = ev.Path
	}
}

// statTTYSession reads the controlling terminal (tty_nr, field 7) and the
// session id (field 6) of /proc/PID/stat.
func statTTYSession(procRoot string, pid uint32) (tty, sid uint32) {
	b, err := readLimited(filepath.Join(procRoot, strconv.FormatUint(uint64(pid), 10), "stat"), 4096)
	if err != nil {
		return 0, 0
	}
	// the command name (field 2) is in parentheses and may hold spaces
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state); session is field 6, tty_nr field 7
	if len(f) < 5 {
		return 0, 0
	}
	if v, err := strconv.ParseUint(f[3], 10, 32); err == nil {
		sid = uint32(v)
	}
	if v, err := strconv.ParseInt(f[4], 10, 64); err == nil && v >= 0 {
		tty = uint32(v)
	}
	return tty, sid
}
