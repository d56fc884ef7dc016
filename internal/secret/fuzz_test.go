package secret

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
)

// FuzzScan feeds random bytes to Analyze and ScanText: no panic, bounded
// findings, and no evidence that holds a whole matched secret.
func FuzzScan(f *testing.F) {
	for _, c := range readCorpus(f, "secret") {
		for _, b := range c.files {
			f.Add(b)
		}
	}
	f.Add([]byte("password=\x00\xff\xfe" + strings.Repeat("a", 300)))
	f.Add([]byte("-----BEGIN RSA PRIVATE KEY-----\\n" + strings.Repeat("QUJD", 40)))
	s, err := New(Config{MaxFindingsPerFile: 50})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fs, err := s.Analyze(context.Background(), &inventory.Input{Path: "root/.npmrc", Size: int64(len(b)), Reader: bytes.NewReader(b)})
		if err != nil {
			t.Fatalf("Analyze: %v", err)
		}
		if len(fs) > 50 {
			t.Fatalf("%d findings over the limit of 50", len(fs))
		}
		fs = append(fs, s.ScanText("config.Env[0]", string(b))...)
		out, err := json.Marshal(fs)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		for _, sec := range rawSecrets(s, b, "root/.npmrc") {
			if len(sec) >= 16 && bytes.Contains(out, []byte(sec)) {
				t.Fatalf("output holds the secret %s", Redact(sec))
			}
		}
	})
}

// FuzzLoadRules feeds random YAML to LoadRules: no panic, and every rule
// it accepts builds a scanner that runs.
func FuzzLoadRules(f *testing.F) {
	f.Add([]byte(customRules))
	f.Add([]byte("replace_builtins: true\nrules:\n  - id: A\n    regex: 'a(?P<secret>b+)'\n    keywords: [ab]\n    multiline: true\n    window: 10\n"))
	f.Add([]byte("rules:\n  - &a {id: X, regex: x, keywords: [xx]}\n  - *a\n"))
	f.Add([]byte("disable: [BH-SEC-JWT]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := LoadRules(bytes.NewReader(b))
		if rs == nil {
			if err == nil {
				t.Fatal("nil RuleSet without an error")
			}
			return
		}
		s, err := New(Config{Custom: rs})
		if err != nil {
			if strings.Contains(err.Error(), "duplicate rule id") {
				return
			}
			t.Fatalf("New with loaded rules: %v", err)
		}
		s.ScanText("x", "ab abbb xx password=Xk9#mQ2vLp7z "+string(b))
	})
}
