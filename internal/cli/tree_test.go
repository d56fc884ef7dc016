package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/bulkhead-sec/bulkhead/internal/config"
)

// sample is a value every flag of its type accepts.
func sample(f *pflag.Flag) string {
	switch f.Value.Type() {
	case "bool":
		return "true"
	case "int", "int64", "uint", "uint16", "uint32", "uint64", "float64":
		return "7"
	case "duration":
		return "3s"
	}
	if f.Name == "format" {
		return "json"
	}
	return "x"
}

// TestEveryFlagConfigurable walks the whole command tree: every flag of
// every command takes a value from the configuration file (under the
// command's path) and from its BULKHEAD_ variable, so that flags other
// commands add later are configurable without code.
func TestEveryFlagConfigurable(t *testing.T) {
	root := newRoot(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
	var cmds []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Runnable() && c.HasParent() && c.Name() != "help" {
			cmds = append(cmds, c)
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(root)
	flags := 0
	for _, c := range cmds {
		c.InheritedFlags() // merge the persistent flags
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Name == "help" || f.Name == "config" || f.Hidden {
				return
			}
			flags++
			key := strings.ReplaceAll(strings.TrimPrefix(c.CommandPath(), "bulkhead "), " ", ".") + "." + f.Name
			for _, src := range []string{"file", "env"} {
				fresh := newRoot(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
				target, _, err := fresh.Find(strings.Fields(strings.TrimPrefix(c.CommandPath(), "bulkhead ")))
				if err != nil {
					t.Fatal(err)
				}
				target.InheritedFlags()
				var env []string
				file := ""
				if src == "file" {
					file = filepath.Join(t.TempDir(), "b.yaml")
					body := ""
					parts := strings.Split(key, ".")
					for i, p := range parts {
						body += strings.Repeat("  ", i) + p + ":"
						if i == len(parts)-1 {
							body += " " + `"` + sample(f) + `"`
						}
						body += "\n"
					}
					if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
						t.Fatal(err)
					}
				} else {
					env = []string{config.EnvName(f.Name) + "=" + sample(f)}
				}
				st, err := config.Load(file, env)
				if err != nil {
					t.Fatal(err)
				}
				if err := st.Check(fresh); err != nil {
					t.Errorf("%s: %v", key, err)
					continue
				}
				if err := st.Apply(target, nil); err != nil {
					t.Errorf("%s from %s: %v", key, src, err)
					continue
				}
				if got := target.Flags().Lookup(f.Name); !got.Changed {
					t.Errorf("%s: not set from the %s", key, src)
				}
			}
		})
	}
	if flags < 60 {
		t.Errorf("only %d flags walked", flags)
	}
	t.Logf("%d flags of %d commands configurable from file and env", flags, len(cmds))
}
