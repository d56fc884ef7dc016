package dockerfile_test

import (
	"fmt"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/lint/dockerfile"
)

func ExampleLint() {
	src := []byte(`FROM alpine:3.18
RUN adduser -D appuser
USER appuser
COPY app /app
CMD ["/app/start.sh"]
`)
	findings, err := dockerfile.Lint("Dockerfile", src, dockerfile.Options{
		Now: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		panic(err)
	}
	for _, f := range findings {
		fmt.Printf("%s:%d %s %s %s\n", f.Location.Path, f.Location.Line, f.ID, f.Severity, f.Title)
	}
	// Output:
	// Dockerfile:1 BH-DF-004 LOW Base image not pinned by digest
	// Dockerfile:1 BH-DF-005 HIGH Base image release is past its end of life
	// Dockerfile:1 BH-DF-044 LOW No HEALTHCHECK in the final stage
}

func ExampleFix() {
	src := []byte("FROM debian:12\nMAINTAINER ops@example.com\nRUN apt-get install curl\n")
	fixed, applied, err := dockerfile.Fix(src)
	if err != nil {
		panic(err)
	}
	for _, a := range applied {
		fmt.Println(a)
	}
	fmt.Print(dockerfile.Diff("Dockerfile", src, fixed))
	// Output:
	// line 2: BH-DF-046 MAINTAINER replaced by LABEL maintainer
	// line 3: BH-DF-008 added -y to apt-get install
	// line 3: BH-DF-009 added --no-install-recommends to apt-get install
	// --- a/Dockerfile
	// +++ b/Dockerfile
	// @@ -1,3 +1,3 @@
	//  FROM debian:12
	// -MAINTAINER ops@example.com
	// -RUN apt-get install curl
	// +LABEL maintainer="ops@example.com"
	// +RUN apt-get install -y --no-install-recommends curl
}
