package secret

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
)

var update = flag.Bool("update", false, "rewrite golden files (docs/rules/secrets.md)")

func TestBuiltinRules(t *testing.T) {
	rules := Builtins()
	if len(rules) < 60 {
		t.Fatalf("%d built-in rules, want at least 60", len(rules))
	}
	idRe := regexp.MustCompile(`^BH-SEC-[A-Z0-9]+(?:-[A-Z0-9]+)*$`)
	cats := map[string]bool{CatCloud: true, CatVCS: true, CatChat: true, CatPayment: true, CatSaaS: true,
		CatPrivateKey: true, CatJWT: true, CatURL: true, CatCredentials: true, CatGeneric: true}
	seen := map[string]bool{}
	for _, r := range rules {
		if !idRe.MatchString(r.ID) {
			t.Errorf("rule id %q is not BH-SEC-UPPER-CASE", r.ID)
		}
		if seen[r.ID] {
			t.Errorf("duplicate rule id %q", r.ID)
		}
		seen[r.ID] = true
		if r.Title == "" || r.Title == r.ID {
			t.Errorf("%s: no title", r.ID)
		}
		if r.Severity < finding.Low {
			t.Errorf("%s: severity %s", r.ID, r.Severity)
		}
		if !cats[r.Category] {
			t.Errorf("%s: unknown category %q", r.ID, r.Category)
		}
		if len(r.Keywords) == 0 && len(r.Paths) == 0 {
			t.Errorf("%s: neither keywords nor paths", r.ID)
		}
		for _, k := range r.Keywords {
			if k != strings.ToLower(k) {
				t.Errorf("%s: keyword %q is not lower case", r.ID, k)
			}
		}
		if len(r.secretIdx) == 0 {
			t.Errorf("%s: no secret group", r.ID)
		}
	}
	// Builtins returns copies: changing one does not change the next.
	rules[0].Keywords[0] = "changed"
	if Builtins()[0].Keywords[0] == "changed" {
		t.Error("Builtins shares keyword slices between calls")
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "****"},
		{"abc", "****"},
		{"hunter2", "****"},
		{"hunter22", "hu****"},
		{"ghp_0123456789abcdefghij0123456789abcdef", "ghp_****"},
		{"Zk8d7Jq2Lm9Vb4Nc", "Zk8d****"},
		{"ééééééééé", "éé****"}, // 9 characters: keeps 2
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsPlaceholder(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"AKIAIOSFODNN7EXAMPLE", true},
		{"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", true},
		{"xxxxxxxxxxxx", true},
		{"changeme", true},
		{"<token>", true},
		{"${VAR}", true},
		{"$(cat /run/secrets/x)", true},
		{"{{ .Values.x }}", true},
		{"my-dummy-key", true},
		{"test-token-1", true},
		{"fake_secret", true},
		{"aaaaaaaaaaaaaaaa", true},
		{"ghp_000000000000000000000000000000000000", true},
		{"AKIAAAAAAAAAAAAAAAAA", true},
		{"Zk8d7Jq2Lm9Vb4Nc1Xw6", false},
		{"ghp_Q3k9Zb7Lm2Vd8Nc4Xw6Ry1Ts5Pq0Hg8Fd2Ae", false},
	}
	for _, tt := range tests {
		if got := IsPlaceholder(tt.in); got != tt.want {
			t.Errorf("IsPlaceholder(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

type gotFinding struct {
	ID, Path  string
	Line      int
	Evidence  string
	Severity  finding.Severity
	Tags      []string
	HasFix    bool
	IsSecret  bool
	EndLine   int
	LayerFree bool
}

func summarize(fs []finding.Finding) []gotFinding {
	var out []gotFinding
	for _, f := range fs {
		out = append(out, gotFinding{ID: f.ID, Path: f.Location.Path, Line: f.Location.Line, EndLine: f.Location.EndLine,
			Evidence: f.Evidence, Severity: f.Severity, Tags: f.Tags, HasFix: f.Fix != "",
			IsSecret: f.Kind == finding.Secret, LayerFree: f.Location.Layer == ""})
	}
	return out
}

func TestScanTextEnv(t *testing.T) {
	s := newTestScanner(t, Config{})
	g := func(id, where, ev string, sev finding.Severity, tag string) gotFinding {
		return gotFinding{ID: id, Path: where, Evidence: ev, Severity: sev, Tags: []string{tag}, HasFix: true, IsSecret: true, LayerFree: true}
	}
	tests := []struct {
		where, text string
		want        []gotFinding
	}{
		{"config.Env[0]", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", nil},
		{"config.Env[1]", "GITHUB_TOKEN=ghp_Q3k9Zb7Lm2Vd8Nc4Xw6Ry1Ts5Pq0Hg8Fd2Ae",
			[]gotFinding{g("BH-SEC-GITHUB-PAT", "config.Env[1]", "GITHUB_TOKEN=ghp_****", finding.Critical, CatVCS)}},
		{"config.Env[2]", "DB_PASSWORD=Xk9#mQ2vLp7z",
			[]gotFinding{g("BH-SEC-GENERIC-PASSWORD", "config.Env[2]", "DB_PASSWORD=Xk9****", finding.Medium, CatGeneric)}},
		{"config.Env[3]", "DB_PASSWORD=${DB_PASSWORD}", nil},
		{"history[0]", "/bin/sh -c #(nop)  ENV DB_PASSWORD Xk9#mQ2vLp7z",
			[]gotFinding{g("BH-SEC-GENERIC-PASSWORD", "history[0]", "/bin/sh -c #(nop)  ENV DB_PASSWORD Xk9****", finding.Medium, CatGeneric)}},
		{"history[1]", "ARG\tREGISTRY_TOKEN\t'Q3k9Zb7Lm2Vd8Nc4Xw6Ry1Ts'",
			[]gotFinding{g("BH-SEC-GENERIC-SECRET", "history[1]", "ARG REGISTRY_TOKEN 'Q3k9****'", finding.Medium, CatGeneric)}},
		// Blank-separated "key value" outside ENV/ARG is prose, not an assignment.
		{"config.Labels[note]", "the password Xk9#mQ2vLp7z is rotated daily", nil},
		{"config.Labels[fn]", "token_hash = 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", nil},
		{"config.Env[4]", "DATABASE_URL=postgres://app:Nd8sKq2Lzw@db:5432/app",
			[]gotFinding{g("BH-SEC-URL-POSTGRES", "config.Env[4]", "DATABASE_URL=postgres://app:Nd****@db:5432/app", finding.High, CatURL)}},
		{"config.Env[5]", "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", nil},
		{"history[2]", "/bin/sh -c #(nop)  ENV STRIPE_KEY=sk_live_4kQ9zB7Lm2Vd8Nc4Xw6Ry1Ts",
			[]gotFinding{g("BH-SEC-STRIPE-SECRET-KEY", "history[2]", "/bin/sh -c #(nop)  ENV STRIPE_KEY=sk_l****", finding.Critical, CatPayment)}},
		{"history[3]", "|1 NPM_TOKEN=npm_Q3k9Zb7Lm2Vd8Nc4Xw6Ry1Ts5Pq0Hg8Fd2Ae /bin/sh -c npm ci",
			[]gotFinding{g("BH-SEC-NPM-TOKEN", "history[3]", "|1 NPM_TOKEN=npm_**** /bin/sh -c npm ci", finding.Critical, CatSaaS)}},
		{"config.Labels[api]", "sk-proj-Zb7Lm2Vd8Nc4Xw6Ry1Ts5Pq0Hg8Fd2AeQ3k9Zb7Lm2Vd8Nc4Xw6Ry1Ts5",
			[]gotFinding{g("BH-SEC-OPENAI-API-KEY", "config.Labels[api]", "sk-p****", finding.High, CatSaaS)}},
		// The .npmrc rule is path-gated and does not run on text; the
		// generic rule still sees a token assignment.
		{"config.Env[6]", "_authToken=Zb7Lm2Vd8Nc4Xw6Ry1Ts5",
			[]gotFinding{g("BH-SEC-GENERIC-SECRET", "config.Env[6]", "_authToken=Zb7L****", finding.Medium, CatGeneric)}},
	}
	for _, tt := range tests {
		t.Run(tt.where, func(t *testing.T) {
			got := summarize(s.ScanText(tt.where, tt.text))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ScanText(%q) (-want +got):\n%s", tt.text, diff)
			}
		})
	}
	if st := s.Stats(); st.Texts != int64(len(tests)) {
		t.Errorf("Stats().Texts = %d, want %d", st.Texts, len(tests))
	}
}

func TestFileLocationAndEvidence(t *testing.T) {
	s := newTestScanner(t, Config{})
	key := "ghp_Q3k9Zb7Lm2Vd8Nc4Xw6Ry1Ts5Pq0Hg8Fd2Ae"
	sak := "Zk8d7Jq2Lm9Vb4Nc1Xw6Ry3Ts5Pq0Hg8Fd2Ae7Kq"
	long := strings.Repeat("a", 200)
	text := "line one\r\n" +
		"AKIAQ3EGT5NM7WK2PLXR," + sak + "\n" + // key id and secret on one line: both redacted
		long + " token " + key + " " + long + "\n" +
		"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBl3cR2k5Vq8YmZ0o5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0oAoGCCqG\nSM49AwEHoUQDQgAEq7d1x2y3z4a5b6c7d8e9f0g1h2i3j4k5l6m7n8o9p0q1r2s3\n-----END EC PRIVATE KEY-----\n"
	fs, err := s.Analyze(context.Background(), &inventory.Input{Path: "app/x.txt", Size: int64(len(text)), Reader: strings.NewReader(text)})
	if err != nil {
		t.Fatal(err)
	}
	var got []gotFinding
	for _, f := range summarize(fs) {
		f.Tags, f.HasFix, f.IsSecret, f.LayerFree = nil, false, false, false
		got = append(got, f)
	}
	want := []gotFinding{
		{ID: "BH-SEC-AWS-ACCESS-KEY-ID", Path: "app/x.txt", Line: 2, Evidence: "AKIA****,Zk8d****", Severity: finding.High},
		{ID: "BH-SEC-AWS-SECRET-ACCESS-KEY", Path: "app/x.txt", Line: 2, Evidence: "AKIA****,Zk8d****", Severity: finding.Critical},
		{ID: "BH-SEC-GITHUB-PAT", Path: "app/x.txt", Line: 3, Evidence: "..." + long[:57] + " token ghp_**** " + long[:63] + "...", Severity: finding.Critical},
		{ID: "BH-SEC-PRIVATE-KEY-EC", Path: "app/x.txt", Line: 5, EndLine: 6, Evidence: "MHcC****", Severity: finding.Critical},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func TestLimitsAndStats(t *testing.T) {
	s := newTestScanner(t, Config{MaxFileSize: 1000, BinarySniffSize: 16, ExtraBinaryExtensions: []string{"dat"}})
	secretLine := []byte("token: ghp_Q3k9Zb7Lm2Vd8Nc4Xw6Ry1Ts5Pq0Hg8Fd2Ae\n")
	tests := []struct {
		name     string
		path     string
		mode     fs.FileMode
		size     int64
		required bool
	}{
		{"dir", "etc", fs.ModeDir | 0o755, 0, false},
		{"symlink", "etc/link", fs.ModeSymlink | 0o777, 10, false},
		{"empty", "etc/empty", 0o644, 0, false},
		{"image", "web/logo.PNG", 0o644, 100, false},
		{"extra ext", "data/blob.dat", 0o644, 100, false},
		{"too big", "var/log/big.log", 0o644, 1001, false},
		{"allowed doc", "app/node_modules/x/README.md", 0o644, 100, false},
		{"text", "app/.env", 0o644, 100, true},
	}
	for _, tt := range tests {
		if got := s.Required(tt.path, tt.mode, tt.size); got != tt.required {
			t.Errorf("%s: Required(%q) = %v, want %v", tt.name, tt.path, got, tt.required)
		}
	}
	ctx := context.Background()
	analyze := func(p string, b []byte, size int64) []finding.Finding {
		fs, err := s.Analyze(ctx, &inventory.Input{Path: p, Size: size, Reader: bytes.NewReader(b)})
		if err != nil {
			t.Fatalf("Analyze(%q): %v", p, err)
		}
		return fs
	}
	// NUL in the sniffed prefix: binary, skipped.
	if fs := analyze("bin/x", append([]byte("\x00ELF"), secretLine...), -1); len(fs) != 0 {
		t.Errorf("binary file gave %d findings", len(fs))
	}
	// NUL after the sniffed prefix: scanned.
	late := append(append(bytes.Repeat([]byte("#"), 20), 0), '\n')
	if fs := analyze("etc/x", append(late, secretLine...), -1); len(fs) != 1 {
		t.Errorf("late-NUL file gave %d findings, want 1", len(fs))
	}
	// Declared size over the limit, and an unknown size that turns out too big.
	analyze("big1", secretLine, 5000)
	analyze("big2", append(bytes.Repeat([]byte("x\n"), 600), secretLine...), -1)
	if fs := analyze("ok", secretLine, int64(len(secretLine))); len(fs) != 1 {
		t.Errorf("got %d findings, want 1", len(fs))
	}
	want := Stats{
		FilesScanned: 2, Bytes: int64(len(late) + 2*len(secretLine)),
		SkippedBinary: 3, SkippedSize: 3, SkippedAllowed: 1, Findings: 2,
	}
	if diff := cmp.Diff(want, s.Stats()); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
	counts := s.Stats().Counts()
	if counts["skipped_binary"] != 3 || counts["files_scanned"] != 2 {
		t.Errorf("Counts() = %v", counts)
	}
}

func TestAnalyzeCancelled(t *testing.T) {
	s := newTestScanner(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Analyze(ctx, &inventory.Input{Path: "x", Reader: strings.NewReader("password=Xk9#mQ2vLp7z")})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestMaxFindingsPerFile(t *testing.T) {
	s := newTestScanner(t, Config{MaxFindingsPerFile: 5})
	var b strings.Builder
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&b, "key%d: %s\n", i, "ghp_"+randString(r, 36))
	}
	fs, err := s.Analyze(context.Background(), &inventory.Input{Path: "x", Size: int64(b.Len()), Reader: strings.NewReader(b.String())})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 5 || s.Stats().Truncated != 1 {
		t.Errorf("got %d findings, truncated %d; want 5 and 1", len(fs), s.Stats().Truncated)
	}
}

func randString(r *rand.Rand, n int) string {
	const al = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = al[r.IntN(len(al))]
	}
	return string(b)
}

func TestPrefilterMatchesNaiveSearch(t *testing.T) {
	kws := []string{"hes", "she", "his", "hers", "akia", "ghp_", "key", "key-", "aaa", "://", "-----begin", "hershe"}
	p := newPrefilter(kws)
	r := rand.New(rand.NewPCG(7, 9))
	const al = "hesrikaAKIGgp_yY-:/HEkb "
	for iter := 0; iter < 300; iter++ {
		buf := make([]byte, r.IntN(200))
		for i := range buf {
			buf[i] = al[r.IntN(len(al))]
		}
		got, _ := p.scan(buf, nil, 0)
		var want []hit
		lower := bytes.ToLower(buf)
		for end := 1; end <= len(buf); end++ {
			for ki, k := range kws {
				if end >= len(k) && string(lower[end-len(k):end]) == k {
					want = append(want, hit{kw: int32(ki), end: int32(end)})
				}
			}
		}
		sortHits := func(h []hit) {
			sort.Slice(h, func(i, j int) bool {
				if h[i].end != h[j].end {
					return h[i].end < h[j].end
				}
				return h[i].kw < h[j].kw
			})
		}
		sortHits(got)
		sortHits(want)
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(hit{})); diff != "" {
			t.Fatalf("scan(%q) (-want +got):\n%s", buf, diff)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	s := newTestScanner(t, Config{})
	cases := readCorpus(t, "secret")
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i, c := range cases {
				if (i+g)%2 == 0 {
					continue
				}
				for p, b := range c.files {
					fs, err := s.Analyze(context.Background(), &inventory.Input{Path: p, Size: int64(len(b)), Reader: bytes.NewReader(b)})
					if err != nil || len(fs) != 1 || fs[0].ID != c.name {
						select {
						case errs <- fmt.Sprintf("%s: %v %v", c.name, err, ids(fs)):
						default:
						}
					}
					s.ScanText("env", string(b))
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

const customRules = `
disable: [BH-SEC-GENERIC-PASSWORD, BH-SEC-NO-SUCH-RULE]
rules:
  - id: ACME-API-KEY
    title: ACME API key
    severity: critical
    category: saas
    regex: '\b(?P<secret>acme_[a-z0-9]{32})\b'
    keywords: [ACME_]
    entropy: 3
    allow: ['^acme_0+$']
  - id: BAD-REGEX
    regex: 'acme_[a-z'
    keywords: [acme_]
  - id: NO-KEYWORDS
    regex: 'foo'
  - id: BAD-SEVERITY
    severity: apocalyptic
    regex: 'x'
    keywords: [xx]
  - id: BAD-GROUP
    regex: 'abc'
    keywords: [abc]
    secret_group: 2
  - title: no id
    regex: 'x'
    keywords: [xx]
  - id: WRONG-TYPES
    keywords: "not a list"
    regex: [1, 2]
  - id: ONLY-IN-ENV
    regex: 'internal-(?P<secret>[0-9a-f]{24})'
    keywords: [internal-]
    paths: ['\.env$']
  - id: BH-SEC-GITHUB-PAT
    title: GitHub token (custom override)
    severity: low
    regex: '\bghp_[A-Za-z0-9]{36}\b'
    keywords: [ghp_]
`

func TestLoadRules(t *testing.T) {
	rs, err := LoadRules(strings.NewReader(customRules))
	if rs == nil {
		t.Fatalf("LoadRules: %v", err)
	}
	var gotIDs []string
	for _, r := range rs.Rules {
		gotIDs = append(gotIDs, r.ID)
	}
	if diff := cmp.Diff([]string{"ACME-API-KEY", "ONLY-IN-ENV", "BH-SEC-GITHUB-PAT"}, gotIDs); diff != "" {
		t.Errorf("loaded rules (-want +got):\n%s", diff)
	}
	if err == nil {
		t.Fatal("no error for the invalid rules")
	}
	msg := err.Error()
	for _, want := range []string{`"BAD-REGEX"`, "regex: error parsing regexp", `"NO-KEYWORDS"`, "needs keywords",
		`"BAD-SEVERITY"`, "apocalyptic", `"BAD-GROUP"`, "secret_group 2", "rule 6", "id is missing", "rule 7"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}

	s := newTestScanner(t, Config{Custom: rs})
	if diff := cmp.Diff([]string{"disable: no rule \"BH-SEC-NO-SUCH-RULE\""}, s.Warnings()); diff != "" {
		t.Errorf("Warnings (-want +got):\n%s", diff)
	}
	text := "ACME=acme_3k9zb7lm2vd8nc4xw6ry1ts5pq0hg8fd\nNULL=acme_00000000000000000000000000000000\n" +
		"DB_PASSWORD=Xk9#mQ2vLp7z\nGH=ghp_Q3k9Zb7Lm2Vd8Nc4Xw6Ry1Ts5Pq0Hg8Fd2Ae\nX=internal-0123abcd4567ef890123abcd\n"
	for _, p := range []string{"app/config.txt", "app/.env"} {
		fs, err := s.Analyze(context.Background(), &inventory.Input{Path: p, Size: int64(len(text)), Reader: strings.NewReader(text)})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range fs {
			got = append(got, f.ID+" "+f.Severity.String()+" "+strings.Join(f.Tags, ","))
		}
		want := []string{"ACME-API-KEY CRITICAL saas", "BH-SEC-GITHUB-PAT LOW custom"}
		if p == "app/.env" {
			want = append(want, "ONLY-IN-ENV MEDIUM custom")
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: findings (-want +got):\n%s", p, diff)
		}
	}
}

func TestLoadRulesReplaceAndFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "rules.yaml")
	data := "replace_builtins: true\nrules:\n  - id: ONLY\n    regex: 'only_[0-9]{8}'\n    keywords: [only_]\n  - id: BROKEN\n    regex: '('\n    keywords: [zz]\n"
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	s := newTestScanner(t, Config{CustomRulesPath: p})
	if len(s.Rules()) != 1 || s.Rules()[0].ID != "ONLY" {
		t.Fatalf("rules = %d, want only ONLY", len(s.Rules()))
	}
	if w := s.Warnings(); len(w) != 1 || !strings.Contains(w[0], `"BROKEN"`) {
		t.Errorf("Warnings = %q, want one naming BROKEN", w)
	}
	if fs := s.ScanText("x", "ghp_Q3k9Zb7Lm2Vd8Nc4Xw6Ry1Ts5Pq0Hg8Fd2Ae only_31415926"); len(fs) != 1 || fs[0].ID != "ONLY" {
		t.Errorf("findings = %v", ids(fs))
	}
	if _, err := New(Config{CustomRulesPath: filepath.Join(dir, "missing.yaml")}); err == nil {
		t.Error("New with a missing rule file: no error")
	}
	for _, bad := range []string{"rules: {", "rules: 3", strings.Repeat("#", maxRuleFileSize+1)} {
		if rs, err := LoadRules(strings.NewReader(bad)); rs != nil || err == nil {
			t.Errorf("LoadRules(%.20q) = %v, %v; want nil and an error", bad, rs, err)
		}
	}
}

func TestNewRejectsBadRules(t *testing.T) {
	good := Builtins()[0]
	tests := []struct {
		name  string
		rules []Rule
		want  string
	}{
		{"duplicate", []Rule{good, good}, "duplicate rule id"},
		{"no regex", []Rule{{ID: "X", Keywords: []string{"x"}}}, "no regex"},
		{"no keywords", []Rule{{ID: "X", Regex: regexp.MustCompile("x")}}, "needs keywords"},
	}
	for _, tt := range tests {
		if _, err := New(Config{Rules: tt.rules}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestRulesDoc keeps docs/rules/secrets.md in step with Builtins; run with
// -update to regenerate it.
func TestRulesDoc(t *testing.T) {
	got := RulesMarkdown(Builtins())
	path := filepath.Join("..", "..", "docs", "rules", "secrets.md")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/secret -run TestRulesDoc -update)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("docs/rules/secrets.md is stale; run with -update (-want +got):\n%s", diff)
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("disk on fire")
	}
	n := min(len(p), f.n)
	for i := range p[:n] {
		p[i] = 'x'
	}
	f.n -= n
	return n, nil
}

func TestAnalyzeReading(t *testing.T) {
	s := newTestScanner(t, Config{})
	ctx := context.Background()
	// A secret far past the binary-sniff head is found (head and rest are
	// read separately).
	big := strings.Repeat("# filler line of an ordinary config file\n", 2000) + "GH=ghp_Q3k9Zb7Lm2Vd8Nc4Xw6Ry1Ts5Pq0Hg8Fd2Ae\n"
	fs, err := s.Analyze(ctx, &inventory.Input{Path: "etc/app.conf", Size: -1, Reader: strings.NewReader(big)})
	if err != nil || len(fs) != 1 || fs[0].Location.Line != 2001 {
		t.Errorf("big file: %v %v, want one finding on line 2001", err, summarize(fs))
	}
	// No reader: nothing to scan.
	if fs, err := s.Analyze(ctx, &inventory.Input{Path: "x"}); err != nil || fs != nil {
		t.Errorf("nil reader: %v %v", fs, err)
	}
	// Read errors name the file, in the head and after it.
	for _, n := range []int{10, 20000} {
		_, err := s.Analyze(ctx, &inventory.Input{Path: "var/broken", Size: -1, Reader: &failingReader{n: n}})
		if err == nil || !strings.Contains(err.Error(), `"var/broken"`) || !strings.Contains(err.Error(), "disk on fire") {
			t.Errorf("read error after %d bytes: %v", n, err)
		}
	}
}
