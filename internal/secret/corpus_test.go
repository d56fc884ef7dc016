package secret

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
)

// corpusCase is one directory of testdata/corpus/{secret,nearmiss}: a small
// file tree whose paths are relative to the directory.
type corpusCase struct {
	name  string
	files map[string][]byte
}

func readCorpus(t testing.TB, kind string) []corpusCase {
	t.Helper()
	root := filepath.Join("testdata", "corpus", kind)
	dirs, err := os.ReadDir(root)
	if err != nil {
		t.Fatalf("read corpus: %v", err)
	}
	var out []corpusCase
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		c := corpusCase{name: d.Name(), files: map[string][]byte{}}
		base := filepath.Join(root, d.Name())
		err := filepath.WalkDir(base, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(base, p)
			c.files[filepath.ToSlash(rel)] = b
			return nil
		})
		if err != nil {
			t.Fatalf("walk %s: %v", base, err)
		}
		out = append(out, c)
	}
	return out
}

func analyzeCase(t testing.TB, s *Scanner, c corpusCase) []finding.Finding {
	t.Helper()
	var all []finding.Finding
	paths := make([]string, 0, len(c.files))
	for p := range c.files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		b := c.files[p]
		if !s.Required(p, 0o644, int64(len(b))) {
			t.Fatalf("%s: Required(%q) = false", c.name, p)
		}
		fs, err := s.Analyze(context.Background(), &inventory.Input{Path: p, Size: int64(len(b)), Reader: bytes.NewReader(b)})
		if err != nil {
			t.Fatalf("%s: Analyze(%q): %v", c.name, p, err)
		}
		all = append(all, fs...)
	}
	return all
}

func ids(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID)
	}
	sort.Strings(out)
	return out
}

// TestCorpusSecrets scans one fake secret per rule: each must be found by
// exactly its rule, and every built-in rule must have a case.
func TestCorpusSecrets(t *testing.T) {
	s := newTestScanner(t, Config{})
	cases := readCorpus(t, "secret")
	if len(cases) < 60 {
		t.Fatalf("corpus has %d secret cases, want at least 60", len(cases))
	}
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			got := ids(analyzeCase(t, s, c))
			if diff := cmp.Diff([]string{c.name}, got); diff != "" {
				t.Errorf("rule ids (-want +got):\n%s", diff)
			}
		})
	}
	if st := s.Stats(); st.OverBudget != 0 || st.Truncated != 0 {
		t.Errorf("stats %+v: corpus files went over a limit", st)
	}
	for _, r := range s.Rules() {
		if !covered[r.ID] {
			t.Errorf("rule %s has no case in testdata/corpus/secret", r.ID)
		}
	}
}

// TestCorpusNearMisses scans documented example keys, placeholders, hashes,
// UUIDs, public keys and references: none may be reported.
func TestCorpusNearMisses(t *testing.T) {
	s := newTestScanner(t, Config{})
	cases := readCorpus(t, "nearmiss")
	if len(cases) < 60 {
		t.Fatalf("corpus has %d near-miss cases, want at least 60", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, f := range analyzeCase(t, s, c) {
				t.Errorf("unexpected %s at %s: %s", f.ID, f.Location, f.Evidence)
			}
		})
	}
}

// TestCorpusRedaction checks that the JSON of every finding of the secret
// corpus holds no secret: not whole, and not its first 12 bytes.
func TestCorpusRedaction(t *testing.T) {
	s := newTestScanner(t, Config{})
	var secrets []string
	var all []finding.Finding
	for _, c := range readCorpus(t, "secret") {
		for p, b := range c.files {
			secrets = append(secrets, rawSecrets(s, b, p)...)
		}
		all = append(all, analyzeCase(t, s, c)...)
		for _, b := range c.files {
			// The same bytes through ScanText, as image ENV or history.
			all = append(all, s.ScanText("config.Env[0]", string(b))...)
		}
	}
	if len(secrets) < 60 {
		t.Fatalf("found %d raw secrets, want at least 60", len(secrets))
	}
	out, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	js := string(out)
	for _, sec := range secrets {
		// Redaction keeps at most the first 4 bytes: the tail and the middle
		// (random material even when a token has a long fixed prefix) must
		// never show.
		probes := []string{sec}
		if len(sec) >= 16 {
			probes = append(probes, sec[len(sec)-8:], sec[len(sec)/2-4:len(sec)/2+4])
		}
		for _, probe := range probes {
			esc, _ := json.Marshal(probe)
			if strings.Contains(js, probe) || strings.Contains(js, strings.Trim(string(esc), `"`)) {
				t.Errorf("output holds (part of) secret %s: %q", Redact(sec), Redact(probe))
			}
		}
	}
}

// rawSecrets returns the secrets the scanner matched in b, unredacted.
func rawSecrets(s *Scanner, b []byte, p string) []string {
	st := s.newState()
	if _, err := s.scan(context.Background(), st, b, p, false); err != nil {
		return nil
	}
	var out []string
	for _, c := range st.cands {
		out = append(out, string(b[c.ss:c.se]))
	}
	return out
}

func newTestScanner(t testing.TB, cfg Config) *Scanner {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// TestCorpusLeaks measures recall and precision on realistic files: each
// directory of testdata/corpus/leaks holds a small tree and a WANT file
// listing "RULE path" once per secret planted there (near-miss trees list
// nothing). Every finding not in a WANT is a false positive.
func TestCorpusLeaks(t *testing.T) {
	s := newTestScanner(t, Config{})
	cases := readCorpus(t, "leaks")
	tp, fp, want := 0, 0, 0
	for _, c := range cases {
		exp := map[string]int{}
		for _, l := range strings.Split(strings.TrimSpace(string(c.files["WANT"])), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				exp[l]++
				want++
			}
		}
		delete(c.files, "WANT")
		for _, f := range analyzeCase(t, s, c) {
			k := f.ID + " " + f.Location.Path
			if exp[k] > 0 {
				exp[k]--
				tp++
				continue
			}
			fp++
			t.Logf("%s: false positive %s line %d: %s", c.name, k, f.Location.Line, f.Evidence)
		}
		for k, n := range exp {
			for ; n > 0; n-- {
				t.Logf("%s: missed %s", c.name, k)
			}
		}
	}
	if want < 30 {
		t.Fatalf("the leak corpus plants %d secrets, want at least 30", want)
	}
	recall := float64(tp) / float64(want)
	precision := 1.0
	if tp+fp > 0 {
		precision = float64(tp) / float64(tp+fp)
	}
	t.Logf("leak corpus: %d cases, %d planted, %d found, %d false positives: recall %.1f%%, precision %.1f%%",
		len(cases), want, tp, fp, 100*recall, 100*precision)
	if recall < 0.97 || precision < 0.98 {
		t.Errorf("recall %.3f (want ≥ 0.97), precision %.3f (want ≥ 0.98)", recall, precision)
	}
}
