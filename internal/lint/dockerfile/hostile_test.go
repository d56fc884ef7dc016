package dockerfile

import (
	"fmt"
	"strings"
	"testing"
)

// hostileInputs are near the size limit and shaped to hit quadratic paths:
// long pipelines, long FROM chains, many stages, many secrets, long
// argument lists for Fix. The test has no time assertion; a quadratic path
// shows up as a test timeout.
func hostileInputs() map[string]string {
	var chainB, stagesB, secretsB, runsB strings.Builder
	chainB.WriteString("FROM alpine:3.20 AS s0\n")
	for i := 1; i < 5000; i++ {
		fmt.Fprintf(&chainB, "FROM s%d AS s%d\nRUN pip install x\n", i-1, i)
	}
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&stagesB, "FROM alpine:3.20 AS s%d\nCOPY --from=s%d /a /b\n", i, i+1)
	}
	secretsB.WriteString("FROM alpine:3.20\n")
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&secretsB, "ENV SECRET_%d=value-%d\nRUN echo value-%d | sh\n", i, i, i)
	}
	runsB.WriteString("FROM debian:12\nSHELL [\"/bin/bash\", \"-c\"]\n")
	for i := 0; i < 10000; i++ {
		runsB.WriteString("RUN pip install a | tee x\n")
	}
	return map[string]string{
		"long pipelines":     "FROM alpine:3.20\n" + strings.Repeat("RUN a"+strings.Repeat(" | a", 15000)+"\n", 15),
		"long FROM chain":    chainB.String(),
		"many stages":        stagesB.String(),
		"many secrets":       secretsB.String(),
		"many runs":          runsB.String(),
		"apk args for fix":   "FROM alpine:3.20\n" + strings.Repeat("RUN apk add"+strings.Repeat(" apk", 15000)+"\n", 15),
		"nested subshells":   "FROM alpine:3.20\nRUN " + strings.Repeat("(", 2000) + "true" + strings.Repeat(")", 2000) + "\n",
		"many continuations": "FROM alpine:3.20\nRUN true" + strings.Repeat(" \\\n && true", 50000) + "\n",
	}
}

func TestHostileInputsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("large inputs; skipped with -short")
	}
	for name, src := range hostileInputs() {
		t.Run(name, func(t *testing.T) {
			if len(src) > MaxSize {
				t.Fatalf("input of %d bytes is over the limit; shrink it", len(src))
			}
			if _, err := Lint("Dockerfile", []byte(src), Options{Now: testNow}); err != nil {
				t.Logf("Lint: %v", err)
			}
			if _, _, err := Fix([]byte(src)); err != nil {
				t.Logf("Fix: %v", err)
			}
		})
	}
}
