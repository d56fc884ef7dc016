// Package server is `bulkhead serve`'s HTTP API: agents send what runs on
// their host, image SBOMs, audit results and runtime alerts; people and
// scripts ask where a vulnerability or package runs, what changed, which
// hosts fail a CIS check, and which alerts a container raised.
//
// Every route but /healthz needs a bearer token (internal/store keeps them
// hashed). Scopes: agent (writes only the host its token was bound to at
// first use), read, admin (read, plus token management, logged in the admin
// audit log). Bodies are size-limited (413), each token is rate-limited
// (429), each request has a deadline. The routes are documented in
// openapi.yaml, which a test checks against the mux.
package server

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/server/api"
	"github.com/bulkhead-sec/bulkhead/internal/store"
)

// OpenAPI is the OpenAPI 3 description of the routes.
//
//go:embed openapi.yaml
var OpenAPI []byte

// Queue takes the server's background work: matching an image's SBOM.
type Queue interface {
	EnqueueMatch(ctx context.Context, digest string) error
}

// Config configures a Server.
type Config struct {
	Store *store.Store
	// Queue receives match jobs for new or changed SBOMs.
	Queue Queue
	// RatePerSecond and Burst bound each token's requests (defaults 50, 200).
	RatePerSecond float64
	Burst         int
	// RequestTimeout bounds each request's work (default 60 s).
	RequestTimeout time.Duration
	Logger         *slog.Logger
	// Metrics, when set, counts requests and ingests.
	Metrics *Metrics
	// Notify, when set, is told of new runtime alerts and of audits that
	// got worse.
	Notify *Notifier
}

// Server serves the API.
type Server struct {
	cfg     Config
	mux     *http.ServeMux
	limiter *limiter
	log     *slog.Logger
	routes  []route
}

type route struct {
	method, path string
	scopes       []string // empty: no token needed
}

// New returns a server over cfg.Store.
func New(cfg Config) *Server {
	if cfg.RatePerSecond <= 0 {
		cfg.RatePerSecond = 50
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 200
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 60 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), limiter: newLimiter(cfg.RatePerSecond, cfg.Burst), log: cfg.Logger}
	read := []string{store.ScopeRead, store.ScopeAdmin}
	agent := []string{store.ScopeAgent}
	admin := []string{store.ScopeAdmin}
	s.handle("GET", "/healthz", nil, 0, s.healthz)
	s.handle("GET", api.Prefix+"/openapi.yaml", read, 0, func(w http.ResponseWriter, _ *http.Request) error {
		w.Header().Set("Content-Type", "application/yaml")
		_, err := w.Write(OpenAPI)
		return err
	})
	s.handle("GET", api.Prefix+"/hosts", read, 0, s.hosts)
	s.handle("GET", api.Prefix+"/hosts/{host}/containers", read, 0, s.containers)
	s.handle("GET", api.Prefix+"/hosts/{host}/audit", read, 0, s.hostAudit)
	s.handle("GET", api.Prefix+"/images", read, 0, s.images)
	s.handle("GET", api.Prefix+"/images/{digest}/findings", read, 0, s.findings)
	s.handle("GET", api.Prefix+"/images/{digest}/issues", read, 0, s.imageIssues)
	s.handle("GET", api.Prefix+"/search", read, 0, s.search)
	s.handle("GET", api.Prefix+"/changes", read, 0, s.changes)
	s.handle("GET", api.Prefix+"/audit/failing", read, 0, s.failing)
	s.handle("GET", api.Prefix+"/alerts", read, 0, s.alerts)
	s.handle("GET", api.Prefix+"/tokens", admin, 0, s.listTokens)
	s.handle("POST", api.Prefix+"/tokens", admin, api.MaxBody, s.createToken)
	s.handle("DELETE", api.Prefix+"/tokens/{id}", admin, 0, s.revokeToken)
	s.handle("GET", api.Prefix+"/admin/log", admin, 0, s.adminLog)
	s.handle("PUT", api.Prefix+"/agent/hosts/{host}/inventory", agent, api.MaxBody, s.putInventory)
	s.handle("HEAD", api.Prefix+"/agent/hosts/{host}/images/{digest}", agent, 0, s.hasImage)
	s.handle("PUT", api.Prefix+"/agent/hosts/{host}/images/{digest}", agent, api.MaxSBOMBody, s.putSBOM)
	s.handle("PUT", api.Prefix+"/agent/hosts/{host}/images/{digest}/findings", agent, api.MaxBody, s.putImageIssues)
	s.handle("PUT", api.Prefix+"/agent/hosts/{host}/audit", agent, api.MaxBody, s.putAudit)
	s.handle("POST", api.Prefix+"/agent/hosts/{host}/alerts", agent, api.MaxBody, s.postAlerts)
	if cfg.Metrics != nil {
		s.handle("GET", "/metrics", read, 0, cfg.Metrics.serve(cfg.Store))
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such route (GET /api/v1/openapi.yaml lists them)")
	})
	return s
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.mux }

type ctxKey int

const tokenKey ctxKey = 0

type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// httpError is an error with a status for the client.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func errStatus(status int, format string, args ...any) error {
	return &httpError{status, fmt.Sprintf(format, args...)}
}

func (s *Server) handle(method, path string, scopes []string, maxBody int64, h handlerFunc) {
	s.routes = append(s.routes, route{method, path, scopes})
	s.mux.HandleFunc(method+" "+path, func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
		defer cancel()
		r = r.WithContext(ctx)
		status := s.serve(w, r, scopes, maxBody, h)
		if s.cfg.Metrics != nil {
			s.cfg.Metrics.request(path, method, status, time.Since(start))
		}
	})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, scopes []string, maxBody int64, h handlerFunc) int {
	if scopes != nil {
		tok, status, msg := s.authenticate(r)
		if status != 0 {
			if status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="bulkhead"`)
			}
			writeError(w, status, msg)
			return status
		}
		if !s.limiter.allow(tok.ID) {
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusTooManyRequests, "rate limit of this token exceeded; retry later")
			return http.StatusTooManyRequests
		}
		if !allowed(tok.Scope, scopes) {
			writeError(w, http.StatusForbidden, fmt.Sprintf("a %s token may not use this route (it needs %s)", tok.Scope, strings.Join(scopes, " or ")))
			return http.StatusForbidden
		}
		r = r.WithContext(context.WithValue(r.Context(), tokenKey, tok))
	}
	if maxBody > 0 {
		if r.ContentLength > maxBody {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body of %d bytes exceeds the limit of %d", r.ContentLength, maxBody))
			return http.StatusRequestEntityTooLarge
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	}
	err := h(w, r)
	if err == nil {
		return http.StatusOK
	}
	var he *httpError
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &mb):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body exceeds the limit of %d bytes", mb.Limit))
		return http.StatusRequestEntityTooLarge
	case errors.As(err, &he):
		writeError(w, he.status, he.msg)
		return he.status
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
		return http.StatusNotFound
	case errors.Is(err, store.ErrInvalidText):
		writeError(w, http.StatusBadRequest, err.Error())
		return http.StatusBadRequest
	case errors.Is(err, context.DeadlineExceeded):
		writeError(w, http.StatusServiceUnavailable, "the request took too long")
		return http.StatusServiceUnavailable
	}
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "internal error (see the server log)")
	return http.StatusInternalServerError
}

func (s *Server) authenticate(r *http.Request) (store.Token, int, string) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return store.Token{}, http.StatusUnauthorized, "missing Authorization: Bearer TOKEN"
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return store.Token{}, http.StatusUnauthorized, "want Authorization: Bearer TOKEN"
	}
	t, err := s.cfg.Store.Authenticate(r.Context(), strings.TrimSpace(tok))
	if errors.Is(err, store.ErrBadToken) {
		return store.Token{}, http.StatusUnauthorized, "invalid or revoked token"
	}
	if err != nil {
		s.log.Error("authenticate", "err", err)
		return store.Token{}, http.StatusServiceUnavailable, "cannot check the token now"
	}
	return t, 0, ""
}

func allowed(scope string, scopes []string) bool {
	for _, s := range scopes {
		if s == scope {
			return true
		}
	}
	return false
}

func tokenOf(r *http.Request) store.Token {
	t, _ := r.Context().Value(tokenKey).(store.Token)
	return t
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	return enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(api.Error{Error: msg})
}

// decode reads one JSON value from the body into v.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return err
		}
		if errors.Is(err, io.EOF) {
			return errStatus(http.StatusBadRequest, "empty body; want a JSON object")
		}
		return errStatus(http.StatusBadRequest, "malformed JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return err
		}
		return errStatus(http.StatusBadRequest, "malformed JSON: data after the JSON object")
	}
	return nil
}

var (
	hostIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)
	digestRe = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	if err := s.cfg.Store.Ping(r.Context()); err != nil {
		writeError(w, http.StatusServiceUnavailable, "database unreachable")
		return nil
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// limiter is a token bucket per API token.
type limiter struct {
	mu      sync.Mutex
	rate    float64
	burst   float64
	buckets map[string]*bucket
	now     func() time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(rate float64, burst int) *limiter {
	return &limiter{rate: rate, burst: float64(burst), buckets: map[string]*bucket{}, now: time.Now}
}

func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) > 100000 { // tokens are few; bound the map anyway
			l.buckets = map[string]*bucket{}
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
