package audit

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/secret"
	"github.com/google/go-cmp/cmp"
)

// fakeToken builds a GitHub-style token at run time so that no secret-looking
// literal sits in the source.
func fakeToken() string { return "gh" + "p_" + "Zq8Lm2Rt7Vw4Xy1Nb6Kc9Pd3Hf5Gj0Ts2Ue7" }

func TestSecrets(t *testing.T) {
	sc, err := secret.New(secret.Config{})
	if err != nil {
		t.Fatal(err)
	}
	tok := fakeToken()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "token.env"), []byte("GITHUB_TOKEN="+tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "conf", "deep"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "conf", "deep", "app.ini"), []byte("token = "+tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := hardenedFacts()
	c := &f.Containers[0]
	c.Config.Env = []string{"PATH=/usr/bin", "GH_TOKEN=" + tok}
	c.Mounts = append(c.Mounts,
		Mount{Type: "bind", Source: filepath.Join(dir, "token.env"), Destination: "/run/secrets/token.env"},
		Mount{Type: "bind", Source: filepath.Join(dir, "conf"), Destination: "/etc/app"},
		Mount{Type: "bind", Source: "/", Destination: "/host"}, // never walked
	)
	fs, warnings := Secrets(context.Background(), f, sc, SecretOptions{Mounts: true})
	if len(warnings) > 0 {
		t.Errorf("warnings: %q", warnings)
	}
	var got []string
	for _, x := range fs {
		if strings.Contains(x.Evidence, tok) || strings.Contains(x.Title, tok) {
			t.Errorf("finding %s carries the secret in full: %+v", x.ID, x)
		}
		got = append(got, x.Location.ContainerName+" "+x.Location.Path)
	}
	sort.Strings(got)
	got = dedupe(got)
	want := []string{"web /etc/app/deep/app.ini", "web /run/secrets/token.env", "web env:GH_TOKEN"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("secret locations (-want +got):\n%s", diff)
	}
	// Without Mounts only the environment is scanned.
	fs, _ = Secrets(context.Background(), f, sc, SecretOptions{})
	for _, x := range fs {
		if x.Location.Path != "env:GH_TOKEN" {
			t.Errorf("mount scanned without Mounts: %s", x.Location.Path)
		}
	}
	if len(fs) == 0 {
		t.Error("no env finding")
	}
}

func dedupe(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
