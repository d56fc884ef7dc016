package cli

// The web dashboard of bulkhead serve (internal/dashboard, docs/dashboard.md):
// its flags and the handler that serves it beside the API.

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/spf13/cobra"

	"github.com/bulkhead-sec/bulkhead/internal/dashboard"
	"github.com/bulkhead-sec/bulkhead/internal/store"
)

type dashboardFlags struct {
	off           bool
	kev           string
	secureCookies bool
}

func (f *dashboardFlags) register(c *cobra.Command) {
	c.Flags().BoolVar(&f.off, "no-dashboard", false, "serve the API only, without the web dashboard")
	c.Flags().StringVar(&f.kev, "kev", "", "CISA's known_exploited_vulnerabilities.json: the dashboard marks these CVEs as exploited")
	c.Flags().BoolVar(&f.secureCookies, "secure-cookies", false, "mark the dashboard's cookies Secure over plain HTTP (behind a TLS proxy); under --tls-cert they always are")
}

// handler returns api alone, or api beside the dashboard.
func (f *dashboardFlags) handler(st *store.Store, api http.Handler, log *slog.Logger) (http.Handler, error) {
	if f.off {
		return api, nil
	}
	var kev dashboard.KEV
	if f.kev != "" {
		fh, err := os.Open(f.kev)
		if err != nil {
			return nil, fmt.Errorf("--kev: %w", err)
		}
		kev, err = dashboard.LoadKEV(fh)
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("--kev %s: %w", f.kev, err)
		}
	}
	dash, err := dashboard.New(dashboard.Options{Store: st, KEV: kev, SecureCookies: f.secureCookies, Logger: log})
	if err != nil {
		return nil, err
	}
	return dashboard.Beside(api, dash), nil
}
