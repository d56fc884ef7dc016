package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/bulkhead-sec/bulkhead/examples"
	"github.com/bulkhead-sec/bulkhead/internal/vulndb"
)

func newDBCmd() *cobra.Command {
	var dbPath string
	c := &cobra.Command{
		Use:   "db",
		Short: "Keep the OSV vulnerability database current, offline too",
		Long: `Keep the OSV vulnerability database current.

  bulkhead db update                      fetch OSV, NVD, CISA KEV and FIRST EPSS (incremental, resumable)
  bulkhead db update --mirror file:///m   OSV from a mirror on disk or over http(s) (--nvd-url, --kev-url, --epss-url too)
  bulkhead db import SRC...               build from local data: OSV (export folder, all.zip, JSON files),
                                          NVD API responses, the KEV catalog, an EPSS CSV; each recognised
                                          by its content; importing one source keeps the others
  bulkhead db export FILE                 write one file to carry across an air gap (db import reads it)
  bulkhead db status                      what the database holds and how old its data is

NVD's API key, when set, is read from the ` + vulndb.NVDAPIKeyEnv + ` environment variable.`,
	}
	c.PersistentFlags().StringVar(&dbPath, "db", "", "database file (default: the user cache dir/bulkhead/db/osv.db)")
	path := func() (string, error) {
		if dbPath != "" {
			return dbPath, nil
		}
		return vulndb.DefaultPath()
	}
	c.AddCommand(newDBUpdateCmd(path), newDBImportCmd(path), newDBExportCmd(path), newDBStatusCmd(path))
	return c
}

func newDBUpdateCmd(path func() (string, error)) *cobra.Command {
	var mirror, ecosystems, sources, nvdURL, kevURL, epssURL string
	var quiet bool
	c := &cobra.Command{
		Use:     "update",
		Short:   "Fetch or refresh the database from the osv.dev export or a mirror",
		Example: "  bulkhead db update\n  bulkhead db update --mirror file:///srv/osv --ecosystems Debian,Alpine,Go",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := path()
			if err != nil {
				return err
			}
			opts := vulndb.UpdateOptions{BaseURL: mirror, NVDURL: nvdURL, KEVURL: kevURL, EPSSURL: epssURL,
				NVDAPIKey: os.Getenv(vulndb.NVDAPIKeyEnv), Sources: splitList(sources)}
			if mirror != "" && !cmd.Flags().Changed("sources") {
				// An OSV mirror means a host that may not reach the
				// internet: fetch the other sources only from the URLs
				// given for them.
				opts.Sources = []string{vulndb.SourceOSV}
				for src, u := range map[string]string{vulndb.SourceNVD: nvdURL, vulndb.SourceKEV: kevURL, vulndb.SourceEPSS: epssURL} {
					if u != "" {
						opts.Sources = append(opts.Sources, src)
					}
				}
			}
			for _, s := range opts.Sources {
				if !validSource(s) {
					return usageError{fmt.Errorf("--sources: unknown source %q (want %s)", s, strings.Join(vulndb.AllSources, ", "))}
				}
			}
			if ecosystems != "" {
				opts.Ecosystems = splitList(ecosystems)
			}
			if !quiet {
				opts.Progress = cmd.ErrOrStderr()
				if f, ok := opts.Progress.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
					opts.ProgressBar = true
				}
			}
			var st vulndb.Stats
			err = interruptible(cmd, "db update", func(ctx context.Context) error {
				var err error
				st, err = vulndb.Update(ctx, p, opts)
				return err
			})
			if err != nil {
				return fmt.Errorf("%w (the previous database, if any, is unchanged)", err)
			}
			printStats(cmd.OutOrStdout(), p, st)
			return nil
		},
	}
	c.Flags().StringVar(&mirror, "mirror", "", "base URL of the export or a mirror (file://, http://, https://)")
	c.Flags().StringVar(&ecosystems, "ecosystems", "", "comma-separated ecosystems to fetch (default: those containers need)")
	c.Flags().StringVar(&sources, "sources", strings.Join(vulndb.AllSources, ","), "comma-separated sources to fetch: osv, nvd, kev, epss (the others are kept); with --mirror the default is osv and the sources whose --*-url is given")
	c.Flags().StringVar(&nvdURL, "nvd-url", "", "NVD CVE API 2.0 endpoint, an http(s) mirror of it, or file:///folder of saved responses")
	c.Flags().StringVar(&kevURL, "kev-url", "", "CISA KEV catalog URL or file:// path")
	c.Flags().StringVar(&epssURL, "epss-url", "", "FIRST EPSS CSV (gzip) URL or file:// path")
	c.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress on stderr")
	return c
}

func newDBImportCmd(path func() (string, error)) *cobra.Command {
	return &cobra.Command{
		Use:     "import SRC...",
		Short:   "Build the database from local OSV, NVD, KEV and EPSS data (each recognised by its content)",
		Example: "  bulkhead db import ./osv-mirror\n  bulkhead db import bulkhead-db.zip\n  bulkhead db import ./osv ./nvd ./kev epss_scores-current.csv.gz",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{fmt.Errorf("%s takes one or more sources: DIR, ZIP or FILE (see '%s --help')", cmd.CommandPath(), cmd.CommandPath())}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := path()
			if err != nil {
				return err
			}
			var st vulndb.Stats
			err = interruptible(cmd, "db import", func(ctx context.Context) error {
				var err error
				st, err = vulndb.Import(ctx, p, args...)
				return err
			})
			if err != nil {
				return err
			}
			printStats(cmd.OutOrStdout(), p, st)
			return nil
		},
	}
}

func newDBExportCmd(path func() (string, error)) *cobra.Command {
	return &cobra.Command{
		Use:     "export FILE",
		Short:   "Write the database as one file that `db import` reads on the other side of an air gap",
		Example: "  bulkhead db export bulkhead-db.zip",
		Args:    exactArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := path()
			if err != nil {
				return err
			}
			// A fresh file under a random name (never a link someone
			// left at FILE.tmp), renamed over FILE when complete.
			f, err := os.CreateTemp(filepath.Dir(args[0]), filepath.Base(args[0])+".tmp-*")
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			tmp := f.Name()
			if err := f.Chmod(vulndb.FileMode); err != nil {
				f.Close()
				os.Remove(tmp)
				return fmt.Errorf("export: %w", err)
			}
			if err := vulndb.Export(p, f); err != nil {
				f.Close()
				os.Remove(tmp)
				return err
			}
			if err := f.Close(); err != nil {
				os.Remove(tmp)
				return fmt.Errorf("export: %w", err)
			}
			if err := os.Rename(tmp, args[0]); err != nil {
				return fmt.Errorf("export: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", args[0])
			return nil
		},
	}
}

func newDBStatusCmd(path func() (string, error)) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "status",
		Short: "Show what the database holds and how old it is",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := path()
			if err != nil {
				return err
			}
			db, err := vulndb.Open(p)
			if err != nil {
				return err
			}
			defer db.Close()
			st := db.Status()
			w := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			fmt.Fprintf(w, "database:  %s (%d bytes)\n", st.Path, st.Size)
			fmt.Fprintf(w, "built:     %s (%s ago)\n", st.Built.Format(time.RFC3339), st.Age.Round(time.Minute))
			fmt.Fprintf(w, "source:    %s\n", st.Source)
			fmt.Fprintf(w, "records:   %d OSV (newest modified %s)\n", st.Records, st.Newest.Format(time.RFC3339))
			for _, e := range st.Ecosystems {
				fmt.Fprintf(w, "  %-14s %7d  newest %s\n", e.Name, e.Records, e.Newest.Format("2006-01-02"))
			}
			fmt.Fprintf(w, "data age (the newest record of each source; --stale-db-error and the warning use it):\n")
			fmt.Fprintf(w, "  %-6s %8s  %-10s  %-10s  %s\n", "SOURCE", "RECORDS", "FETCHED", "NEWEST", "AGE")
			for _, a := range st.Sources {
				age := "unknown"
				if !a.Newest.IsZero() {
					age = fmt.Sprintf("%dd", int(a.Age/(24*time.Hour)))
				}
				fmt.Fprintf(w, "  %-6s %8d  %-10s  %-10s  %s\n", a.Source, a.Records, a.Fetched.Format("2006-01-02"), a.Newest.Format("2006-01-02"), age)
			}
			for _, src := range []string{vulndb.SourceNVD, vulndb.SourceKEV, vulndb.SourceEPSS} {
				if !db.HasSource(src) {
					fmt.Fprintf(w, "  %-6s none: `bulkhead db update --sources %s` or `bulkhead db import` adds it\n", src, src)
				}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	return c
}

// interruptGrace is how long an interrupted update or import may take to
// stop by itself before its temporary files are removed for it.
var interruptGrace = 3 * time.Second

// interruptible runs a database job that SIGINT or SIGTERM cancels: the
// job's context is cancelled, and if the job has not returned after
// interruptGrace (a read blocked in the kernel), the temporary files of
// the new database are removed here. Either way the command fails with
// the signal's name and the old database is left as it was.
func interruptible(cmd *cobra.Command, what string, job func(context.Context) error) error {
	ctx, cancel := context.WithCancel(cmd.Context())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	done := make(chan error, 1)
	go func() { done <- job(ctx) }()
	select {
	case err := <-done:
		return err
	case sig := <-sigs:
		cancel()
		t := time.NewTimer(interruptGrace)
		defer t.Stop()
		select {
		case <-done:
		case <-t.C:
		case <-sigs: // a second signal: stop waiting
		}
		vulndb.RemoveTemporaryFiles()
		return fmt.Errorf("%s: interrupted by %s: the temporary file was removed and the previous database, if any, is unchanged", what, sig)
	}
}

func printStats(w io.Writer, path string, st vulndb.Stats) {
	fmt.Fprintf(w, "%s: %d OSV records", path, st.Records)
	if st.Withdrawn > 0 {
		fmt.Fprintf(w, " (%d withdrawn)", st.Withdrawn)
	}
	fmt.Fprintf(w, ", %s\n", st.Duration.Round(time.Millisecond))
	names := make([]string, 0, len(st.Ecosystems))
	for n := range st.Ecosystems {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		e := st.Ecosystems[n]
		fmt.Fprintf(w, "  %-14s %7d records (%s, %d read)\n", n, e.Records, e.Mode, e.Fetched)
	}
	srcs := make([]string, 0, len(st.Sources))
	for n := range st.Sources {
		srcs = append(srcs, n)
	}
	sort.Strings(srcs)
	for _, n := range srcs {
		e, _ := json.Marshal(st.Sources[n])
		fmt.Fprintf(w, "  %-14s %s\n", n, e)
	}
	for _, p := range st.Swept {
		fmt.Fprintf(w, "removed %s (left by a process that no longer runs)\n", p)
	}
	if st.Skipped > 0 {
		fmt.Fprintf(w, "%d malformed records skipped:\n", st.Skipped)
		for _, p := range st.Problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
	}
	for _, warn := range st.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
}

// OfflineEnv, set to 1, keeps a first run from fetching the database.
const OfflineEnv = "BULKHEAD_OFFLINE"

// MirrorEnv names an OSV export mirror (http(s):// or file://) that a
// first run fetches from instead of osv.dev.
const MirrorEnv = "BULKHEAD_DB_MIRROR"

// firstRunFetch returns the pipeline's first-run hook: with no database,
// when the OSV export (osv.dev, or the mirror in BULKHEAD_DB_MIRROR)
// answers within a few seconds, fetch OSV into the default path, then
// (from osv.dev's side of the internet only) CISA KEV and FIRST EPSS, best
// effort, with progress on a terminal. NVD, slow without an API key, is left to `db update`.
// Offline it fails at once with how to import a database.
func firstRunFetch(progress io.Writer) func(ctx context.Context, path string) error {
	return func(ctx context.Context, path string) error {
		if os.Getenv(OfflineEnv) == "1" {
			return fmt.Errorf("%s=1: not fetching; import one with `bulkhead db import DIR` (see docs/vulnerability-data.md)", OfflineEnv)
		}
		base := os.Getenv(MirrorEnv)
		probeURL := vulndb.DefaultBaseURL + "/Debian/modified_id.csv"
		if base != "" {
			probeURL = strings.TrimRight(base, "/") + "/"
		}
		if !strings.HasPrefix(probeURL, "file://") {
			probe, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(probe, http.MethodHead, probeURL, nil)
			if err != nil {
				return err
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return fmt.Errorf("offline (%v): on a machine without network, import a database with `bulkhead db import DIR` (an osv.dev export or a `bulkhead db export` file; see docs/vulnerability-data.md)", err)
			}
			resp.Body.Close()
		}
		if progress != nil {
			fmt.Fprintf(progress, "first run: fetching the vulnerability database into %s\n", path)
		}
		opts := vulndb.UpdateOptions{BaseURL: base, Progress: progress, ProgressBar: progress != nil, Sources: []string{vulndb.SourceOSV}}
		if _, err := vulndb.Update(ctx, path, opts); err != nil {
			return err
		}
		if base == "" {
			// From a mirror, OSV only: KEV and EPSS come with `db update`
			// (--kev-url, --epss-url) or `db import`.
			opts.Sources = []string{vulndb.SourceKEV, vulndb.SourceEPSS}
			if _, err := vulndb.Update(ctx, path, opts); err != nil && progress != nil {
				fmt.Fprintf(progress, "warning: KEV and EPSS not fetched (%v): `bulkhead db update` retries\n", err)
			}
		}
		if progress != nil {
			fmt.Fprintf(progress, "first run: done; `bulkhead db update` adds NVD severities (set %s for NVD's faster rate)\n", vulndb.NVDAPIKeyEnv)
		}
		return nil
	}
}

// exampleDB builds the example database of examples/ in a temporary
// folder, for the pipeline's fallback.
func exampleDB(ctx context.Context) (string, string, func(), error) {
	dir, err := os.MkdirTemp("", "bulkhead-example-db-*")
	if err != nil {
		return "", "", nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	srcs, err := examples.WriteSources(filepath.Join(dir, "src"))
	if err != nil {
		cleanup()
		return "", "", nil, err
	}
	p := filepath.Join(dir, "osv.db")
	if _, err := vulndb.Import(ctx, p, srcs...); err != nil {
		cleanup()
		return "", "", nil, err
	}
	return p, examples.Label, cleanup, nil
}

func validSource(s string) bool {
	for _, v := range vulndb.AllSources {
		if s == v {
			return true
		}
	}
	return false
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
