package vulndb

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// FileMode is the mode of the database file that Update and Import leave:
// readable by every user who scans, writable by its owner only.
const FileMode = 0o644

// checkFolder refuses a folder the database code writes into when another
// user could plant links or files in it: a folder writable by others is
// refused unless it has the sticky bit and belongs to the current user (so
// no one else can rename or remove what it holds); a folder owned by
// another user (other than root) is refused as well.
func checkFolder(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("database folder %s: %w", dir, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("database folder %s: not a folder", dir)
	}
	uid, ok := fileOwner(st)
	if !ok {
		return nil
	}
	euid := uint32(os.Geteuid())
	if uid != euid && uid != 0 {
		return fmt.Errorf("database folder %s belongs to uid %d, not to the current user (uid %d): another user could plant links in it; use a folder of your own (--db)", dir, uid, euid)
	}
	mode := st.Mode()
	if mode.Perm()&0o002 != 0 && !(mode&fs.ModeSticky != 0 && uid == euid) {
		return fmt.Errorf("database folder %s is writable by other users (mode %s): another user could plant links in it; remove the write bit (chmod o-w) or use a folder of your own (--db)", dir, mode.Perm())
	}
	return nil
}

// makeFolder creates dir (0755) when missing, then checks it.
func makeFolder(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create database folder %s: %w", dir, err)
	}
	return checkFolder(dir)
}

// openRegular opens an existing file for reading without following a
// symbolic link and without blocking on a FIFO, and refuses anything but a
// regular file.
func openRegular(p string) (*os.File, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|oNoFollow|oNonBlock, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("%s: a symbolic link, refused", p)
		}
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: not a regular file (%s)", p, st.Mode().Type())
	}
	return f, nil
}

// openSource opens a file of a local source (a mirror or an import
// folder) for reading: links are followed, as a mirror may be made of
// them, but a FIFO or device is refused instead of blocking.
func openSource(p string) (*os.File, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: not a regular file (%s)", p, st.Mode().Type())
	}
	return f, nil
}

// readSource1 reads one file of a local source, of at most limit bytes.
func readSource1(p string, limit int64) ([]byte, error) {
	f, err := openSource(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: over the %d-byte limit", p, limit)
	}
	return data, nil
}

// readInto reads one file of a local source (at most limit bytes) into
// *buf, reusing its memory.
func readInto(p string, limit int64, buf *[]byte) ([]byte, error) {
	f, err := openSource(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes, over the %d limit", p, st.Size(), limit)
	}
	if int64(cap(*buf)) < st.Size()+1 {
		*buf = make([]byte, 0, st.Size()+1)
	}
	b := (*buf)[:0]
	for {
		if len(b) == cap(b) {
			if int64(len(b)) > limit {
				return nil, fmt.Errorf("%s: over the %d-byte limit", p, limit)
			}
			b = append(b, 0)[:len(b)]
		}
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: over the %d-byte limit", p, limit)
	}
	*buf = b
	return b, nil
}

// readSmall reads a regular file of at most limit bytes without following
// links.
func readSmall(p string, limit int64) ([]byte, error) {
	f, err := openRegular(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: over the %d-byte limit", p, limit)
	}
	return data, nil
}

// writeFileAtomic writes data to a fresh file under a random name beside p
// (O_EXCL, so nothing planted is followed) and renames it over p: a link
// planted at p is replaced, never written through.
func writeFileAtomic(p string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(p), filepath.Base(p)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, mode)
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// The temporary database files of this process, so that a signal handler
// can remove them even while the work that made them is blocked.
var (
	tempMu    sync.Mutex
	tempFiles = map[string]bool{}
)

// tempPattern is the os.CreateTemp pattern of a new database beside final:
// "osv.db.new-<pid>-<random>", so that a later run can tell a file of a
// dead process from one being written.
func tempPattern(final string) string {
	return filepath.Base(final) + ".new-" + strconv.Itoa(os.Getpid()) + "-*"
}

// createTemp creates the temporary file of a new database beside final and
// registers it for RemoveTemporaryFiles.
func createTemp(final string) (*os.File, error) {
	f, err := os.CreateTemp(filepath.Dir(final), tempPattern(final))
	if err != nil {
		return nil, err
	}
	tempMu.Lock()
	tempFiles[f.Name()] = true
	tempMu.Unlock()
	return f, nil
}

// removeTemp removes a temporary file and forgets it.
func removeTemp(p string) {
	tempMu.Lock()
	delete(tempFiles, p)
	tempMu.Unlock()
	os.Remove(p)
}

// forgetTemp forgets a temporary file that was renamed into place.
func forgetTemp(p string) {
	tempMu.Lock()
	delete(tempFiles, p)
	tempMu.Unlock()
}

// RemoveTemporaryFiles removes the temporary database files this process
// is writing. The CLI calls it when a signal arrives and the update or
// import does not stop in time by itself.
func RemoveTemporaryFiles() {
	tempMu.Lock()
	defer tempMu.Unlock()
	for p := range tempFiles {
		os.Remove(p)
		delete(tempFiles, p)
	}
}

// staleAge is how old a temporary file without a process id in its name
// (written by an older bulkhead) must be before it is swept.
const staleAge = time.Hour

// sweepStale removes the temporary files beside final that belong to no
// running process: "<base>.new-<pid>-<random>" of a process that no longer
// exists, and older names without a pid once they are an hour old. It
// returns the files it removed.
func sweepStale(final string, now time.Time) []string {
	dir := filepath.Dir(final)
	prefix := filepath.Base(final) + ".new-"
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) || !e.Type().IsRegular() {
			continue
		}
		p := filepath.Join(dir, name)
		rest := strings.TrimPrefix(name, prefix)
		stale := false
		if pidText, _, ok := strings.Cut(rest, "-"); ok {
			pid, err := strconv.Atoi(pidText)
			if err != nil || pid <= 0 {
				continue
			}
			stale = pid != os.Getpid() && !processAlive(pid)
		} else {
			info, err := e.Info()
			stale = err == nil && now.Sub(info.ModTime()) > staleAge
		}
		if stale && os.Remove(p) == nil {
			removed = append(removed, p)
		}
	}
	return removed
}
