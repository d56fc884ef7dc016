package main

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/bulkhead-sec/bulkhead/internal/image/imagetest"
)

// TestScanTimeout: a registry that drips a layer one byte a second never
// trips the idle timeout; --timeout ends the scan with exit 1 and says so.
func TestScanTimeout(t *testing.T) {
	reg := imagetest.Registry(t, "", "")
	l := imagetest.Layer(t, imagetest.File("etc/a", strings.Repeat("x", 1<<16)))
	ld, err := l.Digest()
	if err != nil {
		t.Fatal(err)
	}
	size, _ := l.Size()
	imagetest.Push(t, reg+"/app:1", imagetest.Image(t, []v1.Layer{l}, nil))
	u, _ := url.Parse("http://" + reg)
	proxy := httputil.NewSingleHostReverseProxy(u)
	drip := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/blobs/"+ld.String()) {
			proxy.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		for i := int64(0); i < size; i++ {
			if _, err := w.Write([]byte{0x1f}); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(time.Second):
			}
		}
	}))
	t.Cleanup(drip.Close)
	ref := "registry:" + strings.TrimPrefix(drip.URL, "http://") + "/app:1"

	for _, args := range [][]string{
		{"scan", "image", ref, "--insecure", "--timeout", "2s", "--scanners", "secret", "--cache-dir", t.TempDir()},
		{"sbom", ref, "--insecure", "--timeout", "2s", "--cache-dir", t.TempDir()},
	} {
		start := time.Now()
		code, _, errs := run(t, args...)
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("bulkhead %s took %s", strings.Join(args, " "), d)
		}
		if code != 1 || !strings.Contains(errs, "timed out after 2s") {
			t.Errorf("bulkhead %s: exit %d, stderr %q; want 1 and a timeout message", strings.Join(args, " "), code, errs)
		}
	}

	// Every scanning command takes it; a negative one is a usage error.
	for _, cmd := range [][]string{{"scan", "image"}, {"scan", "fs"}, {"scan", "sbom"}, {"sbom"}} {
		code, out, _ := run(t, append(cmd, "--help")...)
		if code != 0 || !strings.Contains(out, "--timeout duration") || !strings.Contains(out, "5m0s") {
			t.Errorf("bulkhead %s --help: no --timeout flag with a 5m default", strings.Join(cmd, " "))
		}
	}
	if code, _, _ := run(t, "scan", "fs", t.TempDir(), "--timeout", "-1s"); code != 2 {
		t.Errorf("--timeout -1s: exit %d, want 2", code)
	}
}
