package dashboard

import (
	"net/http"
	"strings"
)

// Beside serves the API's paths (/api/, /healthz, /metrics) with api and
// every other path with the dashboard: one listener for both.
func Beside(api, dash http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if strings.HasPrefix(p, "/api/") || p == "/api" || p == "/healthz" || p == "/metrics" {
			api.ServeHTTP(w, r)
			return
		}
		dash.ServeHTTP(w, r)
	})
}
