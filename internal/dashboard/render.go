package dashboard

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// layoutData is what the layout reads on every page.
type layoutData struct {
	Title   string
	Page    string
	User    string
	IsAdmin bool
	CSRF    string
	Query   string
	Data    any
}

var funcs = template.FuncMap{
	"short": shortDigest,
	"sevclass": func(s string) string {
		return "sev-" + strings.ToLower(s)
	},
	"prioclass": func(p string) string {
		return "prio-" + strings.ToLower(p)
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"iso":    func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"bytes":  humanBytes,
	"join":   strings.Join,
	"cname":  func(s string) string { return strings.TrimPrefix(s, "/") },
	"plural": plural,
	"add":    func(a, b int) int { return a + b },
	"pct": func(n, of int) int {
		if of <= 0 {
			return 0
		}
		return n * 100 / of
	},
}

func shortDigest(d string) string {
	d = strings.TrimPrefix(d, "sha256:")
	if len(d) > 12 {
		return d[:12]
	}
	return d
}

func humanBytes(n int64) string {
	switch {
	case n <= 0:
		return ""
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}

// parsePages parses the layout with each page template.
func parsePages() (map[string]*template.Template, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		page := strings.TrimSuffix(path.Base(n), ".html")
		if page == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, err
		}
		out[page] = t
	}
	return out, nil
}

// render writes a page inside the layout. The page renders into a buffer
// first, so that a template error becomes a clean 500.
func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, s *session, code int, page, title string, data any) {
	ld := layoutData{Title: title, Page: page, Data: data, Query: r.URL.Query().Get("q")}
	if s != nil {
		ld.User, ld.IsAdmin, ld.CSRF = s.user, s.role == "admin", s.csrf
	}
	var buf bytes.Buffer
	t := d.pages[page]
	if t == nil {
		d.log.Error("dashboard: no template", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout.html", ld); err != nil {
		d.log.Error("dashboard: render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}
