// Package dashboard is the web dashboard of `bulkhead serve`: the fleet at a
// glance (overview), one image, one host, the runtime alerts timeline and a
// search box, rendered on the server with html/template from the fleet
// store. Assets (one stylesheet, one small script) are embedded; the pages
// carry a strict Content-Security-Policy and no inline script; charts and
// pictures are SVG drawn on the server.
//
// People log in with a user of the store (argon2id password); a session is
// an opaque random cookie (HttpOnly, SameSite=Strict, Secure under TLS) kept
// in memory; every form carries a per-session CSRF token. Users of role
// "read" see everything; "admin" also acknowledges and mutes alerts.
//
// The handler serves from "/" and is mounted by the server beside its API:
//
//	mux.Handle("/", dashboard.New(dashboard.Options{Store: st}))
package dashboard

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// CSP is the Content-Security-Policy of every response: scripts and styles
// from the dashboard's own origin only, no inline script or style, no
// framing, forms posting only to the dashboard.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Options configure the dashboard.
type Options struct {
	// Store is the fleet store (required).
	Store *store.Store
	// KEV is the set of actively exploited vulnerabilities (CISA's
	// catalog, see LoadKEV); nil marks none.
	KEV KEV
	// SecureCookies sets the Secure flag on cookies even for plain-HTTP
	// requests (a TLS-terminating proxy in front). Under TLS it is always
	// set.
	SecureCookies bool
	// SessionTTL is how long a session lasts without use (default 12 h).
	SessionTTL time.Duration
	// Logger receives errors; nil discards them.
	Logger *slog.Logger
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time
}

// Dashboard is the dashboard's http.Handler.
type Dashboard struct {
	opts     Options
	st       *store.Store
	mux      *http.ServeMux
	pages    map[string]*template.Template
	sessions *sessions
	log      *slog.Logger
	// argon2 takes 64 MiB per check: at most two at once.
	loginSlots chan struct{}
	counts     countsCache
}

// countsCache keeps the finding counts of every image (and their KEV
// counts) while the store's FindingsVersion stays the same.
type countsCache struct {
	mu      sync.Mutex
	version string
	counts  []store.FindingCount
	kev     map[string]int
	// trend is kept for trendKey (the version and the day).
	trendKey string
	trend    []store.TrendDay
}

// New returns the dashboard handler.
func New(o Options) (*Dashboard, error) {
	if o.Store == nil {
		return nil, errors.New("dashboard: no store")
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 12 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	d := &Dashboard{opts: o, st: o.Store, log: o.Logger, loginSlots: make(chan struct{}, 2)}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	d.sessions = newSessions(o.SessionTTL, o.Now)
	var err error
	if d.pages, err = parsePages(); err != nil {
		return nil, err
	}
	static, _ := fs.Sub(staticFS, "static")
	m := http.NewServeMux()
	m.Handle("GET /static/", http.StripPrefix("/static/", staticHandler(static)))
	m.HandleFunc("GET /login", d.loginPage)
	m.HandleFunc("POST /login", d.loginPost)
	m.HandleFunc("POST /logout", d.auth(d.logout))
	m.HandleFunc("GET /{$}", d.auth(d.overview))
	m.HandleFunc("GET /images/{digest}", d.auth(d.image))
	m.HandleFunc("GET /hosts/{id}", d.auth(d.host))
	m.HandleFunc("GET /hosts/{id}/network.svg", d.auth(d.networkSVG))
	m.HandleFunc("GET /alerts", d.auth(d.alerts))
	m.HandleFunc("POST /alerts/ack", d.admin(d.ackAlert))
	m.HandleFunc("POST /alerts/mute", d.admin(d.muteAlert))
	m.HandleFunc("GET /search", d.auth(d.search))
	d.mux = m
	return d, nil
}

// ServeHTTP sets the security headers and routes.
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if r.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	d.mux.ServeHTTP(w, r)
}

func staticHandler(static fs.FS) http.Handler {
	files := http.FileServerFS(static)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

type ctxKey struct{}

// auth runs h for a logged-in user, or sends the browser to the login page.
func (d *Dashboard) auth(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := d.sessions.get(r)
		if s == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			http.Error(w, "not logged in", http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodPost && !d.checkCSRF(r, s.csrf) {
			http.Error(w, "invalid or missing CSRF token: reload the page and try again", http.StatusForbidden)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, s)), s)
	}
}

// admin is auth for admin users only: others get 403.
func (d *Dashboard) admin(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return d.auth(func(w http.ResponseWriter, r *http.Request, s *session) {
		if s.role != store.RoleAdmin {
			d.renderError(w, r, s, http.StatusForbidden, "This action needs an admin user.")
			return
		}
		h(w, r, s)
	})
}

// renderError shows an error page.
func (d *Dashboard) renderError(w http.ResponseWriter, r *http.Request, s *session, code int, msg string) {
	d.render(w, r, s, code, "error", "Error", map[string]any{"Code": code, "Message": msg})
}

// fail logs err and shows a 404 for ErrNotFound, else a 500 without details.
func (d *Dashboard) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	if errors.Is(err, store.ErrNotFound) {
		d.renderError(w, r, s, http.StatusNotFound, "Not found.")
		return
	}
	if errors.Is(err, context.Canceled) {
		return
	}
	d.log.Error("dashboard", "path", r.URL.Path, "err", err)
	d.renderError(w, r, s, http.StatusInternalServerError, "The server could not answer; see its log.")
}
