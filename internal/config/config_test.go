package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
)

func tree() (*cobra.Command, *cobra.Command, *cobra.Command) {
	root := &cobra.Command{Use: "bulkhead"}
	scan := &cobra.Command{Use: "scan"}
	image := &cobra.Command{Use: "image", Run: func(*cobra.Command, []string) {}}
	image.Flags().String("fail-on", "", "")
	image.Flags().String("platform", "", "")
	image.Flags().StringSlice("scanners", nil, "")
	image.Flags().Bool("quiet", false, "")
	lint := &cobra.Command{Use: "lint", Run: func(*cobra.Command, []string) {}}
	lint.Flags().String("fail-on", "", "")
	scan.AddCommand(image)
	root.AddCommand(scan, lint)
	return root, image, lint
}

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "b.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPrecedence(t *testing.T) {
	file := write(t, "fail-on: LOW\nscan:\n  fail-on: MEDIUM\n  image:\n    scanners: [vuln, secret]\n    quiet: true\n")
	tests := []struct {
		name    string
		env     []string
		args    []string
		cmd     int // 0 image, 1 lint
		want    map[string]string
		sources map[string]string
	}{
		{"file, most specific key", nil, nil, 0,
			map[string]string{"fail-on": "MEDIUM", "scanners": "[vuln,secret]", "quiet": "true"},
			map[string]string{"fail-on": "file scan.fail-on", "scanners": "file scan.image.scanners"}},
		{"file, bare key", nil, nil, 1, map[string]string{"fail-on": "LOW"}, map[string]string{"fail-on": "file fail-on"}},
		{"env beats file", []string{"BULKHEAD_FAIL_ON=HIGH", "BULKHEAD_SCANNERS=misconfig"}, nil, 0,
			map[string]string{"fail-on": "HIGH", "scanners": "[misconfig]"},
			map[string]string{"fail-on": "env BULKHEAD_FAIL_ON"}},
		{"flag beats env", []string{"BULKHEAD_FAIL_ON=HIGH"}, []string{"--fail-on", "CRITICAL"}, 0,
			map[string]string{"fail-on": "CRITICAL"}, map[string]string{"fail-on": "flag"}},
		{"empty env is unset", []string{"BULKHEAD_FAIL_ON="}, nil, 1, map[string]string{"fail-on": "LOW"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, image, lint := tree()
			cmd := []*cobra.Command{image, lint}[tt.cmd]
			if err := cmd.ParseFlags(tt.args); err != nil {
				t.Fatal(err)
			}
			s, err := Load(file, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Check(root); err != nil {
				t.Fatal(err)
			}
			eff, err := s.Effective(cmd)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Apply(cmd, nil); err != nil {
				t.Fatal(err)
			}
			for name, want := range tt.want {
				if got := cmd.Flags().Lookup(name).Value.String(); got != want {
					t.Errorf("--%s = %q, want %q", name, got, want)
				}
			}
			for name, want := range tt.sources {
				if got := eff[name].Source; got != want {
					t.Errorf("source of --%s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	root, image, _ := tree()
	tests := []struct {
		name, body, want string
	}{
		{"unknown key", "scan:\n  image:\n    platfrom: x\n", "unknown setting scan.image.platfrom"},
		{"flag of another command", "lint:\n  platform: x\n", "unknown setting lint.platform"},
		{"not yaml", "fail-on: [\n", "configuration file"},
		{"mapping as value", "scan:\n  image:\n    fail-on: {a: b}\n", "unknown setting scan.image.fail-on.a"},
		{"list for a scalar", "scan:\n  image:\n    fail-on: [a, b]\n", "takes one value"},
		{"bad bool", "scan:\n  image:\n    quiet: maybe\n", "quiet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Load(write(t, tt.body), nil)
			if err == nil {
				err = s.Check(root)
			}
			if err == nil {
				err = s.Apply(image, nil)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml"), nil); err == nil {
		t.Error("a named file that is missing loaded without error")
	}
	big := write(t, "fail-on: "+strings.Repeat("x", MaxFileSize)+"\n")
	if _, err := Load(big, nil); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("oversized file: %v", err)
	}
}

func TestDefaultFileOptional(t *testing.T) {
	t.Chdir(t.TempDir())
	s, err := Load("", nil)
	if err != nil || s.File != "" {
		t.Fatalf("Load without ./bulkhead.yaml: %v, file %q", err, s.File)
	}
	if err := os.WriteFile(DefaultFile, []byte("fail-on: HIGH\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err = Load("", nil)
	if err != nil || s.File != DefaultFile {
		t.Fatalf("Load with ./bulkhead.yaml: %v, file %q", err, s.File)
	}
	_, _, lint := tree()
	eff, _ := s.Effective(lint)
	if diff := cmp.Diff(Value{Values: []string{"HIGH"}, Source: "file fail-on"}, eff["fail-on"]); diff != "" {
		t.Error(diff)
	}
}

// FuzzLoad: any file gives a clear error or settings, never a panic.
func FuzzLoad(f *testing.F) {
	f.Add([]byte("fail-on: HIGH\nscan:\n  image:\n    scanners: [vuln]\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("- 1\n- 2\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "f.yaml")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := Load(p, nil)
		if err != nil {
			return
		}
		root, image, _ := tree()
		_ = s.Check(root)
		_ = s.Apply(image, nil)
		_, _ = s.Effective(image)
	})
}
