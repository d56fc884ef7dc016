package image_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/bulkhead-sec/bulkhead/internal/image"
	"github.com/bulkhead-sec/bulkhead/internal/image/imagetest"
)

// short are the timeouts of these tests; the defaults are tens of seconds.
var short = image.WithTimeouts(image.Timeouts{Connect: 2 * time.Second, TLS: 500 * time.Millisecond,
	ResponseHeader: 500 * time.Millisecond, Idle: 500 * time.Millisecond})

// listen serves each connection on 127.0.0.1 with handle until the test ends.
func listen(t *testing.T, handle func(net.Conn, <-chan struct{})) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); handle(c, done) }()
		}
	}()
	return l.Addr().String()
}

func openWithin(t *testing.T, limit time.Duration, ref string, opts ...image.Option) (*image.Image, error) {
	t.Helper()
	start := time.Now()
	img, err := image.Open(context.Background(), ref, opts...)
	if d := time.Since(start); d > limit {
		t.Errorf("Open(%s) took %s, want it bounded by the timeouts (< %s)", ref, d, limit)
	}
	return img, err
}

func TestRegistryTimeouts(t *testing.T) {
	silent := listen(t, func(c net.Conn, done <-chan struct{}) { <-done })
	dripHeaders := listen(t, func(c net.Conn, done <-chan struct{}) {
		bufio.NewReader(c).ReadString('\n')
		for _, b := range []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n") {
			select {
			case <-done:
				return
			case <-time.After(time.Second):
			}
			if _, err := c.Write([]byte{b}); err != nil {
				return
			}
		}
	})
	// A registry whose manifest body stalls after a few bytes.
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			return
		}
		w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		w.Header().Set("Content-Length", "1000")
		io.WriteString(w, `{"schemaVersion":`)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	t.Cleanup(stall.Close)

	for _, tc := range []struct{ name, host, want string }{
		{"accepts and never answers", silent, "no response within"},
		{"drips its headers", dripHeaders, "no response within"},
		{"stalls in a body", strings.TrimPrefix(stall.URL, "http://"), "no data for"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img, err := openWithin(t, 10*time.Second, "registry:"+tc.host+"/app:1", image.WithInsecure(), short)
			if err == nil {
				img.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, image.ErrTimeout) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want ErrTimeout saying %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error has several lines: %q", err)
			}
		})
	}
}

// TestRegistryTLSTimeout: an https registry that accepts and never starts
// the handshake. It needs an address go-containerregistry reaches over
// https only: not loopback, not private.
func TestRegistryTLSTimeout(t *testing.T) {
	addrs, _ := net.InterfaceAddrs()
	ip := ""
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsPrivate() && !n.IP.IsLinkLocalUnicast() {
			ip = n.IP.String()
		}
	}
	if ip == "" {
		t.Skip("skipping: no public-looking IPv4 address on this machine")
	}
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Skipf("skipping: %v", err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { <-done; c.Close() }()
		}
	}()
	img, err := openWithin(t, 10*time.Second, "registry:"+l.Addr().String()+"/app:1", short)
	if err == nil {
		img.Close()
		t.Fatal("Open succeeded")
	}
	if !errors.Is(err, image.ErrTimeout) || !strings.Contains(err.Error(), "TLS handshake") {
		t.Errorf("error %q, want a TLS handshake timeout", err)
	}
}

// TestRegistryLayerIdleTimeout: a blob download that stops making progress
// fails the layer walk.
func TestRegistryLayerIdleTimeout(t *testing.T) {
	reg := imagetest.Registry(t, "", "")
	l := imagetest.Layer(t, imagetest.File("a", strings.Repeat("x", 1<<20)))
	ld, err := l.Digest()
	if err != nil {
		t.Fatal(err)
	}
	size, _ := l.Size()
	imagetest.Push(t, reg+"/app:1", imagetest.Image(t, []v1.Layer{l}, nil))
	target, _ := url.Parse("http://" + reg)
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/blobs/"+ld.String()) && r.Method == http.MethodGet {
			w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
			w.Write(make([]byte, 10))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	img, err := image.Open(context.Background(), "registry:"+strings.TrimPrefix(front.URL, "http://")+"/app:1", image.WithInsecure(), short)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	_, err = img.WalkLayer(context.Background(), 0, image.Limits{}, func(*image.Entry, io.Reader) error { return nil })
	if !errors.Is(err, image.ErrTimeout) || !strings.Contains(err.Error(), "no data for") {
		t.Errorf("walk error %v, want an idle timeout", err)
	}
}

// redirector serves a registry that redirects every blob download to
// target+path (302).
func redirector(t *testing.T, reg string, target func(r *http.Request) string) string {
	t.Helper()
	u, _ := url.Parse("http://" + reg)
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/blobs/") && r.Header.Get("X-Redirected") == "" && !strings.HasPrefix(r.URL.Path, "/storage") {
			http.Redirect(w, r, target(r)+"/storage"+r.URL.Path, http.StatusFound)
			return
		}
		r.URL.Path = strings.TrimPrefix(r.URL.Path, "/storage")
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestInsecureRedirects(t *testing.T) {
	reg := imagetest.Registry(t, "", "")
	imagetest.Push(t, reg+"/app:1", imagetest.Image(t, []v1.Layer{imagetest.Layer(t, imagetest.File("etc/a", "a"))}, nil))
	walk := func(ref string) error {
		img, err := image.Open(context.Background(), "registry:"+ref, image.WithInsecure(), short)
		if err != nil {
			return err
		}
		defer img.Close()
		_, err = img.WalkLayer(context.Background(), 0, image.Limits{}, func(*image.Entry, io.Reader) error { return nil })
		return err
	}

	// Blob storage on another host (another port of 127.0.0.1 is another
	// host) over plain http: refused, naming the host.
	storage := redirector(t, reg, func(*http.Request) string { return "" })
	other := redirector(t, reg, func(*http.Request) string { return "http://" + storage })
	err := walk(other + "/app:1")
	if !errors.Is(err, image.ErrInsecureRedirect) || !strings.Contains(err.Error(), storage) {
		t.Errorf("redirect to http://%s: error %v, want ErrInsecureRedirect naming the host", storage, err)
	}
	// 127.0.0.2 is another host too, where the machine has it
	// (go-containerregistry's own SSRF check may refuse it first).
	if l, lerr := net.Listen("tcp", "127.0.0.2:0"); lerr == nil {
		addr := l.Addr().String()
		l.Close()
		to2 := redirector(t, reg, func(*http.Request) string { return "http://" + addr })
		if err := walk(to2 + "/app:1"); err == nil {
			t.Errorf("redirect to http://%s succeeded", addr)
		}
	}

	// A redirect on the registry's own host may stay on plain http.
	var self string
	self = redirector(t, reg, func(*http.Request) string { return "http://" + self })
	if err := walk(self + "/app:1"); err != nil {
		t.Errorf("redirect to the registry itself: %v", err)
	}
}

// nonLoopbackIP returns an IPv4 address of this machine that is not
// loopback, or "".
func nonLoopbackIP() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	// A private address first: go-containerregistry alone would use plain
	// http for it without being asked.
	found := ""
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			if n.IP.IsPrivate() {
				return n.IP.String()
			}
			if found == "" {
				found = n.IP.String()
			}
		}
	}
	return found
}

// TestInsecureNamedHost: --insecure reaches a plain-http registry on any
// host the user names; without it, plain http is refused for such a host
// (go-containerregistry alone would try it for private addresses).
func TestInsecureNamedHost(t *testing.T) {
	ip := nonLoopbackIP()
	if ip == "" {
		t.Skip("skipping: this machine has no non-loopback IPv4 address")
	}
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Skipf("skipping: listen on %s: %v", ip, err)
	}
	reg := imagetest.Registry(t, "", "")
	u, _ := url.Parse("http://" + reg)
	srv := &http.Server{Handler: httputil.NewSingleHostReverseProxy(u)}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	imagetest.Push(t, reg+"/app:1", imagetest.Image(t, []v1.Layer{imagetest.Layer(t, imagetest.File("etc/a", "a"))}, nil))
	ref := "registry:" + l.Addr().String() + "/app:1"

	img, err := image.Open(context.Background(), ref, image.WithInsecure(), short)
	if err != nil {
		t.Fatalf("Open(%s) with insecure: %v", ref, err)
	}
	if _, err := img.WalkLayer(context.Background(), 0, image.Limits{}, func(*image.Entry, io.Reader) error { return nil }); err != nil {
		t.Errorf("walk: %v", err)
	}
	img.Close()

	img, err = image.Open(context.Background(), ref, short)
	if err == nil {
		img.Close()
		t.Fatalf("Open(%s) without insecure succeeded over plain http", ref)
	}
	t.Logf("without --insecure: %v", err)
	if net.ParseIP(ip).IsPrivate() && !strings.Contains(err.Error(), image.ErrInsecureRedirect.Error()) {
		t.Errorf("without --insecure, plain http to private %s was not refused by the policy: %v", ip, err)
	}
}

// Loopback registries keep working without the flag, as with Docker.
func TestLoopbackWithoutInsecure(t *testing.T) {
	reg := imagetest.Registry(t, "", "")
	imagetest.Push(t, reg+"/app:1", imagetest.Image(t, []v1.Layer{imagetest.Layer(t, imagetest.File("etc/a", "a"))}, nil))
	img, err := image.Open(context.Background(), "registry:"+reg+"/app:1", short)
	if err != nil {
		t.Fatal(err)
	}
	img.Close()
}

// TestRegistryBlobDigestChecked: a registry (or a proxy) that serves other
// bytes than the blob's digest fails the walk, which is then not verified,
// even when they decompress to the right tar (here only the gzip header's
// mtime differs).
func TestRegistryBlobDigestChecked(t *testing.T) {
	reg := imagetest.Registry(t, "", "")
	l := imagetest.Layer(t, imagetest.File("etc/a", strings.Repeat("a", 4096)))
	ld, _ := l.Digest()
	imagetest.Push(t, reg+"/app:1", imagetest.Image(t, []v1.Layer{l}, nil))
	u, _ := url.Parse("http://" + reg)
	proxy := httputil.NewSingleHostReverseProxy(u)
	orc, _ := l.Compressed()
	otherBytes, _ := io.ReadAll(orc)
	otherBytes[4] ^= 0xff // MTIME
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/blobs/"+ld.String()) && r.Method == http.MethodGet {
			w.Header().Set("Content-Length", strconv.Itoa(len(otherBytes)))
			w.Write(otherBytes)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	img, err := image.Open(context.Background(), "registry:"+strings.TrimPrefix(front.URL, "http://")+"/app:1", image.WithInsecure(), short)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	st, err := img.WalkLayer(context.Background(), 0, image.Limits{}, func(*image.Entry, io.Reader) error { return nil })
	if err == nil || st.Verified {
		t.Errorf("walk of a tampered blob: error %v, verified %v; want an error", err, st.Verified)
	}
	t.Logf("%v", err)
}
