// Package config gives every flag of every bulkhead command a value from a
// configuration file and from BULKHEAD_<FLAG> environment variables, with
// the precedence flags > environment > file > defaults.
//
// The file is YAML (bulkhead.yaml in the working directory, or the file
// named by --config or BULKHEAD_CONFIG). A key is a flag name, either bare
// (it applies to every command that has the flag) or under the command
// path, the most specific winning:
//
//	fail-on: HIGH            # every command with --fail-on
//	scan:
//	  image:
//	    platform: linux/arm64
//	audit:
//	  checks: ["5.*"]
//
// An environment variable is BULKHEAD_ and the flag name in upper case with
// dashes as underscores (BULKHEAD_FAIL_ON=HIGH); it applies to every command
// with that flag. Values are parsed by the flag itself, so a bad value is
// the same error as on the command line. The binding walks the cobra
// command tree, so a flag added to any command is configurable without
// further code. Reading and parsing is koanf's (knadh/koanf/v2).
package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/rawbytes"
	"github.com/knadh/koanf/v2"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// DefaultFile is the configuration file read from the working directory
// when no other is named.
const DefaultFile = "bulkhead.yaml"

// EnvPrefix starts every environment variable that sets a flag.
const EnvPrefix = "BULKHEAD_"

// MaxFileSize bounds the configuration file.
const MaxFileSize = 1 << 20

// Settings are the loaded file and environment layers.
type Settings struct {
	// File is the configuration file read, "" when none was.
	File string
	file *koanf.Koanf
	env  *koanf.Koanf
}

// Load reads the configuration file and the environment. path is the file
// to read; empty means DefaultFile when it exists. A named file that is
// missing is an error, as is a file that is not a YAML mapping. environ is
// the environment as os.Environ returns it.
func Load(path string, environ []string) (*Settings, error) {
	s := &Settings{file: koanf.New("."), env: koanf.New(".")}
	named := path != ""
	if !named {
		path = DefaultFile
	}
	b, err := readBounded(path)
	switch {
	case err == nil:
		if err := s.file.Load(rawbytes.Provider(b), yaml.Parser()); err != nil {
			return nil, fmt.Errorf("configuration file %s: %w", path, err)
		}
		s.File = path
	case !named && errors.Is(err, fs.ErrNotExist):
	default:
		return nil, fmt.Errorf("configuration file: %w", err)
	}
	envp := env.Provider(".", env.Opt{
		Prefix:      EnvPrefix,
		EnvironFunc: func() []string { return environ },
		TransformFunc: func(k, v string) (string, any) {
			if v == "" {
				return "", nil // an empty variable counts as unset
			}
			return EnvKey(k), v
		},
	})
	if err := s.env.Load(envp, nil); err != nil {
		return nil, fmt.Errorf("environment: %w", err)
	}
	return s, nil
}

// EnvKey maps BULKHEAD_FAIL_ON to the flag name fail-on.
func EnvKey(v string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(v, EnvPrefix)), "_", "-")
}

// EnvName maps a flag name to its environment variable.
func EnvName(flag string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

func readBounded(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	if fi, err := fh.Stat(); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("%s is a directory", path)
	}
	b, err := io.ReadAll(io.LimitReader(fh, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, MaxFileSize)
	}
	return b, nil
}

// Value is a flag's effective value and where it came from.
type Value struct {
	// Values holds the value (one entry, or several for a list flag).
	Values []string
	// Source is "flag", "env BULKHEAD_X", "file KEY" or "default".
	Source string
}

// commandKey is the command's path under the root, dot separated
// ("scan.image"); "" for the root.
func commandKey(c *cobra.Command) string {
	var parts []string
	for p := c; p.HasParent(); p = p.Parent() {
		parts = append([]string{p.Name()}, parts...)
	}
	return strings.Join(parts, ".")
}

// Lookup returns the value the environment or file give flag on cmd, and
// whether one does.
func (s *Settings) Lookup(cmd *cobra.Command, flag string) (Value, bool, error) {
	if s.env.Exists(flag) {
		return Value{Values: []string{s.env.String(flag)}, Source: "env " + EnvName(flag)}, true, nil
	}
	key := commandKey(cmd)
	for {
		k := flag
		if key != "" {
			k = key + "." + flag
		}
		// A key that is a mapping names a command section ("db:",
		// "rules:"), not the flag of the same name.
		if _, section := s.file.Get(k).(map[string]any); s.file.Exists(k) && !section {
			vals, err := scalarList(s.file.Get(k))
			if err != nil {
				return Value{}, false, fmt.Errorf("configuration file %s: %s: %w", s.File, k, err)
			}
			return Value{Values: vals, Source: "file " + k}, true, nil
		}
		if key == "" {
			return Value{}, false, nil
		}
		if i := strings.LastIndexByte(key, '.'); i >= 0 {
			key = key[:i]
		} else {
			key = ""
		}
	}
}

func scalarList(v any) ([]string, error) {
	switch x := v.(type) {
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, err := scalar(e)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	default:
		s, err := scalar(x)
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
}

func scalar(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case map[string]any, []any:
		return "", errors.New("want a value or a list of values, not a mapping or nested list")
	default:
		return fmt.Sprint(x), nil
	}
}

// Apply sets every flag of cmd that was not given on the command line from
// the environment or the file. skip, when set, leaves flags out (those a
// command refuses).
func (s *Settings) Apply(cmd *cobra.Command, skip func(*pflag.Flag) bool) error {
	var firstErr error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if firstErr != nil || f.Changed || f.Name == "help" || f.Name == "config" || (skip != nil && skip(f)) {
			return
		}
		v, ok, err := s.Lookup(cmd, f.Name)
		if err != nil {
			firstErr = err
			return
		}
		if !ok {
			return
		}
		if err := set(f, v.Values); err != nil {
			firstErr = fmt.Errorf("--%s from %s: %w", f.Name, v.Source, err)
		}
	})
	return firstErr
}

// set gives f its values: a list flag takes them all, any other flag
// exactly one.
func set(f *pflag.Flag, vals []string) error {
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		var all []string
		for _, v := range vals {
			if strings.Contains(v, ",") {
				all = append(all, splitCSV(v)...)
			} else {
				all = append(all, v)
			}
		}
		if err := sv.Replace(all); err != nil {
			return err
		}
		f.Changed = true
		return nil
	}
	if len(vals) != 1 {
		return fmt.Errorf("takes one value, not a list of %d", len(vals))
	}
	if err := f.Value.Set(vals[0]); err != nil {
		return err
	}
	f.Changed = true
	return nil
}

func splitCSV(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Check reports the keys of the file that set no flag of any command: a
// misspelt setting must not be ignored silently.
func (s *Settings) Check(root *cobra.Command) error {
	valid := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		key := commandKey(c)
		add := func(f *pflag.Flag) {
			valid[f.Name] = true
			// A flag is valid under the command and every ancestor.
			for k := key; k != ""; {
				valid[k+"."+f.Name] = true
				if i := strings.LastIndexByte(k, '.'); i >= 0 {
					k = k[:i]
				} else {
					k = ""
				}
			}
		}
		c.LocalFlags().VisitAll(add)
		c.InheritedFlags().VisitAll(add)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	var bad []string
	for _, k := range s.file.Keys() {
		if !valid[k] {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return fmt.Errorf("configuration file %s: unknown setting %s (keys are flag names, bare or under a command path such as scan.image.platform)", s.File, strings.Join(bad, ", "))
}

// Effective returns the effective value of every flag of cmd, for
// `bulkhead config show`: from the command line when given there, else the
// environment, the file or the default.
func (s *Settings) Effective(cmd *cobra.Command) (map[string]Value, error) {
	out := map[string]Value{}
	var firstErr error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Name == "help" || f.Hidden {
			return
		}
		if f.Changed {
			out[f.Name] = Value{Values: current(f), Source: "flag"}
			return
		}
		v, ok, err := s.Lookup(cmd, f.Name)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if ok {
			out[f.Name] = v
			return
		}
		out[f.Name] = Value{Values: current(f), Source: "default"}
	})
	return out, firstErr
}

func current(f *pflag.Flag) []string {
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		return sv.GetSlice()
	}
	return []string{f.Value.String()}
}
