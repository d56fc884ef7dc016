package enrich

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
)

// Limits on what is read from /proc for one process.
const (
	maxCmdline   = 4096
	maxArgs      = 256
	maxCgroup    = 64 << 10
	maxStatus    = 16 << 10
	maxNetTable  = 8 << 20
	maxAncestors = 64
)

// procInfo is what /proc says about a process.
type procInfo struct {
	PID, PPID, SID           uint32
	Name, Exe, Cwd           string
	Args                     []string
	UID, EUID, GID, LoginUID uint32
	ContainerID              string
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}

// readProc reads /proc/<pid>. It fails only when the process is gone.
func readProc(procRoot string, pid uint32) (*procInfo, error) {
	dir := filepath.Join(procRoot, strconv.FormatUint(uint64(pid), 10))
	status, err := readLimited(filepath.Join(dir, "status"), maxStatus)
	if err != nil {
		return nil, fmt.Errorf("read process %d: %w", pid, err)
	}
	p := parseStatus(status)
	p.PID = pid
	if b, err := readLimited(filepath.Join(dir, "cmdline"), maxCmdline); err == nil {
		p.Args = SplitCmdline(b)
	}
	p.Exe, _ = os.Readlink(filepath.Join(dir, "exe"))
	p.Exe = strings.TrimSuffix(p.Exe, " (deleted)")
	p.Cwd, _ = os.Readlink(filepath.Join(dir, "cwd"))
	if b, err := readLimited(filepath.Join(dir, "loginuid"), 32); err == nil {
		if v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 32); err == nil {
			p.LoginUID = uint32(v)
		}
	}
	if b, err := readLimited(filepath.Join(dir, "cgroup"), maxCgroup); err == nil {
		p.ContainerID = ContainerIDFromCgroup(b)
	}
	return p, nil
}

// parseStatus reads Name, PPid, Uid, Gid and NSsid (the session id, first
// in the host's pid namespace) from /proc/PID/status.
func parseStatus(b []byte) *procInfo {
	p := &procInfo{LoginUID: event.NoUID, UID: event.NoUID, EUID: event.NoUID, GID: event.NoUID}
	for _, line := range bytes.Split(b, []byte("\n")) {
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		v = bytes.TrimSpace(v)
		switch string(k) {
		case "Name":
			p.Name = string(v)
		case "PPid":
			if n, err := strconv.ParseUint(string(v), 10, 32); err == nil {
				p.PPID = uint32(n)
			}
		case "NSsid":
			f, _, _ := bytes.Cut(v, []byte("\t"))
			if n, err := strconv.ParseUint(string(bytes.TrimSpace(f)), 10, 32); err == nil {
				p.SID = uint32(n)
			}
		case "Uid", "Gid":
			f := strings.Fields(string(v))
			ids := make([]uint32, 0, 2)
			for _, s := range f[:min(2, len(f))] {
				n, err := strconv.ParseUint(s, 10, 32)
				if err != nil {
					break
				}
				ids = append(ids, uint32(n))
			}
			if string(k) == "Gid" {
				if len(ids) > 0 {
					p.GID = ids[0]
				}
				continue
			}
			if len(ids) > 0 {
				p.UID = ids[0]
			}
			if len(ids) > 1 {
				p.EUID = ids[1]
			}
		}
	}
	return p
}

// SplitCmdline splits /proc/PID/cmdline (NUL-separated) into at most 256
// arguments.
func SplitCmdline(b []byte) []string {
	b = bytes.TrimRight(b, "\x00")
	if len(b) == 0 {
		return nil
	}
	parts := bytes.SplitN(b, []byte{0}, maxArgs)
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = string(p)
	}
	return out
}

// ContainerIDFromCgroup finds a container id in the text of /proc/PID/cgroup:
// Docker's cgroupfs paths (/docker/<64 hex>), systemd scopes
// (docker-<64 hex>.scope, also cri-containerd-, crio- and libpod-) under
// cgroup v1 or v2. It returns "" for a host process.
func ContainerIDFromCgroup(b []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), maxCgroup)
	for sc.Scan() {
		// hierarchy-ID:controller-list:cgroup-path
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		elems := strings.Split(parts[2], "/")
		for i := len(elems) - 1; i >= 0; i-- {
			if id := containerIDFromName(elems[i]); id != "" {
				return id
			}
		}
	}
	return ""
}

func containerIDFromName(name string) string {
	for _, p := range []string{"docker-", "cri-containerd-", "crio-", "libpod-"} {
		name = strings.TrimPrefix(name, p)
	}
	name = strings.TrimSuffix(name, ".scope")
	if len(name) != 64 {
		return ""
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return ""
		}
	}
	return name
}

var errNotSocket = errors.New("not a socket")

// fdType classifies /proc/PID/fd/N.
func fdType(procRoot string, pid uint32, fd int) event.FDType {
	dir := filepath.Join(procRoot, strconv.FormatUint(uint64(pid), 10))
	link, err := os.Readlink(filepath.Join(dir, "fd", strconv.Itoa(fd)))
	if err != nil {
		return event.FDUnknown
	}
	switch {
	case strings.HasPrefix(link, "socket:["):
		ino := strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")
		t, err := socketType(dir, ino)
		if err != nil {
			return event.FDUnknown
		}
		return t
	case strings.HasPrefix(link, "pipe:["):
		return event.FDPipe
	case strings.HasPrefix(link, "anon_inode:"):
		switch strings.TrimPrefix(link, "anon_inode:") {
		case "[eventfd]":
			return event.FDEvent
		case "[eventpoll]":
			return event.FDEventPoll
		case "[signalfd]":
			return event.FDSignalfd
		case "[timerfd]":
			return event.FDTimerfd
		case "inotify":
			return event.FDInotify
		}
		return event.FDUnknown
	case strings.HasPrefix(link, "/memfd:"):
		return event.FDMemfd
	case strings.HasPrefix(link, "/"):
		return event.FDFile
	}
	return event.FDUnknown
}

// socketType finds the socket inode in the process's network tables.
func socketType(procDir, ino string) (event.FDType, error) {
	tables := []struct {
		name string
		t    event.FDType
		col  int // index of the inode column
	}{
		{"tcp", event.FDIPv4, 9}, {"udp", event.FDIPv4, 9}, {"tcp6", event.FDIPv6, 9},
		{"udp6", event.FDIPv6, 9}, {"unix", event.FDUnix, 6}, {"raw", event.FDIPv4, 9},
		{"raw6", event.FDIPv6, 9}, {"netlink", event.FDNetlink, 8},
	}
	for _, tb := range tables {
		b, err := readLimited(filepath.Join(procDir, "net", tb.name), maxNetTable)
		if err != nil {
			continue
		}
		if tableHasInode(b, tb.col, ino) {
			return tb.t, nil
		}
	}
	return event.FDUnknown, errNotSocket
}

func tableHasInode(b []byte, col int, ino string) bool {
	for _, line := range bytes.Split(b, []byte("\n"))[1:] {
		f := bytes.Fields(line)
		if len(f) > col && string(f[col]) == ino {
			return true
		}
	}
	return false
}
