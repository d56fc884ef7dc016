package vulndb

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// headerLog records the request headers an httptest server saw.
type headerLog struct {
	mu  sync.Mutex
	all []string
}

func (h *headerLog) add(r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, vs := range r.Header {
		h.all = append(h.all, k+": "+strings.Join(vs, ","))
	}
}

func (h *headerLog) contains(s string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, l := range h.all {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

// linkServer serves the fixtures' export layout and logs every header.
func linkServer(t *testing.T) (*headerLog, string) {
	mirror := makeMirror(t, "testdata/osv")
	s, _ := newExportServer(t, mirror)
	log := &headerLog{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.add(r)
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return log, srv.URL
}

// TestDownloadRefusesPlantedPartialLink plants a link where the all.zip
// download goes: the update refuses it and writes nothing through it.
func TestDownloadRefusesPlantedPartialLink(t *testing.T) {
	_, base := linkServer(t)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "db", "osv.db")
	cache := filepath.Join(dir, "db", "download")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(cache, "npm-all.zip.partial")); err != nil {
		t.Fatal(err)
	}
	opts := quickOptions(base)
	opts.Ecosystems = []string{"npm"}
	opts.CacheDir = cache
	_, err := Update(context.Background(), dbPath, opts)
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("update with a planted .partial link: err = %v, want a refusal", err)
	}
	if got, _ := os.ReadFile(victim); string(got) != "precious" {
		t.Errorf("the link's target was written: %q", got)
	}
}

// TestDownloadNeverSendsLinkedValidator plants a link at the .etag file
// (pointing at a secret) beside a real partial download: the secret is
// never sent to the mirror, the link's target is never written, and the
// download completes.
func TestDownloadNeverSendsLinkedValidator(t *testing.T) {
	log, base := linkServer(t)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "db", "osv.db")
	cache := filepath.Join(dir, "db", "download")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("TOPSECRET-TOKEN"), 0o600); err != nil {
		t.Fatal(err)
	}
	partial := filepath.Join(cache, "npm-all.zip.partial")
	if err := os.WriteFile(partial, []byte("PK"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, partial+".etag"); err != nil {
		t.Fatal(err)
	}
	opts := quickOptions(base)
	opts.Ecosystems = []string{"npm"}
	opts.CacheDir = cache
	stats, err := Update(context.Background(), dbPath, opts)
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if log.contains("TOPSECRET") {
		t.Errorf("the content of a linked .etag was sent to the mirror: %q", log.all)
	}
	if got, _ := os.ReadFile(secret); string(got) != "TOPSECRET-TOKEN" {
		t.Errorf("the .etag link's target was written: %q", got)
	}
	if stats.Ecosystems["npm"].Records == 0 {
		t.Errorf("npm not imported: %+v", stats)
	}
}

// TestDatabaseFolderWritableByOthers refuses a folder others can write
// into, unless it is sticky and ours.
func TestDatabaseFolderWritableByOthers(t *testing.T) {
	for _, c := range []struct {
		mode os.FileMode
		ok   bool
	}{
		{0o755, true},
		{0o777, false},
		{0o757, false},
		{0o777 | os.ModeSticky, true},
	} {
		dir := filepath.Join(t.TempDir(), "db")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, c.mode); err != nil {
			t.Fatal(err)
		}
		_, err := Import(context.Background(), filepath.Join(dir, "osv.db"), "testdata/osv")
		if c.ok && err != nil {
			t.Errorf("mode %s: %v", c.mode, err)
		}
		if !c.ok && (err == nil || !strings.Contains(err.Error(), "writable by other users")) {
			t.Errorf("mode %s: err = %v, want a refusal", c.mode, err)
		}
		if !c.ok {
			if _, err := os.Stat(filepath.Join(dir, "osv.db")); err == nil {
				t.Errorf("mode %s: a database was written", c.mode)
			}
		}
		// Update checks the same folder.
		mirror := makeMirror(t, "testdata/osv")
		_, err = Update(context.Background(), filepath.Join(dir, "osv.db"), UpdateOptions{BaseURL: "file://" + mirror, Ecosystems: []string{"npm"}})
		if !c.ok && (err == nil || !strings.Contains(err.Error(), "writable by other users")) {
			t.Errorf("update, mode %s: err = %v, want a refusal", c.mode, err)
		}
	}
}

// TestDatabaseFileMode: update (full and refresh) and import leave the
// same documented mode, readable by every user who scans.
func TestDatabaseFileMode(t *testing.T) {
	mirror := makeMirror(t, "testdata/osv")
	dbPath := filepath.Join(t.TempDir(), "osv.db")
	opts := UpdateOptions{BaseURL: "file://" + mirror, Ecosystems: []string{"Debian", "npm", "PyPI"}}
	check := func(step string) {
		t.Helper()
		st, err := os.Stat(dbPath)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != FileMode {
			t.Errorf("%s: mode %s, want %s", step, st.Mode().Perm(), os.FileMode(FileMode))
		}
	}
	if _, err := Update(context.Background(), dbPath, opts); err != nil {
		t.Fatal(err)
	}
	check("full update")
	stats, err := Update(context.Background(), dbPath, opts)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Ecosystems["npm"].Mode != "unchanged" {
		t.Fatalf("second update did not take the refresh path: %+v", stats.Ecosystems)
	}
	check("refresh")
	if _, err := Import(context.Background(), dbPath, "testdata/osv"); err != nil {
		t.Fatal(err)
	}
	check("import")
}

// TestSweepStaleTemporaryFiles: temporary files of dead processes are
// removed by the next import; those of a live process stay.
func TestSweepStaleTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "osv.db")
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skipf("cannot run true: %v", err)
	}
	live := exec.Command("sleep", "30")
	if err := live.Start(); err != nil {
		t.Skipf("cannot run sleep: %v", err)
	}
	defer func() { live.Process.Kill(); live.Wait() }()
	write := func(name string, age time.Duration) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, make([]byte, 4096), 0o600); err != nil {
			t.Fatal(err)
		}
		mt := time.Now().Add(-age)
		os.Chtimes(p, mt, mt)
		return p
	}
	deadFile := write("osv.db.new-"+strconv.Itoa(dead.Process.Pid)+"-123456", 0)
	liveFile := write("osv.db.new-"+strconv.Itoa(live.Process.Pid)+"-654321", 0)
	oldStyle := write("osv.db.new-3141592653", 2*time.Hour)
	freshOldStyle := write("osv.db.new-2718281828", 0)
	stats, err := Import(context.Background(), dbPath, "testdata/osv")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{deadFile, oldStyle} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s of a dead process was not swept", filepath.Base(p))
		}
	}
	for _, p := range []string{liveFile, freshOldStyle} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(p), err)
		}
	}
	if len(stats.Swept) != 2 {
		t.Errorf("stats.Swept = %q, want the two stale files", stats.Swept)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, "osv.db.new-"+strconv.Itoa(os.Getpid())+"-*"))
	if len(leftovers) != 0 {
		t.Errorf("this import left %q", leftovers)
	}
}

// TestImportRefusesFIFO: a FIFO in an import folder is refused, not read
// (which would block forever).
func TestImportRefusesFIFO(t *testing.T) {
	src := t.TempDir()
	eco := filepath.Join(src, "npm")
	os.MkdirAll(eco, 0o755)
	if err := mkfifo(filepath.Join(eco, "all.zip")); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := Import(context.Background(), filepath.Join(t.TempDir(), "osv.db"), src)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("import of a FIFO: err = %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("import blocked on a FIFO")
	}
}

func mkfifo(p string) error { return syscall.Mkfifo(p, 0o600) }

// TestProgressBar: a terminal gets one rewritten line per download, ending
// at 100%.
func TestProgressBar(t *testing.T) {
	_, base := linkServer(t)
	var out strings.Builder
	opts := quickOptions(base)
	opts.Ecosystems = []string{"npm"}
	opts.Progress = &out
	opts.ProgressBar = true
	if _, err := Update(context.Background(), filepath.Join(t.TempDir(), "osv.db"), opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "\rnpm-all.zip") || !strings.Contains(out.String(), "100%") {
		t.Errorf("progress:\n%q", out.String())
	}
}
