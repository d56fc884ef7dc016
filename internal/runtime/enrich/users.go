package enrich

import (
	"bytes"
	"path/filepath"
	"strconv"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
)

// Names of users and groups (user.name, group.name, user.loginname) come
// from the passwd and group files of the root the process sees: a
// container's own /etc/passwd, read through /proc/PID/root, cached per
// container (and once for the host). A uid the cached file does not name
// has the file read again, at most every namesRetry.
const (
	namesRetry    = 30 * time.Second
	maxNamesFile  = 4 << 20 // bytes read of a passwd or group file
	maxNameTables = 4096    // containers cached; the cache is cleared when full
)

type nameTable struct {
	users, groups map[uint32]string
	readAt        time.Time
}

// ParseIDFile reads an /etc/passwd or /etc/group file: name:x:id:...
// lines. The first name of an id wins, as in getpwuid. Malformed lines are
// skipped.
func ParseIDFile(b []byte) map[uint32]string {
	out := map[uint32]string{}
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if len(line) == 0 || line[0] == '#' || line[0] == '+' || line[0] == '-' {
			continue
		}
		f := bytes.SplitN(line, []byte(":"), 4)
		if len(f) < 3 || len(f[0]) == 0 || len(f[0]) > 256 {
			continue
		}
		id, err := strconv.ParseUint(string(bytes.TrimSpace(f[2])), 10, 32)
		if err != nil {
			continue
		}
		if _, ok := out[uint32(id)]; !ok {
			out[uint32(id)] = string(f[0])
		}
	}
	return out
}

// names fills ev's user, group and login names from the files of the
// process's root.
func (e *Enricher) names(ev *event.Event, containerID string) {
	if ev.UserName != "" || ev.PID == 0 {
		return
	}
	key := containerID
	if key == "" {
		key = "host"
	}
	t := e.nameTables[key]
	need := func(t *nameTable) bool {
		if t == nil {
			return true
		}
		_, u := t.users[ev.UID]
		_, g := t.groups[ev.GID]
		return (!u || !g) && time.Since(t.readAt) > namesRetry
	}
	if need(t) {
		root := filepath.Join(e.procRoot, strconv.FormatUint(uint64(ev.PID), 10), "root")
		if key == "host" {
			root = "/"
		}
		nt := &nameTable{users: map[uint32]string{}, groups: map[uint32]string{}, readAt: time.Now()}
		if b, err := readLimited(filepath.Join(root, "etc", "passwd"), maxNamesFile); err == nil {
			nt.users = ParseIDFile(b)
		}
		if b, err := readLimited(filepath.Join(root, "etc", "group"), maxNamesFile); err == nil {
			nt.groups = ParseIDFile(b)
		}
		if len(nt.users) > 0 || t == nil {
			if len(e.nameTables) >= maxNameTables {
				clear(e.nameTables)
			}
			e.nameTables[key] = nt
			t = nt
		} else {
			t.readAt = nt.readAt // the process is gone: keep what we had
		}
	}
	ev.UserName = t.users[ev.UID]
	ev.GroupName = t.groups[ev.GID]
	if ev.LoginUID != event.NoUID {
		ev.LoginName = t.users[ev.LoginUID]
	}
}
