//go:build linux && (amd64 || arm64)

package sensor

import (
	"encoding/json"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// recvEnv makes TestHelperRecv, run as a child, receive the datagrams
// TestBPFRecvNewPeers expects, writing its ports to the named file.
const recvEnv = "BULKHEAD_TEST_RECV_FILE"

// recvPorts are the helper's sockets' ports.
type recvPorts struct {
	Server, Peer1, Peer2, Connected, Server6, Peer6, TCP int
}

func localPort(t *testing.T, fd int) int {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return a.Port
	case *unix.SockaddrInet6:
		return a.Port
	}
	t.Fatalf("getsockname: %T", sa)
	return 0
}

func udpSocket(t *testing.T, family int) int {
	fd, err := unix.Socket(family, unix.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	var sa unix.Sockaddr = &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if family == unix.AF_INET6 {
		sa = &unix.SockaddrInet6{Addr: netip.IPv6Loopback().As16()}
	}
	if err := unix.Bind(fd, sa); err != nil {
		t.Fatal(err)
	}
	return fd
}

// TestHelperRecv is the child of TestBPFRecvNewPeers, not a test.
func TestHelperRecv(t *testing.T) {
	out := os.Getenv(recvEnv)
	if out == "" {
		t.Skip("helper process")
	}
	// the peer slots are per CPU: stay on one, so that a repeated peer
	// meets its slot again
	runtime.LockOSThread()
	var one unix.CPUSet
	one.Set(0)
	if err := unix.SchedSetaffinity(0, &one); err != nil {
		t.Fatal(err)
	}
	srv, p1, p2 := udpSocket(t, unix.AF_INET), udpSocket(t, unix.AF_INET), udpSocket(t, unix.AF_INET)
	srv6, p6 := udpSocket(t, unix.AF_INET6), udpSocket(t, unix.AF_INET6)
	conn := udpSocket(t, unix.AF_INET)
	ports := recvPorts{Server: localPort(t, srv), Peer1: localPort(t, p1), Peer2: localPort(t, p2),
		Connected: localPort(t, conn), Server6: localPort(t, srv6), Peer6: localPort(t, p6)}
	to := &unix.SockaddrInet4{Port: ports.Server, Addr: [4]byte{127, 0, 0, 1}}
	buf := make([]byte, 64)
	send := func(fd int, n int, dst unix.Sockaddr) {
		for range n {
			if err := unix.Sendto(fd, []byte("x"), 0, dst); err != nil {
				t.Fatal(err)
			}
		}
	}
	recvfrom := func(fd, n int) {
		for range n {
			if _, _, err := unix.Recvfrom(fd, buf, 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	recvmsg := func(fd, n int) {
		for range n {
			if _, _, _, _, err := unix.Recvmsg(fd, buf, nil, 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	send(p1, 3, to)
	recvfrom(srv, 3) // one event: peer1
	send(p2, 2, to)
	recvfrom(srv, 2) // one event: peer2
	send(p1, 1, to)
	recvfrom(srv, 1) // one event: peer1 again, the name changed
	send(p2, 2, to)
	recvmsg(srv, 2) // one event: recvmsg from peer2
	send(p6, 2, &unix.SockaddrInet6{Port: ports.Server6, Addr: netip.IPv6Loopback().As16()})
	recvfrom(srv6, 2) // one event: the IPv6 peer
	// a connected UDP socket: its peer is fixed, nothing to report
	if err := unix.Connect(conn, &unix.SockaddrInet4{Port: ports.Peer1, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	send(p1, 2, &unix.SockaddrInet4{Port: ports.Connected, Addr: [4]byte{127, 0, 0, 1}})
	recvfrom(conn, 2)
	// TCP: recvfrom and recvmsg with an address buffer give nothing
	ln, _ := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	unix.Bind(ln, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}})
	unix.Listen(ln, 1)
	ports.TCP = localPort(t, ln)
	c, _ := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err := unix.Connect(c, &unix.SockaddrInet4{Port: ports.TCP, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	a, _, err := unix.Accept(ln)
	if err != nil {
		t.Fatal(err)
	}
	unix.Write(c, []byte("ab"))
	time.Sleep(10 * time.Millisecond)
	if _, _, err := unix.Recvfrom(a, buf[:1], 0); err != nil {
		t.Fatal(err)
	}
	recvmsg(a, 1)
	b, _ := json.Marshal(ports)
	if err := os.WriteFile(out, b, 0o600); err != nil {
		t.Fatal(err)
	}
	os.Exit(0)
}

// TestBPFRecvNewPeers: recvfrom and recvmsg on an unconnected UDP socket
// are reported once per new source address (fd.name_changed), with the
// peer, the local port and the protocol; repeated datagrams from the same
// peer, a connected UDP socket and TCP give nothing.
func TestBPFRecvNewPeers(t *testing.T) {
	testenv.RequireBPF(t)
	s, err := Open(Options{Mode: ModeBPF})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	file := filepath.Join(t.TempDir(), "ports")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperRecv$")
	cmd.Env = append(os.Environ(), recvEnv+"="+file)
	out := make(chan []byte, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		cmd.Wait()
		b, _ := os.ReadFile(file)
		out <- b
	}()
	pid := uint32(cmd.Process.Pid)
	type recv struct {
		Type       string
		Peer       string
		PeerPort   uint16
		LocalPort  uint16
		Local      string
		Proto      string
		FDType     string
		FDIsSocket bool
	}
	var got []recv
	fds := map[int32]bool{}
	collect(t, s, 15*time.Second, func(e *event.Event) bool {
		if e.PID != pid {
			return false
		}
		switch e.Type {
		case event.Recvfrom, event.Recvmsg:
			l := ""
			if e.SAddr.IsValid() {
				l = e.SAddr.String()
			}
			got = append(got, recv{e.Type.String(), e.DAddr.String(), e.DPort, e.SPort, l, e.Proto.String(), e.FDType.String(), e.Ret > 0})
			fds[e.FD] = true
		case event.Procexit:
			return true
		}
		return false
	})
	var p recvPorts
	if err := json.Unmarshal(<-out, &p); err != nil {
		t.Fatalf("helper did not finish: %v", err)
	}
	u := func(ty string, peer int, local int) recv {
		return recv{ty, "127.0.0.1", uint16(peer), uint16(local), "127.0.0.1", "udp", "ipv4", true}
	}
	want := []recv{
		u("recvfrom", p.Peer1, p.Server),
		u("recvfrom", p.Peer2, p.Server),
		u("recvfrom", p.Peer1, p.Server),
		u("recvmsg", p.Peer2, p.Server),
		{"recvfrom", "::1", uint16(p.Peer6), uint16(p.Server6), "", "udp", "ipv6", true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("receives of pid %d (-want +got):\n%s", pid, diff)
	}
	if len(fds) != 2 {
		t.Errorf("descriptors of the receives: %v, want the two servers'", fds)
	}
}
