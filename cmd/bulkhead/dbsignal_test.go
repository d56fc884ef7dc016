package main

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// bigOSVZip writes an export-style zip of n small npm records: enough work
// for an import to be caught in the middle.
func bigOSVZip(t *testing.T, dir string, n int) string {
	t.Helper()
	eco := filepath.Join(dir, "npm")
	if err := os.MkdirAll(eco, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(eco, "all.zip")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for i := 0; i < n; i++ {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("GHSA-test-%06d.json", i), Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(w, `{"id":"GHSA-test-%06d","modified":"2024-01-01T00:00:00Z","summary":"test record %d","affected":[{"package":{"ecosystem":"npm","name":"pkg-%d"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.%d.0"}]}]}]}`, i, i, i, i)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return dir
}

// TestDBImportInterrupted runs `bulkhead db import` as a real process and
// sends it SIGINT, then SIGTERM, while it writes the new database: it
// stops, fails with the signal named, removes its osv.db.new-* file and
// leaves the old database as it was.
func TestDBImportInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 60k records; skipped with -short")
	}
	exe, err := exec.LookPath("bulkhead")
	if err != nil {
		t.Skipf("the bulkhead test command is not on PATH: %v", err)
	}
	src := bigOSVZip(t, t.TempDir(), 60000)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dbDir := t.TempDir()
			dbPath := filepath.Join(dbDir, "osv.db")
			old := []byte("not touched")
			// The old database is a stand-in file: it must survive as is.
			if err := os.WriteFile(dbPath, old, 0o644); err != nil {
				t.Fatal(err)
			}
			var out, errb bytes.Buffer
			cmd := exec.Command(exe, "db", "import", "--db", dbPath, src)
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Wait for the temporary file to appear, then signal.
			deadline := time.Now().Add(60 * time.Second)
			var tmp []string
			for time.Now().Before(deadline) {
				tmp, _ = filepath.Glob(filepath.Join(dbDir, "osv.db.new-*"))
				if len(tmp) > 0 {
					break
				}
				time.Sleep(2 * time.Millisecond)
			}
			if len(tmp) == 0 {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("no temporary file appeared; stderr: %s", errb.String())
			}
			time.Sleep(50 * time.Millisecond)
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			waited := make(chan error, 1)
			go func() { waited <- cmd.Wait() }()
			select {
			case err = <-waited:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				<-waited
				t.Fatal("db import did not stop after the signal")
			}
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != 1 {
				t.Fatalf("db import after %s: %v (want exit 1); stdout %s; stderr %s", sig, err, out.String(), errb.String())
			}
			if !strings.Contains(errb.String(), "interrupted") {
				t.Errorf("stderr does not say it was interrupted: %s", errb.String())
			}
			left, _ := filepath.Glob(filepath.Join(dbDir, "osv.db.new-*"))
			if len(left) != 0 {
				t.Errorf("temporary files left after %s: %v", sig, left)
			}
			if got, _ := os.ReadFile(dbPath); !bytes.Equal(got, old) {
				t.Errorf("the old database changed")
			}
		})
	}
}
