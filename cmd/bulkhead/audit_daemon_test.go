package main

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/cli"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
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

// auditContainers starts two containers of a freshly imported image: one on
// the host network with an AWS key in its environment, one hardened
// enough to pass 5.10.
func auditContainers(t *testing.T) (hostnet, plain, image, listen string) {
	t.Helper()
	testenv.RequireDocker(t)
	root := t.TempDir()
	helper := filepath.Join(root, "helper")
	build := exec.Command("go", "build", "-o", helper, "./testdata/helper")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build helper: %v\n%s", err, out)
	}
	image = dockerImport(t, root)
	suffix := strings.TrimPrefix(image, "bulkhead-e2e:")
	hostnet, plain = "audit-cli-hostnet-"+suffix, "audit-cli-plain-"+suffix
	// A free loopback port for the host-network container to listen on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen = ln.Addr().String()
	ln.Close()
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", hostnet, plain).Run() })
	for _, args := range [][]string{
		{"run", "-d", "--name", hostnet, "--network", "host", "-e", "AWS_SECRET=AKIA" + "IOSFODNN7EXAMPLQ", image, "/helper", "listen", listen},
		{"run", "-d", "--name", plain, "--memory", "32m", image, "/helper", "sleep"},
	} {
		if out, err := exec.Command("docker", args...).CombinedOutput(); err != nil {
			t.Fatalf("docker %v: %v\n%s", args, err, out)
		}
	}
	return hostnet, plain, image, listen
}

func runCLI(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	rc := cli.Main(args, strings.NewReader(""), &stdout, &stderr)
	return rc, stdout.String(), stderr.String()
}

// TestAuditContainersCLI: the audit table names the failing container and
// its image under its check, --container limits checks and the secret scan,
// an unknown --container is a usage error, and --fail-on gates.
func TestAuditContainersCLI(t *testing.T) {
	hostnet, plain, image, listen := auditContainers(t)

	rc, out, errs := runCLI("audit", "--checks", "5.10,5.11", "--container", hostnet, "--no-secrets", "--fail-on", "HIGH")
	if rc != cli.ExitFindings {
		t.Errorf("audit --fail-on HIGH of a host-network container: exit %d, want %d\n%s%s", rc, cli.ExitFindings, out, errs)
	}
	flat := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{
		"FAIL 5.10 HIGH The host's network namespace is not shared — 1 of 1 container fails",
		"* " + hostnet + " (" + image + "): network=host",
		"FAIL 5.11",
		"Compliance: 2 checks: 2 fail",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("no %q in the table:\n%s", want, out)
		}
	}
	if strings.Contains(out, plain) {
		t.Errorf("--container %s: the table names %s too:\n%s", hostnet, plain, out)
	}

	// The plain container passes 5.10 and 5.11: exit 0.
	rc, out, errs = runCLI("audit", "--checks", "5.10,5.11", "--container", plain, "--fail-on", "HIGH")
	if rc != cli.ExitOK || !strings.Contains(strings.Join(strings.Fields(out), " "), "the 1 container passes") {
		t.Errorf("audit of %s: exit %d\n%s%s", plain, rc, out, errs)
	}

	// --checks limits the secret scan: 5.* leaves it out, 'secrets' runs
	// it, on the --container only.
	_, out, _ = runCLI("audit", "--checks", "5.10", "--format", "json")
	if strings.Contains(out, `"kind": "secret"`) {
		t.Errorf("--checks 5.10 ran the secret scan:\n%s", out)
	}
	_, out, _ = runCLI("audit", "--checks", "secrets", "--container", hostnet, "--format", "json")
	if !strings.Contains(out, `"kind": "secret"`) || !strings.Contains(out, hostnet) {
		t.Errorf("--checks secrets --container %s found no secret:\n%s", hostnet, out)
	}
	if strings.Contains(out, "AKIAIOSFODNN7EXAMPLQ") {
		t.Errorf("the secret is printed in full")
	}
	_, out, _ = runCLI("audit", "--checks", "secrets", "--container", plain, "--format", "json")
	if strings.Contains(out, `"kind": "secret"`) {
		t.Errorf("--container %s reported another container's secret:\n%s", plain, out)
	}

	// audit network --format json lists what the host-network container
	// listens on (root reads which sockets its process holds).
	if os.Geteuid() == 0 {
		var v struct {
			Containers []struct {
				Name      string   `json:"name"`
				Listening []string `json:"listening"`
			} `json:"containers"`
		}
		var found bool
		for try := 0; try < 20 && !found; try++ {
			rc, out, errs = runCLI("audit", "network", "--format", "json")
			if rc != 0 {
				t.Fatalf("audit network --format json: exit %d: %s", rc, errs)
			}
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Fatalf("audit network --format json: %v\n%s", err, out)
			}
			for _, c := range v.Containers {
				if c.Name == hostnet && len(c.Listening) == 1 && c.Listening[0] == listen+"/tcp" {
					found = true
				}
			}
			if !found {
				time.Sleep(100 * time.Millisecond) // the listener may not be up yet
			}
		}
		if !found {
			t.Errorf("audit network does not show %s listening on %s:\n%s", hostnet, listen, out)
		}
	}

	// A --container that matches nothing is a usage error, not all-SKIP.
	rc, _, errs = runCLI("audit", "--container", "audit-cli-no-such-container", "--fail-on", "HIGH")
	if rc != cli.ExitUsage || !strings.Contains(errs, `--container "audit-cli-no-such-container" matches no running container`) {
		t.Errorf("unknown --container: exit %d, stderr %q", rc, errs)
	}
}
