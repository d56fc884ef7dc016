package vulndb

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/testenv"
	"github.com/google/go-cmp/cmp"
)

// exportServer serves a folder in the osv.dev export layout, like the
// osv.dev bucket: <eco>/modified_id.csv, <eco>/all.zip and <eco>/<ID>.json.
type exportServer struct {
	root string
	mu   sync.Mutex
	// override replaces or adds records: eco -> file name -> raw JSON, and
	// lists them first in modified_id.csv with their modified time.
	override map[string]map[string][]byte
	// cut makes all.zip downloads of an ecosystem stop half way.
	cut map[string]bool
	log []string
}

func newExportServer(t *testing.T, root string) (*exportServer, *httptest.Server) {
	s := &exportServer{root: root, override: map[string]map[string][]byte{}, cut: map[string]bool{}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

func (s *exportServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

func (s *exportServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p, err := url.PathUnescape(strings.TrimPrefix(r.URL.EscapedPath(), "/"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	eco, file, _ := strings.Cut(p, "/")
	s.mu.Lock()
	entry := r.Method + " " + p
	if rg := r.Header.Get("Range"); rg != "" {
		entry += " " + rg
	}
	s.log = append(s.log, entry)
	over := s.override[eco]
	cut := s.cut[eco]
	s.mu.Unlock()
	dir := filepath.Join(s.root, eco)
	switch {
	case file == "modified_id.csv":
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		var extra []string
		for _, raw := range over {
			rec, err := ParseRecord(raw)
			if err == nil {
				extra = append(extra, rec.Modified.Format(time.RFC3339)+","+rec.ID+"\n")
			}
		}
		sort.Strings(extra)
		w.Write([]byte(strings.Join(extra, "")))
		w.Write(data)
	case file == "all.zip":
		f, err := os.Open(filepath.Join(dir, file))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		st, _ := f.Stat()
		if cut {
			w.Header().Set("ETag", `"v1"`)
			w.Header().Set("Content-Length", fmt.Sprint(st.Size()))
			w.WriteHeader(http.StatusOK)
			io.CopyN(w, f, st.Size()/2)
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler) // drop the connection mid-body
		}
		w.Header().Set("ETag", `"v1"`)
		http.ServeContent(w, r, file, st.ModTime(), f)
	case strings.HasSuffix(file, ".json"):
		if raw, ok := over[file]; ok {
			w.Write(raw)
			return
		}
		raw, err := recordFromZip(filepath.Join(dir, "all.zip"), file)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Write(raw)
	default:
		http.NotFound(w, r)
	}
}

func recordFromZip(zipPath, name string) ([]byte, error) {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				return nil, err
			}
			defer rc.Close()
			return io.ReadAll(rc)
		}
	}
	return nil, os.ErrNotExist
}

func quickOptions(base string) UpdateOptions {
	return UpdateOptions{BaseURL: base, RetryWait: time.Millisecond, Attempts: 2}
}

// TestUpdateFromServer updates from an httptest server serving the shared
// data, then updates again after one record changed.
func TestUpdateFromServer(t *testing.T) {
	if testing.Short() {
		t.Skip("fetches 18k records twice; skipped with -short")
	}
	root := testenv.SharedDir(t, "vulndata/osv")
	s, srv := newExportServer(t, root)
	dbPath := filepath.Join(t.TempDir(), "osv.db")
	var progress bytes.Buffer
	opts := quickOptions(srv.URL)
	opts.Progress = &progress
	stats, err := Update(context.Background(), dbPath, opts)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Records != 18629 || stats.Skipped != 0 {
		t.Errorf("first update: %d records, %d skipped; want 18629, 0", stats.Records, stats.Skipped)
	}
	// Ecosystems the shared data lacks are warnings.
	for _, eco := range []string{"Ubuntu", "SUSE", "Wolfi", "Packagist", "NuGet"} {
		if stats.Ecosystems[eco].Mode != "missing" {
			t.Errorf("%s: mode %q, want missing", eco, stats.Ecosystems[eco].Mode)
		}
	}
	if len(stats.Warnings) != 5 {
		t.Errorf("warnings = %q, want 5", stats.Warnings)
	}
	if !strings.Contains(progress.String(), "Debian: reading") && !strings.Contains(progress.String(), "Debian: 8836 records from all.zip") {
		t.Errorf("progress lacks the Debian step:\n%s", progress.String())
	}

	// One npm record changes upstream.
	raw, err := recordFromZip(filepath.Join(root, "npm", "all.zip"), "GHSA-35vj-3vmm-7w4g.json")
	if err != nil {
		first := firstRecord(t, filepath.Join(root, "npm", "all.zip"))
		raw, err = recordFromZip(filepath.Join(root, "npm", "all.zip"), first)
		if err != nil {
			t.Fatal(err)
		}
	}
	rec, err := ParseRecord(raw)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(raw), `"modified":"`+rec.Modified.Format(time.RFC3339)+`"`, `"modified":"2031-01-01T00:00:00Z"`, 1)
	changed = strings.Replace(changed, `"summary":"`, `"summary":"CHANGED `, 1)
	if changed == string(raw) || !strings.Contains(changed, "2031-01-01") {
		// Fall back to re-encoding if the record's text differs in layout.
		changed = reencode(t, raw, "2031-01-01T00:00:00Z")
	}
	s.mu.Lock()
	s.override["npm"] = map[string][]byte{FileName(rec.ID): []byte(changed)}
	s.log = nil
	s.mu.Unlock()

	stats, err = Update(context.Background(), dbPath, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := stats.Ecosystems["npm"]; got.Mode != "incremental" || got.Fetched != 1 {
		t.Errorf("npm: %+v, want incremental with 1 fetched", got)
	}
	if got := stats.Ecosystems["Debian"]; got.Mode != "unchanged" {
		t.Errorf("Debian: %+v, want unchanged", got)
	}
	for _, req := range s.requests() {
		if strings.HasSuffix(req, "all.zip") {
			t.Errorf("incremental update downloaded %s", req)
		}
	}
	if stats.Records != 18629 {
		t.Errorf("after incremental update: %d records, want 18629", stats.Records)
	}
	db, err := Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.Get(rec.ID)
	if err != nil || got == nil {
		t.Fatalf("Get(%s) = %v, %v", rec.ID, got, err)
	}
	if !got.Modified.Equal(time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("%s modified = %s, want the changed record", rec.ID, got.Modified)
	}
}

func firstRecord(t *testing.T, zipPath string) string {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	return zr.File[0].Name
}

func reencode(t *testing.T, raw []byte, modified string) string {
	rec, err := ParseRecord(raw)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := time.Parse(time.RFC3339, modified)
	rec.Modified = m
	rec.Summary = "CHANGED " + rec.Summary
	out, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestUpdateCutDownload cuts an all.zip download in the middle: the update
// fails, the old database keeps working, and the next update resumes the
// partial download with a range request.
func TestUpdateCutDownload(t *testing.T) {
	root := testenv.SharedDir(t, "vulndata/osv")
	s, srv := newExportServer(t, root)
	dbPath := filepath.Join(t.TempDir(), "osv.db")
	opts := quickOptions(srv.URL)
	opts.Ecosystems = []string{"crates.io"}
	if _, err := Update(context.Background(), dbPath, opts); err != nil {
		t.Fatal(err)
	}
	before := dump(t, dbPath)

	s.mu.Lock()
	s.cut["npm"] = true
	s.mu.Unlock()
	opts.Ecosystems = []string{"crates.io", "npm"}
	_, err := Update(context.Background(), dbPath, opts)
	if err == nil {
		t.Fatal("update with a cut download succeeded")
	}
	t.Logf("cut download: %v", err)
	if diff := cmp.Diff(before, dump(t, dbPath)); diff != "" {
		t.Errorf("old database changed after a failed update (-before +after):\n%s", diff)
	}
	db, err := Open(dbPath)
	if err != nil {
		t.Fatalf("old database no longer opens: %v", err)
	}
	db.Close()
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(dbPath), "osv.db.new-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}

	s.mu.Lock()
	s.cut["npm"] = false
	s.log = nil
	s.mu.Unlock()
	stats, err := Update(context.Background(), dbPath, opts)
	if err != nil {
		t.Fatal(err)
	}
	resumed := false
	for _, req := range s.requests() {
		if strings.HasPrefix(req, "GET npm/all.zip bytes=") {
			resumed = true
		}
	}
	if !resumed {
		t.Errorf("second update did not resume: requests %q", s.requests())
	}
	if stats.Ecosystems["npm"].Records != 9 {
		t.Errorf("npm records = %d, want 9", stats.Ecosystems["npm"].Records)
	}
}

// TestUpdateFileMirror updates from a file:// mirror of the fixtures.
func TestUpdateFileMirror(t *testing.T) {
	mirror := makeMirror(t, "testdata/osv")
	dbPath := filepath.Join(t.TempDir(), "osv.db")
	stats, err := Update(context.Background(), dbPath, UpdateOptions{BaseURL: "file://" + filepath.ToSlash(mirror), Ecosystems: []string{"Debian", "npm", "PyPI", "Ubuntu"}})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Records != 4 || stats.Ecosystems["Ubuntu"].Mode != "missing" {
		t.Errorf("stats = %+v", stats)
	}
	before := dump(t, dbPath)
	// Nothing changed: every ecosystem is unchanged, no record is read,
	// and the database's build time moves on.
	later := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	stats, err = Update(context.Background(), dbPath, UpdateOptions{BaseURL: "file://" + filepath.ToSlash(mirror),
		Ecosystems: []string{"Debian", "npm", "PyPI"}, Now: func() time.Time { return later }})
	if err != nil {
		t.Fatal(err)
	}
	for eco, es := range stats.Ecosystems {
		if es.Mode != "unchanged" || es.Fetched != 0 {
			t.Errorf("%s: %+v, want unchanged", eco, es)
		}
	}
	if stats.Records != 4 {
		t.Errorf("refresh: %d records, want 4", stats.Records)
	}
	if diff := cmp.Diff(before, dump(t, dbPath)); diff != "" {
		t.Errorf("refresh changed records (-before +after):\n%s", diff)
	}
	db, err := Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := db.Metadata().Built; !got.Equal(later) {
		t.Errorf("built = %s, want %s", got, later)
	}
	if got := db.Metadata().Ecosystems["npm"].Updated; !got.Equal(later) {
		t.Errorf("npm updated = %s, want %s", got, later)
	}
}

func TestUpdateBadMirror(t *testing.T) {
	for _, base := range []string{"ftp://example.invalid", "file:///nonexistent/bulkhead/mirror"} {
		if _, err := Update(context.Background(), filepath.Join(t.TempDir(), "osv.db"), UpdateOptions{BaseURL: base}); err == nil {
			t.Errorf("Update(%q) succeeded", base)
		}
	}
}

// makeMirror writes the export layout (<eco>/all.zip, modified_id.csv) of
// the readable fixtures under src.
func makeMirror(t *testing.T, src string) string {
	t.Helper()
	out := t.TempDir()
	dirs, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		files, _ := filepath.Glob(filepath.Join(src, d.Name(), "*.json"))
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		var csv []string
		for _, f := range files {
			raw, _ := os.ReadFile(f)
			rec, err := ParseRecord(raw)
			if err != nil {
				continue
			}
			w, _ := zw.Create(FileName(rec.ID))
			w.Write(raw)
			csv = append(csv, rec.Modified.Format(time.RFC3339)+","+rec.ID)
		}
		zw.Close()
		sort.Sort(sort.Reverse(sort.StringSlice(csv)))
		os.MkdirAll(filepath.Join(out, d.Name()), 0o755)
		os.WriteFile(filepath.Join(out, d.Name(), "all.zip"), buf.Bytes(), 0o644)
		os.WriteFile(filepath.Join(out, d.Name(), "modified_id.csv"), []byte(strings.Join(csv, "\n")+"\n"), 0o644)
	}
	return out
}

// scanOnce opens the database and looks packages up in one transaction,
// as a scan does.
func scanOnce(dbPath string) error {
	db, err := Open(dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.View(func(tx *Tx) error {
		for _, p := range [][2]string{{"Debian:11", "openssl"}, {"npm", "lodash"}, {"PyPI", "pyyaml"}} {
			es, err := tx.Lookup(p[0], p[1])
			if err != nil {
				return err
			}
			if len(es) == 0 {
				return fmt.Errorf("lookup %s %s: no entries", p[0], p[1])
			}
			r, err := tx.Record(es[0].ID)
			if err != nil || r == nil {
				return fmt.Errorf("record %s: %v", es[0].ID, err)
			}
		}
		return nil
	})
}

// TestConcurrentScansDuringUpdates runs four scanners (two goroutines and
// two processes) against one database while updates swap it. With
// OpenTimeout at 100ms, a scanner that had to wait for a writer's lock
// would fail with a timeout; none may fail.
func TestConcurrentScansDuringUpdates(t *testing.T) {
	mirror := makeMirror(t, "testdata/osv")
	dbPath := filepath.Join(t.TempDir(), "osv.db")
	opts := UpdateOptions{BaseURL: "file://" + filepath.ToSlash(mirror), Ecosystems: []string{"Debian", "npm", "PyPI"}, MaxIncremental: -1}
	if _, err := Update(context.Background(), dbPath, opts); err != nil {
		t.Fatal(err)
	}
	old := OpenTimeout
	OpenTimeout = 100 * time.Millisecond
	defer func() { OpenTimeout = old }()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	scans := make([]int, 2)
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := scanOnce(dbPath); err != nil {
					errs <- fmt.Errorf("goroutine %d: %w", i, err)
					return
				}
				scans[i]++
			}
		}(i)
	}
	var procs []*exec.Cmd
	var outs []*bytes.Buffer
	for i := 0; i < 2; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperScanner$")
		cmd.Env = append(os.Environ(), "BULKHEAD_VULNDB_SCANNER="+dbPath)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, cmd)
		outs = append(outs, &out)
	}
	for i := 0; i < 5; i++ {
		// MaxIncremental -1 forces a full rebuild and a swap every time.
		if _, err := Update(context.Background(), dbPath, opts); err != nil {
			t.Errorf("update %d: %v", i, err)
		}
	}
	close(stop)
	wg.Wait()
	for i, cmd := range procs {
		if err := cmd.Wait(); err != nil {
			t.Errorf("scanner process %d: %v\n%s", i, err, outs[i])
		}
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if scans[0] == 0 || scans[1] == 0 {
		t.Errorf("scans per goroutine = %v, want some", scans)
	}
}

// TestHelperScanner is the scanner process of
// TestConcurrentScansDuringUpdates; it does nothing in a normal run.
func TestHelperScanner(t *testing.T) {
	dbPath := os.Getenv("BULKHEAD_VULNDB_SCANNER")
	if dbPath == "" {
		t.Skip("helper process only")
	}
	OpenTimeout = 100 * time.Millisecond
	for i := 0; i < 200; i++ {
		if err := scanOnce(dbPath); err != nil {
			t.Fatalf("scan %d: %v", i, err)
		}
	}
}

func TestParseModifiedIndex(t *testing.T) {
	lines, newest, err := parseModifiedIndex([]byte("2024-01-02T00:00:00Z,B-1\n2024-01-01T00:00:00.5Z,A-1\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 || !newest.Equal(time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("lines=%v newest=%s", lines, newest)
	}
	for _, bad := range []string{"nonsense", "2024-01-01,A", "2024-01-01T00:00:00Z,"} {
		if _, _, err := parseModifiedIndex([]byte(bad)); err == nil {
			t.Errorf("parseModifiedIndex(%q) succeeded", bad)
		}
	}
}

func TestUpdateRejectsBadEcosystem(t *testing.T) {
	mirror := makeMirror(t, "testdata/osv")
	for _, eco := range []string{"../etc", "..", "", `a\b`} {
		_, err := Update(context.Background(), filepath.Join(t.TempDir(), "osv.db"), UpdateOptions{BaseURL: "file://" + filepath.ToSlash(mirror), Ecosystems: []string{eco}})
		if err == nil {
			t.Errorf("Update(ecosystem %q) succeeded", eco)
		}
	}
}

func TestUpdateRebuildsUnreadableDatabase(t *testing.T) {
	mirror := makeMirror(t, "testdata/osv")
	dbPath := filepath.Join(t.TempDir(), "osv.db")
	if err := os.WriteFile(dbPath, bytes.Repeat([]byte("garbage!"), 1024), 0o644); err != nil {
		t.Fatal(err)
	}
	stats, err := Update(context.Background(), dbPath, UpdateOptions{BaseURL: "file://" + filepath.ToSlash(mirror), Ecosystems: []string{"npm"}})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Records != 1 || len(stats.Warnings) != 1 {
		t.Errorf("stats = %+v, want 1 record and a warning about the old file", stats)
	}
}

func TestUpdateSkipsUnsafeIDs(t *testing.T) {
	mirror := makeMirror(t, "testdata/osv")
	dbPath := filepath.Join(t.TempDir(), "osv.db")
	opts := UpdateOptions{BaseURL: "file://" + filepath.ToSlash(mirror), Ecosystems: []string{"npm"}}
	if _, err := Update(context.Background(), dbPath, opts); err != nil {
		t.Fatal(err)
	}
	csv := filepath.Join(mirror, "npm", "modified_id.csv")
	old, _ := os.ReadFile(csv)
	os.WriteFile(csv, append([]byte("2030-01-01T00:00:00Z,../../Debian/DSA-9001-1\n"), old...), 0o644)
	stats, err := Update(context.Background(), dbPath, opts)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Skipped != 1 || stats.Records != 1 || stats.Ecosystems["npm"].Fetched != 0 {
		t.Errorf("stats = %+v, want the unsafe id skipped and nothing fetched", stats)
	}
}
