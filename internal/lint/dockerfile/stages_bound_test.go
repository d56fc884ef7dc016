package dockerfile

import (
	"errors"
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

// TestSizeCap: input over MaxSize (1 MiB) is refused with ErrTooLarge,
// input at the cap is linted.
func TestSizeCap(t *testing.T) {
	head := "FROM a:1\n"
	body := strings.Repeat("# "+strings.Repeat("x", 1021)+"\n", (MaxSize-len(head))/1024)
	at := []byte(head + body + strings.Repeat("#", MaxSize-len(head)-len(body)))
	if _, err := Lint("Dockerfile", at, Options{Now: testNow}); err != nil {
		t.Errorf("%d bytes: %v", len(at), err)
	}
	over := append(at, '\n')
	if _, err := Lint("Dockerfile", over, Options{Now: testNow}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("%d bytes: err %v, want ErrTooLarge", len(over), err)
	}
}
