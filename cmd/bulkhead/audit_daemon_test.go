package main

import (
	"bytes"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/cli"
)

// TestAuditFailsClosed: an audit gate whose daemon refuses, hangs or answers
// garbage must exit 1 with the cause on one line, never 0 with every
// container check skipped.
func TestAuditFailsClosed(t *testing.T) {
	tests := []struct {
		name  string
		serve func(t *testing.T, sock string)
		want  string
	}{
		{"refuses", func(t *testing.T, sock string) {
			// A socket file nobody listens on: bind, then close the
			// listener without unlinking the file.
			ln, err := net.Listen("unix", sock)
			if err != nil {
				t.Fatal(err)
			}
			ln.(*net.UnixListener).SetUnlinkOnClose(false)
			ln.Close()
		}, "connection refused"},
		{"hangs", func(t *testing.T, sock string) {
			conns := listen(t, sock)
			go func() {
				for c := range conns {
					_ = c // accepted and never answered; closed at cleanup
				}
			}()
		}, "no answer within 300ms"},
		{"garbage", func(t *testing.T, sock string) {
			answer(t, sock, "SSH-2.0-OpenSSH_9.2\r\n")
		}, "GET /info: the answer is not HTTP"},
		{"not json", func(t *testing.T, sock string) {
			answer(t, sock, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{\"Server\"")
		}, "not the JSON a Docker daemon sends"},
		{"not docker", func(t *testing.T, sock string) {
			answer(t, sock, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
		}, "not a Docker daemon"},
		{"missing", func(*testing.T, string) {}, "the socket does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sock := filepath.Join(t.TempDir(), "d.sock")
			tt.serve(t, sock)
			for _, args := range [][]string{
				{"audit", "--host", sock, "--fail-on", "HIGH", "--timeout", "300ms"},
				{"audit", "network", "--host", sock, "--timeout", "300ms"},
			} {
				var stdout, stderr bytes.Buffer
				rc := cli.Main(args, strings.NewReader(""), &stdout, &stderr)
				if rc != cli.ExitError {
					t.Errorf("%v: exit %d, want %d; stderr:\n%s", args, rc, cli.ExitError, stderr.String())
				}
				msg := stderr.String()
				if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, tt.want) || !strings.Contains(msg, sock) {
					t.Errorf("%v: stderr %q, want one line naming %s and %q", args, msg, sock, tt.want)
				}
				if stdout.Len() != 0 {
					t.Errorf("%v: a report was written although the daemon was not asked:\n%s", args, stdout.String())
				}
			}
		})
	}
}

// listen accepts connections on sock and hands them over; they are closed
// when the test ends.
func listen(t *testing.T, sock string) <-chan net.Conn {
	t.Helper()
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan net.Conn, 16)
	var held []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
			select {
			case ch <- c:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range held {
			c.Close()
		}
		close(ch)
	})
	return ch
}

// answer replies to every connection on sock with the same bytes, whatever
// was asked, and closes it.
func answer(t *testing.T, sock, reply string) {
	t.Helper()
	conns := listen(t, sock)
	go func() {
		for c := range conns {
			buf := make([]byte, 4096)
			_, _ = c.Read(buf)
			_, _ = c.Write([]byte(reply))
			c.Close()
		}
	}()
}
