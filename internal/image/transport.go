package image

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// Timeouts bound registry I/O. Zero fields take the defaults; a negative
// field disables that timeout.
type Timeouts struct {
	// Connect bounds establishing a TCP connection.
	Connect time.Duration
	// TLS bounds the TLS handshake.
	TLS time.Duration
	// ResponseHeader bounds the wait for a response's headers once the
	// request is sent (a server that accepts and never answers, or drips
	// its headers).
	ResponseHeader time.Duration
	// Idle bounds the wait for the next bytes of a response body: a
	// download that makes no progress for this long fails.
	Idle time.Duration
}

// The default registry timeouts.
const (
	DefaultConnectTimeout        = 30 * time.Second
	DefaultTLSTimeout            = 30 * time.Second
	DefaultResponseHeaderTimeout = 60 * time.Second
	DefaultIdleTimeout           = 60 * time.Second
)

// WithDefaults returns t with zero fields set to the defaults.
func (t Timeouts) WithDefaults() Timeouts {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
		if *d < 0 {
			*d = 0
		}
	}
	def(&t.Connect, DefaultConnectTimeout)
	def(&t.TLS, DefaultTLSTimeout)
	def(&t.ResponseHeader, DefaultResponseHeaderTimeout)
	def(&t.Idle, DefaultIdleTimeout)
	return t
}

// WithTimeouts sets the registry I/O timeouts.
func WithTimeouts(t Timeouts) Option { return func(o *options) { o.timeouts = t } }

// ErrTimeout is wrapped by the errors of registry I/O that a timeout ended.
var ErrTimeout = errors.New("registry timed out")

// ErrInsecureRedirect is wrapped by the error of a plain-http request the
// registry policy refuses (another host than the registry named, or the
// registry without --insecure).
var ErrInsecureRedirect = errors.New("plain http refused")

// registryTransport is the base transport of every registry request: it
// applies the timeouts and refuses plain http to any host but httpHost (the
// registry the user named, when plain http is allowed for it). Redirects
// (blob storage, token servers) go through it too, so a redirect to another
// host must use https.
type registryTransport struct {
	base     *http.Transport
	httpHost string // host:port allowed over plain http, "" for none
	idle     time.Duration
	header   time.Duration
}

func newRegistryTransport(t Timeouts, httpHost string) *registryTransport {
	t = t.WithDefaults()
	d := &net.Dialer{Timeout: t.Connect, KeepAlive: 30 * time.Second}
	base := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   50,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   t.TLS,
		ResponseHeaderTimeout: t.ResponseHeader,
		ExpectContinueTimeout: 1 * time.Second,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
	}
	return &registryTransport{base: base, httpHost: strings.ToLower(httpHost), idle: t.Idle, header: t.ResponseHeader}
}

func (rt *registryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "https" {
		host := strings.ToLower(req.URL.Host)
		if req.URL.Scheme != "http" || rt.httpHost == "" || host != rt.httpHost {
			if req.Body != nil {
				req.Body.Close()
			}
			why := "only the registry named with --insecure (or on loopback) may use plain http"
			if rt.httpHost != "" {
				why = fmt.Sprintf("only %s may use plain http; a redirect to another host must use https", rt.httpHost)
			}
			return nil, fmt.Errorf("%w: %s://%s: %s", ErrInsecureRedirect, req.URL.Scheme, req.URL.Host, why)
		}
	}
	ctx, cancel := context.WithCancel(req.Context())
	resp, err := rt.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, rt.explain(req, err)
	}
	if rt.idle > 0 {
		resp.Body = newIdleBody(resp.Body, rt.idle, cancel, req)
	} else {
		resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	}
	return resp, nil
}

// explain turns the transport's timeout errors into ones that say which
// bound was hit.
func (rt *registryTransport) explain(req *http.Request, err error) error {
	var ne net.Error
	switch {
	case req.Context().Err() != nil:
		return err
	case strings.Contains(err.Error(), "timeout awaiting response headers"):
		return fmt.Errorf("%w: %s %s: no response within %s: %v", ErrTimeout, req.Method, req.URL.Redacted(), rt.header, err)
	case strings.Contains(err.Error(), "TLS handshake timeout"):
		return fmt.Errorf("%w: %s: TLS handshake: %v", ErrTimeout, req.URL.Host, err)
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("%w: connect to %s: %v", ErrTimeout, req.URL.Host, err)
	}
	return err
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// idleBody fails a read that waits more than idle for data: a timer runs
// during each Read (never while the consumer is busy elsewhere) and cancels
// the request when it fires.
type idleBody struct {
	rc     io.ReadCloser
	idle   time.Duration
	cancel context.CancelFunc
	url    string

	timer   *time.Timer
	expired atomic.Bool
}

func newIdleBody(rc io.ReadCloser, idle time.Duration, cancel context.CancelFunc, req *http.Request) *idleBody {
	b := &idleBody{rc: rc, idle: idle, cancel: cancel, url: req.URL.Redacted()}
	b.timer = time.AfterFunc(time.Hour, func() {
		b.expired.Store(true)
		cancel()
	})
	b.timer.Stop()
	return b
}

func (b *idleBody) Read(p []byte) (int, error) {
	if b.expired.Load() {
		return 0, fmt.Errorf("%w: %s: no data for %s", ErrTimeout, b.url, b.idle)
	}
	b.timer.Reset(b.idle)
	n, err := b.rc.Read(p)
	b.timer.Stop()
	if err != nil && err != io.EOF && b.expired.Load() {
		return n, fmt.Errorf("%w: %s: no data for %s", ErrTimeout, b.url, b.idle)
	}
	return n, err
}

func (b *idleBody) Close() error {
	b.timer.Stop()
	err := b.rc.Close()
	b.cancel()
	return err
}
