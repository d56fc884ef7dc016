package dockerfile

import (
	"runtime"
	"strings"
	"testing"
)

// manyStages is about 1 MiB of the smallest stages: "FROM a\n" repeated.
func manyStages() []byte {
	return []byte(strings.Repeat("FROM a\n", MaxSize/7))
}

// TestManyStagesBounded lints 150,000 stages in 1 MiB: the work per stage
// must be constant (no rule may walk every stage for every stage), which
// a bound on the bytes allocated shows without timing anything.
func TestManyStagesBounded(t *testing.T) {
	src := manyStages()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := Lint("Dockerfile", src, Options{Now: testNow}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 400<<20 {
		t.Errorf("linting %d stages allocated %d MB, want at most 400 MB", len(src)/7, n>>20)
	}
}

func BenchmarkManyStages(b *testing.B) {
	src := manyStages()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Lint("Dockerfile", src, Options{Now: testNow}); err != nil {
			b.Fatal(err)
		}
	}
}
