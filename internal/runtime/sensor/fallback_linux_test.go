package sensor

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

func TestFallbackSeesExecOpenExit(t *testing.T) {
	testenv.RequireRoot(t)
	s, err := Open(Options{Mode: ModeFallback})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if s.Kind() != ModeFallback || s.Coverage() != coverageFallback {
		t.Errorf("Kind %q coverage %q", s.Kind(), s.Coverage())
	}
	// a file on the root mount (fanotify watches "/")
	dir, err := os.MkdirTemp("/var/tmp", "bulkhead-fallback-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "secret")
	os.WriteFile(file, []byte("x"), 0o600)
	// cat waits on stdin so that it is alive when its exec is read from
	// /proc (a process that is gone by then loses its arguments: see
	// docs/runtime-sensor.md)
	cmd := exec.Command("/bin/sh", "-c", "sleep 0.3; exec /bin/cat "+file+" -")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(time.Second)
		stdin.Close()
		cmd.Wait()
	}()
	pid := uint32(cmd.Process.Pid)
	type seen struct{ Exec, Open, Exit bool }
	var got seen
	collect(t, s, 10*time.Second, func(e *event.Event) bool {
		if e.PID != pid {
			return false
		}
		switch e.Type {
		case event.Execve:
			// the file run: /usr/bin/cat on a merged /usr, /bin/busybox
			// where cat is busybox
			if real, _ := filepath.EvalSymlinks("/bin/cat"); e.ExePath == real || e.ExePath == "/bin/cat" {
				got.Exec = cmp.Equal(e.Args, []string{"/bin/cat", file, "-"})
			}
		case event.Openat:
			got.Open = got.Open || e.Path == file
		case event.Procexit:
			got.Exit = e.Ret == 0
			return true
		}
		return false
	})
	if diff := cmp.Diff(seen{true, true, true}, got); diff != "" {
		t.Errorf("events of pid %d (-want +got):\n%s", pid, diff)
	}
	t.Logf("stats %+v", s.Stats())
}
