package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bulkhead-sec/bulkhead/internal/vulndb"
)

func newDBCmd() *cobra.Command {
	var dbPath string
	c := &cobra.Command{
		Use:   "db",
		Short: "Keep the OSV vulnerability database current, offline too",
		Long: `Keep the OSV vulnerability database current.

  bulkhead db update                      fetch from the osv.dev export (incremental, resumable)
  bulkhead db update --mirror file:///m   the same from a mirror on disk or over http(s)
  bulkhead db import DIR|ZIP              build from a folder in the export layout, an all.zip or JSON files
  bulkhead db export FILE                 write one file to carry across an air gap (db import reads it)
  bulkhead db status                      what the database holds and how old it is`,
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
	var mirror, ecosystems string
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
			opts := vulndb.UpdateOptions{BaseURL: mirror}
			if ecosystems != "" {
				opts.Ecosystems = splitList(ecosystems)
			}
			if !quiet {
				opts.Progress = cmd.ErrOrStderr()
			}
			st, err := vulndb.Update(cmd.Context(), p, opts)
			if err != nil {
				return fmt.Errorf("%w (the previous database, if any, is unchanged)", err)
			}
			printStats(cmd.OutOrStdout(), p, st)
			return nil
		},
	}
	c.Flags().StringVar(&mirror, "mirror", "", "base URL of the export or a mirror (file://, http://, https://)")
	c.Flags().StringVar(&ecosystems, "ecosystems", "", "comma-separated ecosystems to fetch (default: those containers need)")
	c.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress on stderr")
	return c
}

func newDBImportCmd(path func() (string, error)) *cobra.Command {
	return &cobra.Command{
		Use:     "import DIR|ZIP",
		Short:   "Build the database from a local export folder, an all.zip, JSON files or a db export file",
		Example: "  bulkhead db import ./osv-mirror\n  bulkhead db import bulkhead-db.zip",
		Args:    exactArgs(1, "DIR or ZIP"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := path()
			if err != nil {
				return err
			}
			st, err := vulndb.Import(cmd.Context(), p, args[0])
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
			tmp := args[0] + ".tmp"
			f, err := os.Create(tmp)
			if err != nil {
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
			fmt.Fprintf(w, "records:   %d (newest modified %s)\n", st.Records, st.Newest.Format(time.RFC3339))
			for _, e := range st.Ecosystems {
				fmt.Fprintf(w, "  %-14s %7d  newest %s\n", e.Name, e.Records, e.Newest.Format("2006-01-02"))
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	return c
}

func printStats(w io.Writer, path string, st vulndb.Stats) {
	fmt.Fprintf(w, "%s: %d records", path, st.Records)
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

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
