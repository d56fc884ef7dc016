package secret

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
)

// TestHostileDenseKeywords scans files made only of keywords, the worst case
// for a keyword-driven scanner: it must finish (linearly; the benchmark of
// the same input shows the cost) with bounded findings.
func TestHostileDenseKeywords(t *testing.T) {
	s := newTestScanner(t, Config{MaxFindingsPerFile: 100})
	var all []string
	for _, r := range s.Rules() {
		all = append(all, r.Keywords...)
	}
	inputs := map[string]string{
		"one keyword":  strings.Repeat("password", 1<<17),
		"key and sep":  strings.Repeat("password=password=", 1<<16),
		"all keywords": strings.Repeat(strings.Join(all, " ")+"\n", 200),
		"tokens":       strings.Repeat("ghp_Q3k9Zb7Lm2Vd8Nc4Xw6Ry1Ts5Pq0Hg8Fd2Ae ", 1<<14),
		"urls":         strings.Repeat("https://https://u:Q3k9Zb7Lm2@", 1<<15),
	}
	for name, in := range inputs {
		start := time.Now()
		fs, err := s.Analyze(context.Background(), &inventory.Input{Path: "x", Size: int64(len(in)), Reader: strings.NewReader(in)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: %d bytes in %v", name, len(in), time.Since(start))
		if len(fs) > 100 {
			t.Errorf("%s: %d findings over the limit", name, len(fs))
		}
	}
	if s.Stats().OverBudget == 0 {
		t.Error("no input was counted over the regex budget")
	}
}

func BenchmarkHostileDenseKeywords(b *testing.B) {
	s, _ := New(Config{})
	in := []byte(strings.Repeat("password", 1<<17))
	b.SetBytes(int64(len(in)))
	for i := 0; i < b.N; i++ {
		s.Analyze(context.Background(), &inventory.Input{Path: "x", Size: int64(len(in)), Reader: bytes.NewReader(in)})
	}
}
