//go:build linux

package image_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/image"
)

// TestRegistryConnectTimeout: a listener whose accept queue is full drops
// new connection attempts, so connecting hangs until the connect timeout.
func TestRegistryConnectTimeout(t *testing.T) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Skipf("skipping: socket: %v", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Skipf("skipping: bind: %v", err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Skipf("skipping: listen: %v", err)
	}
	sa, _ := syscall.Getsockname(fd)
	addr := (&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sa.(*syscall.SockaddrInet4).Port}).String()
	// Fill the queue; once a dial hangs, it is full.
	full := false
	for i := 0; i < 8 && !full; i++ {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			full = true
			break
		}
		t.Cleanup(func() { c.Close() })
	}
	if !full {
		t.Skip("skipping: the kernel keeps accepting connections into a full queue")
	}
	ctx := context.Background()
	start := time.Now()
	img, err := image.Open(ctx, "registry:"+addr+"/app:1", image.WithInsecure(),
		image.WithTimeouts(image.Timeouts{Connect: 500 * time.Millisecond, TLS: 500 * time.Millisecond, ResponseHeader: 500 * time.Millisecond}))
	if err == nil {
		img.Close()
		t.Fatal("Open succeeded")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Open took %s", d)
	}
	if !errors.Is(err, image.ErrTimeout) || !strings.Contains(err.Error(), "connect to") {
		t.Errorf("error %q, want a connect timeout", err)
	}
}
