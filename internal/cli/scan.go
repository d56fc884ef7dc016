package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/bulkhead-sec/bulkhead/internal/image"
	"github.com/bulkhead-sec/bulkhead/internal/pipeline"
	"github.com/bulkhead-sec/bulkhead/internal/report"
)

// scanFlags are the flags of the commands that scan a target.
type scanFlags struct {
	out       outputFlags
	platform  string
	insecure  bool
	cacheDir  string
	noCache   bool
	scanners  string
	dbPath    string
	staleFail bool
	skipDB    bool
	skipDirs  []string
	noIgnore  bool
	secRules  string
	secPkgs   bool
	timeout   time.Duration
}

// defaultScanTimeout bounds a whole scan, as Trivy's --timeout does.
const defaultScanTimeout = 5 * time.Minute

func (s *scanFlags) register(fs *pflag.FlagSet, defaultFormat string, withScanners bool) {
	s.out.register(fs, defaultFormat)
	fs.StringVar(&s.platform, "platform", "", "pick this platform from a multi-arch image (os/arch[/variant])")
	fs.BoolVar(&s.insecure, "insecure", false, "allow plain http for the registry named in REF (redirects to other hosts stay https-only)")
	fs.DurationVar(&s.timeout, "timeout", defaultScanTimeout, "give up on the whole scan after this long (0: no limit)")
	fs.StringVar(&s.cacheDir, "cache-dir", "", "cache directory (default: the user cache dir/bulkhead)")
	fs.BoolVar(&s.noCache, "no-cache", false, "neither read nor write per-layer cached results")
	if withScanners {
		fs.StringVar(&s.scanners, "scanners", "", "scanners to run, comma separated: vuln, secret, misconfig (default all)")
		fs.StringVar(&s.dbPath, "db", "", "vulnerability database file (default: the user cache dir/bulkhead/db/osv.db); \"example\" names the small example database built into bulkhead (./example for a file of that name)")
		fs.BoolVar(&s.staleFail, "stale-db-error", false, "fail instead of warning when the vulnerability data is older than 7 days")
		fs.BoolVar(&s.skipDB, "skip-db", false, "do not scan for vulnerabilities (without it, a missing or unreadable database is exit 1)")
		fs.StringVar(&s.secRules, "secret-rules", "", "YAML file of custom secret rules, added to the built-in ones (see docs/secrets.md)")
		fs.BoolVar(&s.secPkgs, "secrets-in-packages", false, "also report secrets in files that installed packages own (test keys, SDK examples), at LOW severity")
	}
}

func (s *scanFlags) config(cmd *cobra.Command) (pipeline.Config, error) {
	if err := s.out.validate(); err != nil {
		return pipeline.Config{}, err
	}
	scanners, err := pipeline.ParseScanners(s.scanners)
	if err != nil {
		return pipeline.Config{}, usageError{err}
	}
	cfg := pipeline.Config{
		Scanners:    scanners,
		CacheDir:    s.cacheDir,
		NoCache:     s.noCache,
		Progress:    s.out.progress(cmd),
		ToolVersion: Version,
	}
	cfg.DB.Path = s.dbPath
	if s.dbPath == "example" {
		// The example database built into the binary, named on purpose.
		cfg.DB.Path = ""
		cfg.DB.Example = exampleDB
	}
	cfg.SkipDirs = s.skipDirs
	cfg.Secret.CustomRulesPath = s.secRules
	cfg.SecretsInPackages = s.secPkgs
	cfg.NoGitignore = s.noIgnore
	cfg.DB.StaleIsError = s.staleFail
	cfg.DB.Skip = s.skipDB
	if s.dbPath == "" {
		cfg.DB.Fetch = firstRunFetch(cfg.Progress)
		cfg.DB.Fallback = exampleDB
	}
	if s.platform != "" {
		cfg.ImageOptions = append(cfg.ImageOptions, image.WithPlatform(s.platform))
	}
	if s.insecure {
		cfg.ImageOptions = append(cfg.ImageOptions, image.WithInsecure())
	}
	return cfg, nil
}

// run returns a command body that builds the configuration, runs job on
// the command's one argument and writes the report.
func (s *scanFlags) run(job func(context.Context, string, pipeline.Config) (*report.Report, error)) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		cfg, err := s.config(cmd)
		if err != nil {
			return err
		}
		if s.timeout < 0 {
			return usageError{fmt.Errorf("--timeout %s: want a positive duration, or 0 for no limit", s.timeout)}
		}
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		if s.timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, s.timeout)
			defer cancel()
		}
		r, err := job(ctx, args[0], cfg)
		// A scan the deadline cut short fails, whatever it returned: some
		// scanner may have stopped early.
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("%s %s: timed out after %s (raise --timeout, or 0 for no limit)", cmd.CommandPath(), args[0], s.timeout)
		}
		if err != nil {
			return err
		}
		return s.out.finish(cmd, r)
	}
}

func newScanCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "scan",
		Short: "Scan an image, a source tree or an SBOM",
		Long:  "Scan an image, a source tree or an SBOM for packages, vulnerabilities, secrets and misconfiguration.\n\n" + exitCodesHelp,
	}
	c.AddCommand(newScanImageCmd(), newScanFSCmd(), newScanSBOMCmd())
	return c
}

func newScanImageCmd() *cobra.Command {
	var f scanFlags
	c := &cobra.Command{
		Use:   "image REF",
		Short: "Scan an image: packages, vulnerabilities, secrets in every layer, image checks",
		Long: `Scan an image: packages, vulnerabilities, secrets in every layer, ENV and history, and image checks.

REF is docker:NAME, registry:NAME, docker-archive:FILE, oci:DIR, oci-archive:FILE or dir:ROOTFS;
a bare name tries the local daemon, then the registry.

` + exitCodesHelp,
		Example: "  bulkhead scan image docker-archive:app.tar\n  bulkhead scan image docker:app:1.0 --fail-on HIGH --format sarif -o app.sarif",
		Args:    exactArgs(1, "REF"),
		RunE:    f.run(pipeline.ScanImage),
	}
	f.register(c.Flags(), "table", true)
	return c
}

func newScanFSCmd() *cobra.Command {
	var f scanFlags
	c := &cobra.Command{
		Use:   "fs PATH",
		Short: "Scan a source tree or root filesystem: lockfiles, Dockerfiles, compose files, secrets",
		Long: `Scan a source tree or root filesystem: packages from lockfiles and installed package databases,
their vulnerabilities, every Dockerfile and compose file linted, and secrets.

` + exitCodesHelp,
		Example: "  bulkhead scan fs .\n  bulkhead scan fs ./service --scanners secret,misconfig --format json",
		Args:    exactArgs(1, "PATH"),
		RunE:    f.run(pipeline.ScanFS),
	}
	f.register(c.Flags(), "table", true)
	c.Flags().StringSliceVar(&f.skipDirs, "skip-dirs", nil, "directory globs to leave out (a name without a slash matches at any depth)")
	c.Flags().BoolVar(&f.noIgnore, "no-gitignore", false, "scan what .gitignore files ignore too")
	return c
}

func newScanSBOMCmd() *cobra.Command {
	var f scanFlags
	c := &cobra.Command{
		Use:   "sbom FILE",
		Short: "Scan the packages of a CycloneDX or SPDX JSON SBOM for vulnerabilities",
		Long: `Scan the packages listed in a CycloneDX (1.4-1.6) or SPDX (2.2, 2.3) JSON SBOM, as bulkhead,
Syft or Trivy write them, for known vulnerabilities.

` + exitCodesHelp,
		Example: "  bulkhead scan sbom sbom.cdx.json --fail-on CRITICAL",
		Args:    exactArgs(1, "FILE"),
		RunE:    f.run(pipeline.ScanSBOM),
	}
	f.register(c.Flags(), "table", true)
	return c
}

func newSBOMCmd() *cobra.Command {
	var f scanFlags
	c := &cobra.Command{
		Use:   "sbom REF",
		Short: "Write the software bill of materials of an image or root filesystem",
		Long: `Write the software bill of materials of an image or root filesystem: every OS and language
package with its purl, licences, source package and the layer it came from.

` + exitCodesHelp,
		Example: "  bulkhead sbom docker:app:1.0 --format cyclonedx -o app.cdx.json\n  bulkhead sbom dir:./rootfs --format spdx",
		Args:    exactArgs(1, "REF"),
		RunE:    f.run(pipeline.SBOM),
	}
	f.register(c.Flags(), "cyclonedx", false)
	f.out.showPackages = true // --format table lists every package
	return c
}

// exactArgs is cobra.ExactArgs with a usage error that names the argument.
func exactArgs(n int, name string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{fmt.Errorf("%s takes %s (see '%s --help')", cmd.CommandPath(), name, cmd.CommandPath())}
		}
		return nil
	}
}
