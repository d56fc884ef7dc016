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

// TestServeWebhookFlags: a webhook URL (Slack's carry a secret in their
// path) is never printed, by config show nor by the error of a bad value.
func TestServeWebhookFlags(t *testing.T) {
	t.Setenv("BULKHEAD_WEBHOOK", "slack=https://hooks.slack.com/services/T0/B0/XSECRETX")
	var out, errb bytes.Buffer
	if code := Main([]string{"config", "show", "serve"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("config show serve: %d %s", code, errb.String())
	}
	if s := out.String(); strings.Contains(s, "XSECRETX") || !strings.Contains(s, "webhook") {
		t.Errorf("config show serve:\n%s", s)
	}
	for _, args := range [][]string{
		{"serve", "--webhook", "ftp://host/XSECRETX"},
		{"serve", "--webhook", "https://host/x", "--notify-priority", "LOUD"},
	} {
		out.Reset()
		errb.Reset()
		if code := Main(args, strings.NewReader(""), &out, &errb); code != 2 || strings.Contains(errb.String(), "XSECRETX") {
			t.Errorf("%v: exit %d, %s", args, code, errb.String())
		}
	}
}
