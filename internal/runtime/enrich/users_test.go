package enrich

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
)

func TestParseIDFile(t *testing.T) {
	got := ParseIDFile([]byte("root:x:0:0:root:/root:/bin/sh\n# comment\n\nbad line\ndaemon:x:1:1::/:/sbin/nologin\n" +
		"dup:x:1:1\nnoid:x::\n+nis::::\nwww-data:x:33:33:www:/var/www:/usr/sbin/nologin"))
	want := map[uint32]string{0: "root", 1: "daemon", 33: "www-data"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func FuzzParseIDFile(f *testing.F) {
	f.Add([]byte("root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1::/:\n"))
	f.Add([]byte("a:b:4294967296:\n:x:1:\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for id, name := range ParseIDFile(b) {
			if name == "" || len(name) > 256 {
				t.Fatalf("id %d: name %q", id, name)
			}
		}
	})
}

// TestContainerUserNames: user.name, group.name and user.loginname of a
// container process come from the container's own /etc/passwd and
// /etc/group (through /proc/PID/root), not the host's.
func TestContainerUserNames(t *testing.T) {
	procRoot := t.TempDir()
	etc := filepath.Join(procRoot, "4242", "root", "etc")
	os.MkdirAll(etc, 0o755)
	os.WriteFile(filepath.Join(etc, "passwd"), []byte("root:x:0:0::/:/bin/sh\napp:x:4711:4712::/app:/bin/sh\nops:x:900:900::/:/bin/sh\n"), 0o644)
	os.WriteFile(filepath.Join(etc, "group"), []byte("root:x:0:\napp:x:4712:\n"), 0o644)
	en, err := New(Options{ProcRoot: procRoot, NoDocker: true})
	if err != nil {
		t.Fatal(err)
	}
	ev := &event.Event{Type: event.Openat, PID: 4242, UID: 4711, GID: 4712, LoginUID: 900,
		Container: &event.Container{ID: "c0ffee0000000000000000000000000000000000000000000000000000000000"}}
	en.Enrich(context.Background(), ev)
	if got := []string{ev.UserName, ev.GroupName, ev.LoginName}; !cmp.Equal(got, []string{"app", "app", "ops"}) {
		t.Errorf("names = %q, want app app ops", got)
	}
	// cached per container: the process is gone, the names stay
	os.RemoveAll(filepath.Join(procRoot, "4242"))
	ev2 := &event.Event{Type: event.Openat, PID: 4243, UID: 4711, GID: 0, LoginUID: event.NoUID, Container: ev.Container}
	en.Enrich(context.Background(), ev2)
	if ev2.UserName != "app" || ev2.GroupName != "root" || ev2.LoginName != "" {
		t.Errorf("second event: %q %q %q", ev2.UserName, ev2.GroupName, ev2.LoginName)
	}
}

// TestCwdFollowsChdir: proc.cwd is the cwd the exec record carried, then
// what each successful chdir/fchdir left; a failed one changes nothing.
func TestCwdFollowsChdir(t *testing.T) {
	en, err := New(Options{ProcRoot: t.TempDir(), NoDocker: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	en.Enrich(ctx, &event.Event{Type: event.Execve, PID: 50, PPID: 1, Comm: "sh", ExePath: "/bin/sh", Cwd: "/app", LoginUID: event.NoUID})
	cwd := func() string {
		ev := &event.Event{Type: event.Openat, PID: 50, Path: "/x", LoginUID: event.NoUID}
		en.Enrich(ctx, ev)
		return ev.Process.Cwd
	}
	if got := cwd(); got != "/app" {
		t.Errorf("after exec: %q", got)
	}
	en.Enrich(ctx, &event.Event{Type: event.Chdir, PID: 50, Cwd: "/tmp", Path: "/tmp", LoginUID: event.NoUID})
	if got := cwd(); got != "/tmp" {
		t.Errorf("after chdir: %q", got)
	}
	en.Enrich(ctx, &event.Event{Type: event.Fchdir, PID: 50, Ret: -9, LoginUID: event.NoUID})
	if got := cwd(); got != "/tmp" {
		t.Errorf("after a failed fchdir: %q", got)
	}
}
