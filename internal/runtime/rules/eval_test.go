package rules

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
)

const testLists = `
- list: shells
  items: [bash, sh, zsh]
- list: more_shells
  items: [shells, fish]
- list: nets
  items: ['"10.0.0.0/8"', '"192.168.0.0/16"']
- list: ports
  items: [80, 443]
- list: empty
  items: []
- macro: is_exec
  condition: evt.type in (execve, execveat)
- macro: in_shell
  condition: (proc.name in (shells))
- macro: nested
  condition: is_exec and in_shell
`

func testExec() *event.Event {
	p := proc("bash", []string{"-c", "cat /etc/passwd"}, "nginx", "containerd-shim")
	p.ExePath = "/bin/bash"
	e := execEv(nginx, p)
	e.ExePath = "/bin/bash"
	e.Cwd = "/var/www"
	e.UserName = "www-data"
	e.UID = 33
	e.Num = 7
	return e
}

func testConnect() *event.Event {
	return &event.Event{Time: testTime, Type: event.Connect, Family: event.AFInet, Proto: event.ProtoTCP,
		SAddr: netip.MustParseAddr("10.1.2.3"), SPort: 40000, DAddr: netip.MustParseAddr("93.184.216.34"), DPort: 443,
		Comm: "curl", FD: 5}
}

// fires loads the test lists and macros plus one rule with cond, and reports
// whether it fires on e; disabled carries the reason when the rule is not enabled.
func fires(t *testing.T, cond string, e *event.Event) (fired bool, disabled string) {
	t.Helper()
	src := testLists + "\n- rule: r\n  desc: d\n  condition: " + yamlQuote(cond) + "\n  output: o %proc.name\n  priority: WARNING\n"
	set, _, err := Load(Source{Name: "t.yaml", Data: []byte(src)})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	info := set.Rules()[0]
	if !info.Enabled {
		return false, info.Disabled
	}
	set.Eval(e, func(Alert) { fired = true })
	return fired, ""
}

func yamlQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func TestConditions(t *testing.T) {
	ex, cn := testExec(), testConnect()
	// a datagram from a new peer, as the sensor reports it: the peer in
	// DAddr, the local end in SAddr
	rv := &event.Event{Time: testTime, Type: event.Recvfrom, Family: event.AFInet, Proto: event.ProtoUDP, FDType: event.FDIPv4,
		SAddr: netip.MustParseAddr("172.17.0.2"), SPort: 53, DAddr: netip.MustParseAddr("10.9.8.7"), DPort: 40000,
		Comm: "dnsd", FD: 6, Ret: 12}
	// bash (100) in the session of nginx (99), and in one whose leader is
	// not among its ancestors
	sess := testExec()
	sess.Process.SID = 99
	far := testExec()
	far.Process.SID = 5
	changed := testExec() // an executable changed 2 s before the process started
	changed.Process.ExeIno, changed.Process.StartTime = 42, testTime
	changed.Process.ExeCtime, changed.Process.ExeMtime = testTime.Add(-2*time.Second), testTime.Add(-3*time.Second)
	// a connect to an IPv4 peer through a dual-stack socket, as an event
	// from another source than the sensor (which unmaps) may carry it:
	// comparisons unmap (compile.go)
	mapped := testConnect()
	mapped.Family, mapped.DAddr = event.AFInet6, netip.MustParseAddr("::ffff:93.184.216.34")
	tests := []struct {
		cond     string
		ev       *event.Event
		want     bool
		disabled string // substring of the reason when the rule must be disabled
	}{
		// an IPv4-mapped address is the IPv4 address it maps
		{cond: "evt.type = connect and fd.sip = 93.184.216.34", ev: mapped, want: true},
		{cond: "evt.type = connect and fd.snet in (\"93.184.216.0/24\")", ev: mapped, want: true},
		{cond: "evt.type = connect and fd.rip in (93.184.216.34)", ev: mapped, want: true},
		{cond: "evt.type = connect and fd.net = \"93.184.0.0/16\"", ev: mapped, want: true},
		// comparison operators
		{cond: "evt.type = execve and proc.name = bash", ev: ex, want: true},
		{cond: "evt.type == execve and proc.name == bash", ev: ex, want: true},
		{cond: "evt.type = execve and proc.name != bash", ev: ex, want: false},
		{cond: "evt.type = execve and proc.pid > 99", ev: ex, want: true},
		{cond: "evt.type = execve and proc.pid >= 100", ev: ex, want: true},
		{cond: "evt.type = execve and proc.pid < 100", ev: ex, want: false},
		{cond: "evt.type = execve and proc.pid <= 100", ev: ex, want: true},
		{cond: "evt.type = execve and proc.name < c", ev: ex, want: true},
		{cond: "evt.type = execve and evt.num = 0x7", ev: ex, want: true},
		// string operators
		{cond: "is_exec and proc.cmdline contains \"cat /etc\"", ev: ex, want: true},
		{cond: "is_exec and proc.cmdline icontains \"CAT /ETC\"", ev: ex, want: true},
		{cond: "is_exec and proc.cmdline startswith \"bash -c\"", ev: ex, want: true},
		{cond: "is_exec and proc.cmdline endswith passwd", ev: ex, want: true},
		{cond: "is_exec and proc.exepath glob '/bin/b*'", ev: ex, want: true},
		{cond: "is_exec and proc.exepath glob '/bin/[a-c]as?'", ev: ex, want: true},
		{cond: "is_exec and proc.exepath glob '/usr/*'", ev: ex, want: false},
		{cond: "is_exec and proc.exepath iglob '/BIN/B*'", ev: ex, want: true},
		{cond: "is_exec and proc.cmdline regex '^bash -c cat /etc/(passwd|shadow)$'", ev: ex, want: true},
		{cond: "is_exec and proc.name bcontains 6173", ev: ex, want: true},
		{cond: "is_exec and proc.name bstartswith 6261", ev: ex, want: true},
		{cond: "is_exec and proc.name bstartswith 6173", ev: ex, want: false},
		{cond: "is_exec and proc.cwd pmatch (/var, /srv)", ev: ex, want: true},
		{cond: "is_exec and proc.cwd pmatch (/va)", ev: ex, want: false},
		{cond: "is_exec and proc.name in (sh, bash)", ev: ex, want: true},
		{cond: "is_exec and proc.name intersects (bash)", ev: ex, want: true},
		{cond: "is_exec and proc.name exists", ev: ex, want: true},
		{cond: "is_exec and fd.sip exists", ev: ex, want: false},
		// precedence: not > and > or
		{cond: "is_exec and not proc.name = sh and proc.pname = nginx", ev: ex, want: true},
		{cond: "proc.name = sh and is_exec or proc.name = bash", ev: ex, want: true},
		{cond: "is_exec and (proc.name = sh or proc.name = zsh)", ev: ex, want: false},
		{cond: "not not is_exec", ev: ex, want: true},
		{cond: "is_exec and not (proc.name = bash and proc.pname = nginx)", ev: ex, want: false},
		// lists and macros
		{cond: "is_exec and proc.name in (more_shells)", ev: ex, want: true},
		{cond: "is_exec and proc.name in (empty)", ev: ex, want: false},
		{cond: "is_exec and not proc.name in (empty)", ev: ex, want: true},
		{cond: "nested", ev: ex, want: true},
		{cond: "nested and not in_shell", ev: ex, want: false},
		// ancestors
		{cond: "is_exec and proc.aname[1] = nginx and proc.aname[2] = containerd-shim", ev: ex, want: true},
		{cond: "is_exec and proc.aname[0] = bash", ev: ex, want: true},
		{cond: "is_exec and proc.aname = containerd-shim", ev: ex, want: true},
		{cond: "is_exec and proc.aname = bash", ev: ex, want: false},
		{cond: "is_exec and proc.aname in (x, nginx)", ev: ex, want: true},
		{cond: "is_exec and proc.pcmdline = nginx", ev: ex, want: true},
		{cond: "is_exec and proc.args = \"-c cat /etc/passwd\"", ev: ex, want: true},
		// transformers and val()
		{cond: "is_exec and toupper(proc.name) = BASH", ev: ex, want: true},
		{cond: "is_exec and tolower(toupper(proc.name)) = bash", ev: ex, want: true},
		{cond: "is_exec and basename(proc.exepath) = bash", ev: ex, want: true},
		{cond: "is_exec and len(proc.name) = 4", ev: ex, want: true},
		{cond: "is_exec and b64(container.name) = x", ev: ex, want: false},
		{cond: "is_exec and proc.name = val(proc.aname[0])", ev: ex, want: true},
		{cond: "is_exec and proc.name = val(proc.pname)", ev: ex, want: false},
		{cond: "is_exec and proc.pid > val(proc.apid[1])", ev: ex, want: true},
		// container, user, host
		{cond: "is_exec and container.id = 4f1c2d3e4b5a and container.image.repository = nginx", ev: ex, want: true},
		{cond: "is_exec and container.privileged = false and container.name = web", ev: ex, want: true},
		{cond: "is_exec and user.name = www-data and user.uid = 33 and user.loginuid = -1", ev: ex, want: true},
		{cond: "is_exec and k8s.ns.name = \"\"", ev: ex, want: true},
		{cond: "is_exec and k8s.ns.name exists", ev: ex, want: false},
		{cond: "is_exec and not k8s.pod.name in (kube-system)", ev: ex, want: true},
		{cond: "evt.type = connect and container.id = host", ev: cn, want: true},
		// network fields
		{cond: "evt.type = connect and fd.sip = 93.184.216.34 and fd.sport = 443 and fd.cport = 40000", ev: cn, want: true},
		{cond: "evt.type = connect and fd.rip = \"93.184.216.0/24\" and fd.lip = 10.1.2.3", ev: cn, want: true},
		{cond: "evt.type = connect and fd.cnet in (nets)", ev: cn, want: true},
		{cond: "evt.type = connect and fd.snet in (nets)", ev: cn, want: false},
		{cond: "evt.type = connect and fd.net = \"10.0.0.0/8\"", ev: cn, want: true},
		{cond: "evt.type = connect and fd.ip != 10.1.2.3", ev: cn, want: false},
		{cond: "evt.type = connect and fd.rport in (ports) and fd.l4proto = tcp and fd.typechar = 4", ev: cn, want: true},
		{cond: "evt.type = connect and fd.name = \"10.1.2.3:40000->93.184.216.34:443\"", ev: cn, want: true},
		{cond: "evt.type = connect and fd.connected = true and fd.type = ipv4 and fd.sockfamily = ip", ev: cn, want: true},
		{cond: "evt.type = connect and evt.res = SUCCESS and evt.failed = false and evt.rawres = 0", ev: cn, want: true},
		{cond: "evt.type = connect and evt.dir = <", ev: cn, want: true},
		// Falco's "inbound" macro, the recvfrom/recvmsg half
		{cond: "evt.type in (recvfrom,recvmsg) and evt.dir=< and fd.l4proto != tcp and fd.connected=false and fd.name_changed=true and (fd.typechar = 4 or fd.typechar = 6) and (fd.ip != \"0.0.0.0\" and fd.net != \"127.0.0.0/8\") and evt.rawres >= 0", ev: rv, want: true},
		{cond: "evt.type = recvfrom and fd.sip = 172.17.0.2 and fd.sport = 53 and fd.cip = 10.9.8.7 and fd.cport = 40000 and fd.l4proto = udp", ev: rv, want: true},
		{cond: "evt.type = recvfrom and fd.name = \"10.9.8.7:40000->172.17.0.2:53\"", ev: rv, want: true},
		{cond: "is_exec and proc.sid = 99 and proc.sname = nginx", ev: sess, want: true},
		{cond: "is_exec and proc.sid = 5 and proc.sname exists", ev: far, want: false},
		{cond: "is_exec and proc.sid exists", ev: ex, want: false}, // not known
		{cond: "is_exec and proc.exe_ino = 42 and proc.exe_ino.ctime_duration_proc_start = 2000000000", ev: changed, want: true},
		{cond: "is_exec and proc.exe_ino.mtime < 1 and proc.exe_ino.ctime > 1", ev: changed, want: false},
		{cond: "is_exec and proc.exe_ino.mtime > 1 and proc.exe_ino.ctime > proc.exe_ino.mtime", ev: changed, disabled: "not a number"},
		{cond: "is_exec and proc.exe_ino exists", ev: ex, want: false},
		// unsupported fields disable the rule with the field named
		{cond: "is_exec and proc.env contains X", ev: ex, disabled: `"proc.env"`},
		{cond: "is_exec and evt.arg[0] = x", ev: ex, disabled: `"evt.arg[0]"`},
		{cond: "is_exec and evt.arg.nosuch = x", ev: ex, disabled: `"evt.arg.nosuch"`},
		// other errors
		{cond: "is_exec and no_such_macro", ev: ex, disabled: `undefined macro "no_such_macro"`},
		{cond: "is_exec and proc.pid = abc", ev: ex, disabled: `"abc" is not a number`},
		{cond: "is_exec and proc.name regex '('", ev: ex, disabled: "regex"},
		{cond: "is_exec and (proc.name = bash", ev: ex, disabled: "expected )"},
		{cond: "is_exec and", ev: ex, disabled: "ends where an expression"},
		{cond: "evt.type = nosuchcall", ev: ex, disabled: "never match"},
		{cond: "is_exec and fd.sip = notanip", ev: ex, disabled: "not an address"},
	}
	for _, tc := range tests {
		t.Run(tc.cond, func(t *testing.T) {
			got, disabled := fires(t, tc.cond, tc.ev)
			if tc.disabled != "" {
				if !strings.Contains(disabled, tc.disabled) {
					t.Fatalf("disabled = %q, want it to mention %q", disabled, tc.disabled)
				}
				return
			}
			if disabled != "" {
				t.Fatalf("rule disabled: %s", disabled)
			}
			if got != tc.want {
				t.Errorf("fired = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestEventTypeIndex(t *testing.T) {
	tests := []struct {
		cond string
		want []string
	}{
		{"evt.type = execve", []string{"execve"}},
		{"evt.type in (open, openat) and proc.name = x", []string{"open", "openat"}},
		{"evt.type = open or evt.type = connect", []string{"open", "connect"}},
		{"is_exec and not evt.type = execveat", []string{"execve"}},
		{"not (evt.type != ptrace)", []string{"ptrace"}},
		{"proc.name = x", nil},
	}
	for _, tc := range tests {
		t.Run(tc.cond, func(t *testing.T) {
			src := testLists + "\n- rule: r\n  desc: d\n  condition: " + yamlQuote(tc.cond) + "\n  output: o\n  priority: INFO\n"
			set, _, err := Load(Source{Name: "t.yaml", Data: []byte(src)})
			if err != nil {
				t.Fatal(err)
			}
			got := set.Rules()[0].EventTypes
			if len(got) == 0 {
				got = nil
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("event types (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPriorities(t *testing.T) {
	var got []string
	for _, s := range []string{"EMERGENCY", "alert", "Critical", "ERROR", "warning", "NOTICE", "INFORMATIONAL", "info", "DEBUG"} {
		p, err := ParsePriority(s)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.String()+"/"+p.Severity().String())
	}
	want := []string{"Emergency/CRITICAL", "Alert/CRITICAL", "Critical/CRITICAL", "Error/HIGH", "Warning/MEDIUM",
		"Notice/LOW", "Informational/INFO", "Informational/INFO", "Debug/INFO"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := ParsePriority("LOUD"); err == nil {
		t.Error("ParsePriority accepted LOUD")
	}
}

func TestAlertAndFinding(t *testing.T) {
	src := `
- rule: Shell in web
  desc: d
  condition: evt.type = execve and proc.name = bash
  output: "shell %proc.name (parent=%proc.pname cmd=%proc.cmdline) in %container.name at %evt.time 100%"
  priority: ERROR
  tags: [a, b]
`
	set, warns, err := Load(Source{Name: "t.yaml", Data: []byte(src)})
	if err != nil || len(warns) != 0 {
		t.Fatalf("load: %v %v", err, warns)
	}
	var alerts []Alert
	set.WithHostname("node1").Eval(testExec(), func(a Alert) { alerts = append(alerts, a) })
	if len(alerts) != 1 {
		t.Fatalf("got %d alerts", len(alerts))
	}
	a := alerts[0]
	if want := "shell bash (parent=nginx cmd=bash -c cat /etc/passwd) in web at 12:00:00.000000000 100%"; a.Output != want {
		t.Errorf("output = %q, want %q", a.Output, want)
	}
	wantFields := map[string]any{
		"proc.name": "bash", "proc.pname": "nginx", "proc.cmdline": "bash -c cat /etc/passwd", "container.name": "web",
		"evt.time": "12:00:00.000000000", "container.id": "4f1c2d3e4b5a", "container.image.repository": "nginx",
		"container.image.tag": "1.25", "evt.type": "execve",
	}
	if diff := cmp.Diff(wantFields, a.OutputFields); diff != "" {
		t.Errorf("output fields (-want +got):\n%s", diff)
	}
	f := a.Finding()
	got := []any{f.Kind, f.ID, f.Severity, f.Location.ContainerID, f.Location.ContainerName, f.Location.Object, f.Tags, a.Hostname}
	want := []any{finding.Runtime, "Shell in web", finding.High, "4f1c2d3e4b5a", "web", "pid 100 (bash)", []string{"a", "b"}, "node1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("finding (-want +got):\n%s", diff)
	}
}

// TestEvalConcurrent runs one Set from several goroutines (go test -race
// checks that evaluation shares no mutable state).
func TestEvalConcurrent(t *testing.T) {
	set, _, err := Load(Default())
	if err != nil {
		t.Fatal(err)
	}
	evs := []*event.Event{testExec(), testConnect(), openEv(nginx, "cat", "/etc/shadow", event.ORdOnly)}
	want := 0
	for _, e := range evs {
		set.Eval(e, func(Alert) { want++ })
	}
	done := make(chan int)
	for range 4 {
		go func() {
			n := 0
			for range 200 {
				for _, e := range evs {
					set.Eval(e, func(a Alert) { n++; _ = a.Output })
				}
			}
			done <- n
		}()
	}
	for range 4 {
		if got := <-done; got != 200*want {
			t.Errorf("alerts = %d, want %d", got, 200*want)
		}
	}
}
