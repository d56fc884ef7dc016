package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestConfigShowHidesSecrets: a token or a database password set through
// the environment is never printed by config show.
func TestConfigShowHidesSecrets(t *testing.T) {
	t.Setenv("BULKHEAD_TOKEN", "bhk_supersecretvalue")
	t.Setenv("BULKHEAD_DATABASE", "postgres://u:hunter2@db/fleet")
	for _, cmd := range []string{"agent", "serve", "token"} {
		var out, errb bytes.Buffer
		if code := Main([]string{"config", "show", cmd}, strings.NewReader(""), &out, &errb); code != 0 {
			t.Fatalf("config show %s: %d %s", cmd, code, errb.String())
		}
		if s := out.String(); strings.Contains(s, "supersecret") || strings.Contains(s, "hunter2") {
			t.Errorf("config show %s prints a secret:\n%s", cmd, s)
		}
	}
	var out bytes.Buffer
	Main([]string{"config", "show", "serve"}, strings.NewReader(""), &out, &out)
	if !strings.Contains(out.String(), "postgres://u:xxxxx@db/fleet") {
		t.Errorf("the database URL should show with its password hidden:\n%s", out.String())
	}
}
