package cli

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/bulkhead-sec/bulkhead/internal/config"
	"github.com/bulkhead-sec/bulkhead/internal/report/format"
)

// refusedFlags are flags a command's shared flag set holds but that mean
// nothing to it: they are hidden from its help, refused on its command line
// (exit 2) and never set from the environment or the configuration file.
var refusedFlags = map[string]map[string]string{
	"bulkhead sbom": {
		"fail-on": "an SBOM has no findings to gate on", "vex": "an SBOM has no findings to suppress",
		"ignore-unfixed": "an SBOM has no vulnerabilities", "severity": "an SBOM has no findings",
		"show-suppressed": "an SBOM has no findings", "ignorefile": "an SBOM has no findings",
		"disable": "an SBOM has no rules", "enable": "an SBOM has no rules",
	},
	"bulkhead lint": {
		"vex": "lint findings are not vulnerabilities", "ignore-unfixed": "lint findings are not vulnerabilities",
	},
	"bulkhead scan fs": {
		"platform": "a directory has one platform", "insecure": "no registry is asked",
	},
	"bulkhead scan sbom": {
		"platform": "no image is read", "insecure": "no registry is asked",
	},
	"bulkhead audit": {
		"ignore-unfixed": "audit findings are not vulnerabilities", "vex": "audit findings are not vulnerabilities",
	},
}

// formatsFor lists the --format values a reporting command accepts when it
// is not every format: an SBOM format of an audit would be an empty
// document.
var formatsFor = map[string][]string{
	"bulkhead sbom":  {"cyclonedx", "spdx", "json", "table"},
	"bulkhead audit": {"table", "json", "sarif", "junit", "markdown"},
	"bulkhead lint":  {"table", "json", "sarif", "junit", "markdown"},
}

// argChecks catch arguments that name the wrong kind of thing, before the
// command runs.
var argChecks = map[string]func(string) error{
	"bulkhead scan image": imageRefIsNotDir,
	"bulkhead sbom":       imageRefIsNotDir,
}

// imageTransports are the REF prefixes of an image.
var imageTransports = []string{"docker:", "registry:", "docker-archive:", "oci:", "oci-archive:", "dir:"}

// imageRefIsNotDir refuses a bare REF that is a local directory: it is a
// root filesystem (dir:) or a source tree (scan fs), not an image name.
func imageRefIsNotDir(ref string) error {
	for _, t := range imageTransports {
		if strings.HasPrefix(ref, t) {
			return nil
		}
	}
	fi, err := os.Stat(ref)
	if err != nil || !fi.IsDir() {
		return nil
	}
	if _, err := os.Stat(filepath.Join(ref, "oci-layout")); err == nil {
		return usageError{fmt.Errorf("%s is a directory: for the OCI layout in it write oci:%s", ref, ref)}
	}
	return usageError{fmt.Errorf("%s is a directory, not an image: for a root filesystem write dir:%s, for a source tree use 'bulkhead scan fs %s' (an image of that name: docker:%s or registry:%s)", ref, ref, ref, ref, ref)}
}

// prepare walks the command tree once: commands with subcommands refuse an
// unknown one with a suggestion, --json flags get a --format json twin,
// refused flags are hidden, and every command's flags are bound to the
// configuration file and environment before it runs.
func prepare(root *cobra.Command) {
	root.SetHelpCommand(&cobra.Command{
		Use:   "help [COMMAND...]",
		Short: "Help about any command",
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := c.Root().Find(args)
			if err != nil || len(rest) > 0 || target == nil {
				parent := c.Root()
				if target != nil {
					parent = target
				}
				typed := strings.Join(args, " ")
				if len(rest) > 0 {
					typed = rest[0]
				}
				msg := fmt.Sprintf("no help topic %q", strings.Join(args, " "))
				if s := parent.SuggestionsFor(typed); len(s) > 0 {
					msg += fmt.Sprintf(" (did you mean %q?)", s[0])
				}
				return usageError{fmt.Errorf("%s (see 'bulkhead --help')", msg)}
			}
			return target.Help()
		},
	})
	// The completion command is added lazily by Execute; add it now so
	// that the walk below covers it.
	root.InitDefaultCompletionCmd()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.HasSubCommands() {
			c.SuggestionsMinimumDistance = 2
			groupArgs(c)
		}
		jsonTwin(c)
		if allowed, ok := formatsFor[c.CommandPath()]; ok {
			if f := c.Flags().Lookup("format"); f != nil {
				f.Usage = "output format: " + strings.Join(allowed, ", ")
			}
		}
		for name := range refusedFlags[c.CommandPath()] {
			if f := c.Flags().Lookup(name); f != nil {
				f.Hidden = true
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	root.PersistentFlags().String("config", "", "configuration file (default ./"+config.DefaultFile+" when present; env "+config.EnvPrefix+"CONFIG)")
	// A command that gets a PersistentPreRunE of its own must not lose the
	// configuration binding: run every ancestor's hook.
	cobra.EnableTraverseRunHooks = true
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		// Help, version and completion work whatever the configuration
		// holds.
		for c := cmd; c != nil; c = c.Parent() {
			switch c.Name() {
			case "help", "version", cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd, "completion":
				return nil
			}
		}
		if err := bind(cmd); err != nil {
			return err
		}
		if check, ok := argChecks[cmd.CommandPath()]; ok && len(args) > 0 {
			return check(args[0])
		}
		return nil
	}
}

// groupArgs makes a command with subcommands refuse arguments that name
// none of them: exit 2 with "did you mean", never help and exit 0.
func groupArgs(c *cobra.Command) {
	orig := c.Args
	runnable := c.Runnable()
	c.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += fmt.Sprintf(" (did you mean %q?)", s[0])
			}
			var names []string
			for _, sub := range cmd.Commands() {
				if sub.IsAvailableCommand() {
					names = append(names, sub.Name())
				}
			}
			return usageError{fmt.Errorf("%s; its commands: %s (see '%s --help')", msg, strings.Join(names, ", "), cmd.CommandPath())}
		}
		if orig != nil {
			return orig(cmd, args)
		}
		return nil
	}
	if runnable {
		return
	}
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if !cmd.HasParent() {
			return cmd.Help()
		}
		cmd.SetOut(cmd.ErrOrStderr())
		_ = cmd.Help()
		return usageError{fmt.Errorf("%s needs a command (see '%s --help')", cmd.CommandPath(), cmd.CommandPath())}
	}
}

// jsonTwin gives a command whose machine output is switched on by a --json
// flag the --format text|json every other command has; --json stays as a
// hidden alias.
func jsonTwin(c *cobra.Command) {
	jf := c.LocalFlags().Lookup("json")
	if jf == nil || jf.Value.Type() != "bool" || c.Flags().Lookup("format") != nil {
		return
	}
	c.Flags().VarP(&jsonFormat{json: jf}, "format", "f", "output format: text or json")
	jf.Hidden = true
}

type jsonFormat struct {
	json *pflag.Flag
	val  string
}

func (j *jsonFormat) String() string {
	if j.val == "" {
		return "text"
	}
	return j.val
}
func (j *jsonFormat) Type() string { return "string" }
func (j *jsonFormat) Set(s string) error {
	switch strings.ToLower(s) {
	case "json":
		j.val = "json"
		return j.json.Value.Set("true")
	case "text", "table":
		j.val = "text"
		return j.json.Value.Set("false")
	}
	return fmt.Errorf("want text or json")
}

// bind runs before every command: it refuses flags that mean nothing to
// it, applies the configuration file and environment to the flags the
// command line left unset, and checks --format against the command.
func bind(cmd *cobra.Command) error {
	refused := refusedFlags[cmd.CommandPath()]
	for name, why := range refused {
		if f := cmd.Flags().Lookup(name); f != nil && f.Changed {
			return usageError{fmt.Errorf("--%s means nothing to %s: %s", name, cmd.CommandPath(), why)}
		}
	}
	st, err := loadSettings(cmd)
	if err != nil {
		return err
	}
	fromConfig := map[string]bool{}
	cmd.Flags().VisitAll(func(f *pflag.Flag) { fromConfig[f.Name] = !f.Changed })
	if err := st.Apply(cmd, func(f *pflag.Flag) bool { _, no := refused[f.Name]; return no }); err != nil {
		return usageError{err}
	}
	if allowed, ok := formatsFor[cmd.CommandPath()]; ok {
		if f := cmd.Flags().Lookup("format"); f != nil {
			if ft, err := format.Lookup(f.Value.String()); err == nil && !contains(allowed, ft.Name) {
				where := ""
				if fromConfig["format"] && f.Changed {
					v, _, _ := st.Lookup(cmd, "format")
					where = " (from " + v.Source + ")"
				}
				return usageError{fmt.Errorf("--format %s does not fit %s%s: want one of %s", ft.Name, cmd.CommandPath(), where, strings.Join(allowed, ", "))}
			}
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// loadSettings reads the file named by --config (or BULKHEAD_CONFIG, or
// ./bulkhead.yaml) and the environment, and refuses unknown keys.
func loadSettings(cmd *cobra.Command) (*config.Settings, error) {
	path := ""
	if f := cmd.Flags().Lookup("config"); f != nil {
		path = f.Value.String()
	}
	if path == "" {
		path = os.Getenv(config.EnvPrefix + "CONFIG")
	}
	st, err := config.Load(path, os.Environ())
	if err != nil {
		return nil, usageError{err}
	}
	if err := st.Check(cmd.Root()); err != nil {
		return nil, usageError{err}
	}
	return st, nil
}

func newConfigCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Show the settings the configuration file and environment give",
		Long: `Every flag of every command can be set in a configuration file and in the environment, with the
precedence: command line > environment > file > default.

The file is ./` + config.DefaultFile + ` when present, or the one named by --config or ` + config.EnvPrefix + `CONFIG. Its keys
are flag names, bare (for every command that has the flag) or under a command path, the most
specific winning:

  fail-on: HIGH
  scan:
    image:
      platform: linux/arm64
  audit:
    checks: ["5.*"]

An environment variable is ` + config.EnvPrefix + ` and the flag name in capitals with underscores:
` + config.EnvPrefix + `FAIL_ON=HIGH, ` + config.EnvPrefix + `SEVERITY=MEDIUM. It applies to every command with that flag.`,
	}
	show := &cobra.Command{
		Use:     "show [COMMAND...]",
		Short:   "Print the effective settings (of one command, or every setting that is not a default)",
		Example: "  bulkhead config show\n  bulkhead config show scan image\n  BULKHEAD_FAIL_ON=HIGH bulkhead config show audit",
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := loadSettings(cmd)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if st.File != "" {
				fmt.Fprintf(w, "# configuration file: %s\n", st.File)
			} else {
				fmt.Fprintf(w, "# configuration file: none (no ./%s)\n", config.DefaultFile)
			}
			var targets []*cobra.Command
			all := len(args) == 0
			if all {
				var walk func(c *cobra.Command)
				walk = func(c *cobra.Command) {
					if c.Runnable() && c.Name() != "help" && c.HasParent() {
						targets = append(targets, c)
					}
					for _, sub := range c.Commands() {
						walk(sub)
					}
				}
				walk(cmd.Root())
			} else {
				t, rest, err := cmd.Root().Find(args)
				if err != nil || len(rest) > 0 || t == cmd.Root() {
					return usageError{fmt.Errorf("no command %q (see 'bulkhead --help')", strings.Join(args, " "))}
				}
				targets = append(targets, t)
			}
			printed := 0
			var prev []string
			for _, t := range targets {
				eff, err := st.Effective(t)
				if err != nil {
					return usageError{err}
				}
				names := make([]string, 0, len(eff))
				for n, v := range eff {
					if n == "config" || (all && v.Source == "default") {
						continue
					}
					names = append(names, n)
				}
				if len(names) == 0 {
					continue
				}
				sort.Strings(names)
				path := strings.Fields(strings.TrimPrefix(t.CommandPath(), t.Root().Name()+" "))
				// Commands are printed in tree order, so a path shares its
				// leading keys with the one before: print only the rest.
				same := 0
				for same < len(prev) && same < len(path) && prev[same] == path[same] {
					same++
				}
				for i := same; i < len(path); i++ {
					fmt.Fprintf(w, "%s%s:\n", strings.Repeat("  ", i), path[i])
				}
				prev = path
				ind := strings.Repeat("  ", len(path))
				for _, n := range names {
					v := eff[n]
					fmt.Fprintf(w, "%s%s: %s  # %s\n", ind, n, yamlValue(t.Flags().Lookup(n), v.Values), v.Source)
				}
				printed++
			}
			if all && printed == 0 {
				fmt.Fprintln(w, "# every setting is at its default")
			}
			return nil
		},
	}
	c.AddCommand(show)
	return c
}

// secretFlag annotates a flag whose value config show must not print:
// "token" hides it, "url" hides a URL's password.
const secretFlag = "bulkhead:secret"

func yamlValue(f *pflag.Flag, vals []string) string {
	if kind := f.Annotations[secretFlag]; len(kind) > 0 && len(vals) > 0 && vals[0] != "" {
		if kind[0] == "url" {
			if u, err := url.Parse(vals[0]); err == nil {
				return strconv.Quote(u.Redacted())
			}
		}
		return `"(redacted)"`
	}
	if _, ok := f.Value.(pflag.SliceValue); ok {
		q := make([]string, len(vals))
		for i, v := range vals {
			q[i] = strconv.Quote(v)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	if len(vals) == 0 {
		return `""`
	}
	switch f.Value.Type() {
	case "bool", "int", "int64", "uint", "float64":
		return vals[0]
	}
	return strconv.Quote(vals[0])
}
