package dashboard

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/store"
)

const (
	sessionCookie = "bulkhead_session"
	// loginCookie holds the login form's CSRF token (double submit): there
	// is no session yet to keep it in.
	loginCookie = "bulkhead_login"
	// maxSessions bounds memory; the oldest session goes first.
	maxSessions = 10000
)

type session struct {
	id, user, role, csrf string
	created, seen        time.Time
}

type sessions struct {
	mu  sync.Mutex
	m   map[string]*session
	ttl time.Duration
	now func() time.Time
}

func newSessions(ttl time.Duration, now func() time.Time) *sessions {
	return &sessions{m: map[string]*session{}, ttl: ttl, now: now}
}

func randToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func (ss *sessions) create(user, role string) *session {
	now := ss.now()
	s := &session{id: randToken(), user: user, role: role, csrf: randToken(), created: now, seen: now}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if len(ss.m) >= maxSessions {
		var oldest *session
		for _, o := range ss.m {
			if now.Sub(o.seen) > ss.ttl {
				delete(ss.m, o.id)
			} else if oldest == nil || o.seen.Before(oldest.seen) {
				oldest = o
			}
		}
		if len(ss.m) >= maxSessions && oldest != nil {
			delete(ss.m, oldest.id)
		}
	}
	ss.m[s.id] = s
	return s
}

// get returns the request's live session, or nil.
func (ss *sessions) get(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil || len(c.Value) != 43 {
		return nil
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.m[c.Value]
	if s == nil {
		return nil
	}
	now := ss.now()
	// Idle timeout, and an absolute one of 7 idle periods.
	if now.Sub(s.seen) > ss.ttl || now.Sub(s.created) > 7*ss.ttl {
		delete(ss.m, s.id)
		return nil
	}
	s.seen = now
	return s
}

func (ss *sessions) drop(id string) {
	ss.mu.Lock()
	delete(ss.m, id)
	ss.mu.Unlock()
}

func (d *Dashboard) secure(r *http.Request) bool { return r.TLS != nil || d.opts.SecureCookies }

func (d *Dashboard) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: d.secure(r), SameSite: http.SameSiteStrictMode})
}

// checkCSRF checks a POST's token against want, and its Origin when the
// browser sends one.
func (d *Dashboard) checkCSRF(r *http.Request, want string) bool {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	got := r.PostFormValue("csrf")
	return want != "" && len(got) == len(want) && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// safeNext keeps a post-login redirect on this site: a local absolute path.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	return next
}

func (d *Dashboard) loginPage(w http.ResponseWriter, r *http.Request) {
	if d.sessions.get(r) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	d.showLogin(w, r, http.StatusOK, "")
}

func (d *Dashboard) showLogin(w http.ResponseWriter, r *http.Request, code int, msg string) {
	tok := randToken()
	d.setCookie(w, r, loginCookie, tok, 3600)
	w.Header().Set("Cache-Control", "no-store")
	d.render(w, r, nil, code, "login", "Log in", map[string]any{
		"LoginCSRF": tok, "Next": safeNext(r.FormValue("next")), "Message": msg})
}

func (d *Dashboard) loginPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	c, err := r.Cookie(loginCookie)
	if err != nil || !d.checkCSRF(r, c.Value) {
		d.showLogin(w, r, http.StatusForbidden, "The form expired: please log in again.")
		return
	}
	name, pass := r.PostFormValue("user"), r.PostFormValue("password")
	if name == "" || pass == "" || len(name) > 256 || len(pass) > 1024 {
		d.showLogin(w, r, http.StatusUnauthorized, "Wrong user name or password.")
		return
	}
	select {
	case d.loginSlots <- struct{}{}:
	case <-r.Context().Done():
		return
	}
	ok, err := d.st.Login(r.Context(), name, pass)
	<-d.loginSlots
	if err != nil {
		d.log.Error("dashboard login", "err", err)
		d.showLogin(w, r, http.StatusInternalServerError, "The server could not check the password; see its log.")
		return
	}
	if !ok {
		d.showLogin(w, r, http.StatusUnauthorized, "Wrong user name or password.")
		return
	}
	role, err := d.st.UserRole(r.Context(), name)
	if err != nil {
		d.log.Error("dashboard login", "err", err)
		d.showLogin(w, r, http.StatusInternalServerError, "The server could not read the user's role; see its log.")
		return
	}
	s := d.sessions.create(name, role)
	d.setCookie(w, r, loginCookie, "", -1)
	d.setCookie(w, r, sessionCookie, s.id, 0)
	_ = d.st.LogAdmin(r.Context(), store.AdminEntry{Actor: name, Action: "dashboard.login", Detail: "role " + role})
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

func (d *Dashboard) logout(w http.ResponseWriter, r *http.Request, s *session) {
	d.sessions.drop(s.id)
	d.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
