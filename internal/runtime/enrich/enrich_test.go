package enrich

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
)

const cid = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"

func TestContainerIDFromCgroup(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"docker cgroupfs v1", "12:cpu,cpuacct:/docker/" + cid + "\n0::/\n", cid},
		{"systemd scope", "0::/system.slice/docker-" + cid + ".scope\n", cid},
		{"nested", "4:memory:/docker/" + cid + "/sub\n", cid},
		{"containerd", "0::/kubepods.slice/x/cri-containerd-" + cid + ".scope\n", cid},
		{"host", "9:name=systemd:/\n1:cpu:/\n0::/user.slice\n", ""},
		{"short hex", "1:cpu:/docker/abc\n", ""},
		{"upper hex", "1:cpu:/docker/" + strings.ToUpper(cid) + "\n", ""},
		{"garbage", "no colons here\n::\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, ContainerIDFromCgroup([]byte(tc.in))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSplitImage(t *testing.T) {
	tests := []struct{ in, repo, tag, digest string }{
		{"nginx", "nginx", "latest", ""},
		{"nginx:1.25", "nginx", "1.25", ""},
		{"registry:5000/team/app", "registry:5000/team/app", "latest", ""},
		{"registry:5000/team/app:2@sha256:ab", "registry:5000/team/app", "2", "sha256:ab"},
		{"app@sha256:ab", "app", "", "sha256:ab"},
		{"sha256:ab", "", "", "sha256:ab"},
	}
	for _, tc := range tests {
		r, tg, d := SplitImage(tc.in)
		if diff := cmp.Diff([]string{tc.repo, tc.tag, tc.digest}, []string{r, tg, d}); diff != "" {
			t.Errorf("SplitImage(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestParseInspect(t *testing.T) {
	b, err := os.ReadFile("testdata/inspect.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseInspect(b)
	if err != nil {
		t.Fatal(err)
	}
	want := &ContainerInfo{
		Container: event.Container{
			ID: cid, Name: "web", Image: "registry.example.com:5000/team/app:1.2",
			ImageRepository: "registry.example.com:5000/team/app", ImageTag: "1.2", Privileged: true,
			StartTime: time.Date(2026, 11, 26, 22, 0, 1, 500000000, time.UTC), Labels: map[string]string{"app": "web"},
		},
		UpperDir: "UPPER", Pid: 4242,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, bad := range []string{"", "{", "{}", `{"Id":1}`} {
		if _, err := ParseInspect([]byte(bad)); err == nil {
			t.Errorf("ParseInspect(%q) gave no error", bad)
		}
	}
}

// fakeProc writes a /proc tree: pid -> status fields, cmdline, cgroup.
type fakeProcess struct {
	pid, ppid uint32
	name      string
	argv      []string
	cgroup    string
}

func writeProc(t *testing.T, root string, ps []fakeProcess) {
	t.Helper()
	for _, p := range ps {
		dir := filepath.Join(root, itoa(p.pid))
		if err := os.MkdirAll(filepath.Join(dir, "fd"), 0o755); err != nil {
			t.Fatal(err)
		}
		status := "Name:\t" + p.name + "\nPPid:\t" + itoa(p.ppid) + "\nUid:\t1000\t0\t0\t0\nGid:\t10\t10\t10\t10\n"
		files := map[string]string{
			"status": status, "cmdline": strings.Join(p.argv, "\x00") + "\x00", "cgroup": p.cgroup,
		}
		for name, body := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		os.Symlink("/usr/bin/"+p.name, filepath.Join(dir, "exe"))
		os.Symlink("pipe:[77]", filepath.Join(dir, "fd", "0"))
		os.Symlink("/dev/pts/0", filepath.Join(dir, "fd", "1"))
	}
}

func itoa(v uint32) string { return strconvU(v) }

// fakeDocker serves inspect and an events stream on a unix socket.
func fakeDocker(t *testing.T, inspect []byte, events string) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "docker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /containers/{id}/json", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != cid {
			http.Error(w, `{"message":"no such container"}`, http.StatusNotFound)
			return
		}
		w.Write(inspect)
	})
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(events))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return sock
}

func TestEnrichProcessTreeAndContainer(t *testing.T) {
	root := t.TempDir()
	procRoot := filepath.Join(root, "proc")
	upper := filepath.Join(root, "upper")
	os.MkdirAll(filepath.Join(upper, "tmp"), 0o755)
	os.WriteFile(filepath.Join(upper, "tmp", "dropped"), []byte("x"), 0o755)
	inspect, _ := os.ReadFile("testdata/inspect.json")
	inspect = []byte(strings.ReplaceAll(string(inspect), "UPPER", upper))

	writeProc(t, procRoot, []fakeProcess{
		{1, 0, "init", []string{"/sbin/init"}, "1:cpu:/\n"},
		{100, 1, "containerd-shim", []string{"containerd-shim", "-id", "x"}, "1:cpu:/\n"},
		{200, 100, "bash", []string{"bash"}, "1:cpu:/docker/" + cid + "\n"},
	})
	en, err := New(Options{ProcRoot: procRoot, DockerSocket: fakeDocker(t, inspect, "")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// bash (200) forks 300, which execs /tmp/dropped (in the upper dir)
	fork := &event.Event{Type: event.Clone, PID: 300, PPID: 200, Comm: "bash", CgroupID: 9}
	enrichWait(en, ctx, fork)
	exec := &event.Event{Type: event.Execve, PID: 300, PPID: 200, Comm: "dropped", ExePath: "/tmp/dropped",
		Args: []string{"/tmp/dropped", "-x"}, CgroupID: 9}
	enrichWait(en, ctx, exec)
	open := &event.Event{Type: event.Openat, PID: 300, Path: "/etc/shadow", CgroupID: 9}
	enrichWait(en, ctx, open)

	type view struct {
		Name, Cmdline, PName, AName2, Container, ContainerName, Image string
		Upper, Privileged                                             bool
		Stdin, Stdout                                                 event.FDType
	}
	look := func(e *event.Event) view {
		v := view{Name: e.Process.Name, Cmdline: e.Process.Cmdline()}
		if p := e.Process.Parent; p != nil {
			v.PName = p.Name
			if p.Parent != nil {
				v.AName2 = p.Parent.Name
			}
		}
		if e.Container != nil {
			v.Container, v.ContainerName, v.Image, v.Privileged = e.Container.ID, e.Container.Name, e.Container.Image, e.Container.Privileged
		}
		v.Upper, v.Stdin, v.Stdout = e.Process.ExeUpperLayer, e.Process.StdinType, e.Process.StdoutType
		return v
	}
	want := view{Name: "dropped", Cmdline: "dropped -x", PName: "bash", AName2: "containerd-shim",
		Container: cid, ContainerName: "web", Image: "registry.example.com:5000/team/app:1.2",
		Upper: true, Privileged: true, Stdin: event.FDUnknown, Stdout: event.FDUnknown}
	if diff := cmp.Diff(want, look(open)); diff != "" {
		t.Errorf("open event (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, look(exec)); diff != "" {
		t.Errorf("exec event (-want +got):\n%s", diff)
	}
	// Drift: a bind-mounted binary leaves an empty placeholder in the
	// upper dir (not drift), so does a path that is a mount point; what
	// the sensor decided at the exec wins over the upper dir.
	os.WriteFile(filepath.Join(upper, "tmp", "placeholder"), nil, 0o755)
	os.WriteFile(filepath.Join(upper, "tmp", "mounted"), []byte("x"), 0o755)
	os.MkdirAll(filepath.Join(procRoot, "300"), 0o755)
	os.WriteFile(filepath.Join(procRoot, "300", "mountinfo"), []byte(
		"22 1 0:21 / / rw - overlay overlay rw\n"+
			"23 22 8:1 /home/u/bin/tool /tmp/mounted rw - ext4 /dev/sda1 rw\n"), 0o644)
	for _, tc := range []struct {
		exe          string
		known, upper bool
		want         bool
	}{
		{"/tmp/placeholder", false, false, false},
		{"/tmp/mounted", false, false, false},
		{"/tmp/dropped", false, false, true},
		{"/tmp/dropped", true, false, false}, // the sensor saw a lower-layer or bind-mounted inode
		{"/tmp/deleted-already", true, true, true},
	} {
		ev := &event.Event{Type: event.Execve, PID: 300, PPID: 200, Comm: "x", ExePath: tc.exe, CgroupID: 9,
			ExeLayerKnown: tc.known, ExeUpperLayer: tc.upper}
		enrichWait(en, ctx, ev)
		if got := ev.Process.ExeUpperLayer; got != tc.want {
			t.Errorf("exec of %s (sensor knew %v, upper %v): proc.is_exe_upper_layer = %v, want %v", tc.exe, tc.known, tc.upper, got, tc.want)
		}
	}

	// the fork event carries the parent's image
	if got := fork.Process.Name; got != "bash" {
		t.Errorf("fork Process.Name = %q, want bash", got)
	}

	// a host process: no container
	host := &event.Event{Type: event.Openat, PID: 100, CgroupID: 1}
	enrichWait(en, ctx, host)
	if host.Container != nil {
		t.Errorf("host process got container %+v", host.Container)
	}
	enrichWait(en, ctx, &event.Event{Type: event.Procexit, PID: 300, CgroupID: 9})
	if _, ok := en.procs[300]; ok {
		t.Error("exited process still in the table")
	}
	st := en.Stats()
	if diff := cmp.Diff(Stats{Processes: 3, Containers: 1}, st, cmpopts.IgnoreFields(Stats{}, "ProcReads")); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

func TestRunFollowsDockerEvents(t *testing.T) {
	inspect, _ := os.ReadFile("testdata/inspect.json")
	events := `{"Type":"container","Action":"start","Actor":{"ID":"` + cid + `"}}` + "\n" +
		`not json` + "\n" +
		`{"Type":"container","Action":"destroy","Actor":{"ID":"` + cid + `"}}` + "\n"
	procRoot := t.TempDir()
	en, err := New(Options{ProcRoot: procRoot, DockerSocket: fakeDocker(t, inspect, events)})
	if err != nil {
		t.Fatal(err)
	}
	// warm the cache; the start event re-inspects, destroy evicts, and an
	// inspection still under way at the destroy does not bring it back
	en.container(context.Background(), cid)
	if ch := en.Pending(cid); ch != nil {
		<-ch
	}
	if n := en.Stats().Containers; n != 1 {
		t.Fatalf("containers after the first inspection = %d, want 1", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- en.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for en.Stats().DockerEvents < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if ch := en.Pending(cid); ch != nil {
		<-ch
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := en.Stats().Containers; n != 0 {
		t.Errorf("containers after destroy = %d, want 0", n)
	}
}

// TestStartKeepsKnownContainer: Docker's start event arrives after the
// container's first processes ran (and were inspected); while the start
// re-inspects, what is known stays: an event then still gets the name and
// image, never the id alone.
func TestStartKeepsKnownContainer(t *testing.T) {
	inspect, _ := os.ReadFile("testdata/inspect.json")
	gate := make(chan struct{})
	var calls atomic.Int32
	sock := filepath.Join(t.TempDir(), "docker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /containers/{id}/json", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) > 1 {
			<-gate // the start's inspection is held
		}
		w.Write(inspect)
	})
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"Type":"container","Action":"start","Actor":{"ID":"` + cid + `"}}` + "\n"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	en, err := New(Options{ProcRoot: t.TempDir(), DockerSocket: sock})
	if err != nil {
		t.Fatal(err)
	}
	en.container(context.Background(), cid)
	if ch := en.Pending(cid); ch != nil {
		<-ch
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- en.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for calls.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if calls.Load() < 2 {
		t.Fatal("the start event did not inspect the container again")
	}
	ev := &event.Event{Type: event.Openat, PID: 4242, Container: &event.Container{ID: cid}}
	en.Enrich(context.Background(), ev)
	if ev.Container.Name == "" || ev.Container.Image == "" {
		t.Errorf("while the start re-inspects: container %+v, want its name and image", ev.Container)
	}
	close(gate)
	if ch := en.Pending(cid); ch != nil {
		<-ch
	}
	cancel()
	<-done
}

func TestUnknownContainerKeepsID(t *testing.T) {
	other := strings.Repeat("ab", 32)
	en, err := New(Options{ProcRoot: t.TempDir(), DockerSocket: fakeDocker(t, []byte("{}"), "")})
	if err != nil {
		t.Fatal(err)
	}
	ev := &event.Event{Type: event.Openat, PID: 5, Container: &event.Container{ID: other}}
	enrichWait(en, context.Background(), ev)
	if ev.Container == nil || ev.Container.ID != other || ev.Container.Name != "" {
		t.Errorf("container = %+v", ev.Container)
	}
	if st := en.Stats(); st.InspectErrors != 1 {
		t.Errorf("InspectErrors = %d, want 1", st.InspectErrors)
	}
}

func TestParseStatus(t *testing.T) {
	got := parseStatus([]byte("Name:\tsh\nPPid:\t7\nUid:\t0\t1000\t0\t0\nGid:\t5\t5\t5\t5\nNSsid:\t4000\t1\nbogus\nUid: x\n"))
	want := &procInfo{Name: "sh", PPID: 7, SID: 4000, UID: 0, EUID: 1000, GID: 5, LoginUID: event.NoUID}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(procInfo{})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestFDType(t *testing.T) {
	procRoot := t.TempDir()
	writeProc(t, procRoot, []fakeProcess{{7, 1, "sh", []string{"sh"}, ""}})
	dir := filepath.Join(procRoot, "7")
	os.MkdirAll(filepath.Join(dir, "net"), 0o755)
	os.WriteFile(filepath.Join(dir, "net", "tcp"), []byte(
		"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"+
			"   0: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 4242 1 0\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "net", "unix"), []byte(
		"Num       RefCount Protocol Flags    Type St Inode Path\n0000: 00000002 00000000 00010000 0001 01 5555 /run/x\n"), 0o644)
	os.Symlink("socket:[4242]", filepath.Join(dir, "fd", "2"))
	os.Symlink("socket:[5555]", filepath.Join(dir, "fd", "3"))
	os.Symlink("socket:[9999]", filepath.Join(dir, "fd", "4"))
	os.Symlink("anon_inode:[eventpoll]", filepath.Join(dir, "fd", "5"))
	var got []event.FDType
	for fd := 0; fd <= 6; fd++ {
		got = append(got, fdType(procRoot, 7, fd))
	}
	want := []event.FDType{event.FDPipe, event.FDFile, event.FDIPv4, event.FDUnix, event.FDUnknown, event.FDEventPoll, event.FDUnknown}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestResolveRelativePathsAndTTY(t *testing.T) {
	procRoot := t.TempDir()
	writeProc(t, procRoot, []fakeProcess{{7, 1, "sh", []string{"sh"}, ""}})
	dir := filepath.Join(procRoot, "7")
	os.Symlink("/srv/app", filepath.Join(dir, "cwd"))
	os.Symlink("/etc", filepath.Join(dir, "fd", "9"))
	os.WriteFile(filepath.Join(dir, "stat"), []byte("7 (my (odd) name) S 1 7 7 34816 7 4194560 0 0"), 0o644)
	en, err := New(Options{ProcRoot: procRoot, NoDocker: true})
	if err != nil {
		t.Fatal(err)
	}
	evs := []*event.Event{
		{Type: event.Openat, PID: 7, Path: "data/x", FD: -100},
		{Type: event.Openat, PID: 7, Path: "shadow", FD: 9},
		{Type: event.Open, PID: 7, Path: "../y", FD: -1},
		{Type: event.Openat, PID: 7, Path: "/abs", FD: 9},
		{Type: event.Execve, PID: 7, Path: "./run", ExePath: "./run"},
		{Type: event.Connect, PID: 7, Path: "rel.sock"},
	}
	var got [][2]string
	for _, ev := range evs {
		enrichWait(en, context.Background(), ev)
		got = append(got, [2]string{ev.Path, ev.PathRaw})
	}
	want := [][2]string{{"/srv/app/data/x", "data/x"}, {"/etc/shadow", "shadow"}, {"/srv/y", "../y"},
		{"/abs", ""}, {"/srv/app/run", "./run"}, {"rel.sock", ""}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if evs[4].ExePath != "/srv/app/run" || evs[4].Process.ExePath != "/srv/app/run" || evs[4].Process.TTY != 34816 {
		t.Errorf("exec: ExePath %q, Process %+v", evs[4].ExePath, evs[4].Process)
	}
}

// TestSetuidCallerCredentials checks that a setuid-family event, which the
// sensors report with the credentials the call left, reaches the rules with
// the caller's from the process table, and that the table follows
// successful calls only.
func TestSetuidCallerCredentials(t *testing.T) {
	procRoot := filepath.Join(t.TempDir(), "proc")
	writeProc(t, procRoot, []fakeProcess{{1, 0, "init", []string{"/sbin/init"}, "1:cpu:/\n"}})
	en, err := New(Options{ProcRoot: procRoot, DockerSocket: filepath.Join(t.TempDir(), "none.sock")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	type creds struct{ UID, EUID, GID, ProcUID, ProcEUID uint32 }
	seen := func(e *event.Event) creds {
		return creds{e.UID, e.EUID, e.GID, e.Process.UID, e.Process.EUID}
	}
	steps := []struct {
		name string
		ev   *event.Event
		want creds
	}{
		// a setuid-root binary started by uid 1000
		{"exec", &event.Event{Type: event.Execve, PID: 50, PPID: 1, Comm: "su", UID: 1000, EUID: 0, GID: 100}, creds{1000, 0, 100, 1000, 0}},
		// setuid(0) fails: nothing changed
		{"failed setuid", &event.Event{Type: event.Setuid, PID: 50, Ret: -1, UID: 1000, EUID: 0, GID: 100, NewUID: 0}, creds{1000, 0, 100, 1000, 0}},
		// setuid(0) succeeds: the sensor saw uid 0, the caller was 1000
		{"setuid", &event.Event{Type: event.Setuid, PID: 50, UID: 0, EUID: 0, GID: 100, NewUID: 0}, creds{1000, 0, 100, 0, 0}},
		// later events carry their own credentials; the table has the new ones
		{"open", &event.Event{Type: event.Openat, PID: 50, UID: 0, EUID: 0, GID: 100, Path: "/etc/shadow"}, creds{0, 0, 100, 0, 0}},
		// setgid(0) reports the caller's gid too
		{"setgid", &event.Event{Type: event.Setgid, PID: 50, UID: 0, EUID: 0, GID: 0, NewGID: 0}, creds{0, 0, 100, 0, 0}},
		// a child forked from an unknown parent starts from its own event
		{"orphan fork", &event.Event{Type: event.Clone, PID: 60, PPID: 59, Comm: "x", UID: 7, EUID: 7, GID: 7}, creds{7, 7, 7, 7, 7}},
		{"orphan setresuid", &event.Event{Type: event.Setresuid, PID: 60, UID: 0, EUID: 0, GID: 7, NewUID: 0}, creds{7, 7, 7, 0, 0}},
	}
	for _, s := range steps {
		enrichWait(en, ctx, s.ev)
		if s.ev.Process == nil {
			t.Fatalf("%s: no process", s.name)
		}
		if diff := cmp.Diff(s.want, seen(s.ev)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", s.name, diff)
		}
	}
}

// TestExecStdioFromSensor checks that enrichment takes the terminal and the
// stdin/stdout types from an exec event that carries them (read in the
// kernel at the exec) and reads /proc only for one that does not.
func TestExecStdioFromSensor(t *testing.T) {
	procRoot := filepath.Join(t.TempDir(), "proc")
	// /proc says: stdin a pipe, stdout /dev/pts/0, no terminal
	writeProc(t, procRoot, []fakeProcess{{1, 0, "init", []string{"/sbin/init"}, "1:cpu:/\n"},
		{70, 1, "sh", []string{"sh"}, "1:cpu:/\n"}})
	en, err := New(Options{ProcRoot: procRoot, DockerSocket: filepath.Join(t.TempDir(), "none.sock")})
	if err != nil {
		t.Fatal(err)
	}
	type stdio struct {
		TTY           uint32
		Stdin, Stdout event.FDType
	}
	for _, tc := range []struct {
		name string
		ev   *event.Event
		want stdio
	}{
		{"from the sensor", &event.Event{Type: event.Execve, PID: 70, PPID: 1, Comm: "sh", ExePath: "/bin/sh",
			TTY: 34816, StdinType: event.FDIPv4, StdoutType: event.FDIPv4, ExecStdio: true}, stdio{34816, event.FDIPv4, event.FDIPv4}},
		{"from /proc", &event.Event{Type: event.Execve, PID: 70, PPID: 1, Comm: "sh", ExePath: "/bin/sh"},
			stdio{0, event.FDPipe, event.FDFile}},
	} {
		enrichWait(en, context.Background(), tc.ev)
		p := tc.ev.Process
		if diff := cmp.Diff(tc.want, stdio{p.TTY, p.StdinType, p.StdoutType}); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

// enrichWait enriches ev and, when its container is being inspected, waits
// for the inspection and attaches the result, as the pipeline does.
func enrichWait(en *Enricher, ctx context.Context, ev *event.Event) {
	en.Enrich(ctx, ev)
	if ev.Container != nil {
		if ch := en.Pending(ev.Container.ID); ch != nil {
			<-ch
		}
		en.Refresh(ev)
	}
}

// TestInspectDoesNotBlock: an event of a container not yet known comes
// back at once with the id alone while the daemon is slow; Pending then
// Refresh attach the metadata; a failed inspect is retried before it is
// given up.
func TestInspectDoesNotBlock(t *testing.T) {
	inspect, _ := os.ReadFile("testdata/inspect.json")
	release := make(chan struct{})
	var calls atomic.Int32
	sock := filepath.Join(t.TempDir(), "d.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/containers/", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			http.Error(w, "busy", http.StatusInternalServerError) // retried
			return
		}
		<-release
		w.Write([]byte(strings.ReplaceAll(string(inspect), "UPPER", "")))
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	en, err := New(Options{ProcRoot: t.TempDir(), DockerSocket: sock})
	if err != nil {
		t.Fatal(err)
	}
	ev := &event.Event{Type: event.Openat, PID: 5, Container: &event.Container{ID: cid}}
	en.Enrich(context.Background(), ev) // returns while the daemon holds the answer
	ch := en.Pending(cid)
	if ch == nil || ev.Container.Name != "" {
		t.Fatalf("pending %v, container %+v: want an inspection under way and the id alone", ch, ev.Container)
	}
	close(release)
	<-ch
	if id := <-en.Ready(); id != cid {
		t.Errorf("Ready gave %q", id)
	}
	en.Refresh(ev)
	if ev.Container.Name != "web" || calls.Load() != 2 {
		t.Errorf("after the inspection: name %q, %d daemon calls (want web, 2)", ev.Container.Name, calls.Load())
	}
}
