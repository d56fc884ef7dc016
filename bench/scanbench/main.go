// Command scanbench scans one image the way `bulkhead sbom` does (every OS,
// language and lockfile extractor) and prints what it found and how long it
// took, for bench/image.sh to measure under /usr/bin/time -v.
//
//	go run ./bench/scanbench -cache bench/out/cache docker-archive:bench/out/image.tar
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/image"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang"
	lockfiles "github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/list"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/os/apk"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/os/dpkg"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/os/rpm"
	"github.com/bulkhead-sec/bulkhead/internal/scan"
)

func main() {
	cache := flag.String("cache", "", "cache dir (default: bulkhead's)")
	noCache := flag.Bool("nocache", false, "neither read nor write the layer cache")
	progress := flag.Bool("progress", false, "print per-layer progress on stderr")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: scanbench [-cache DIR] [-nocache] REF")
		os.Exit(2)
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	exs := []inventory.Extractor{dpkg.New(), apk.New(), rpm.New()}
	exs = append(exs, lang.Extractors()...)
	exs = append(exs, lockfiles.Extractors()...)
	opts := scan.Options{Extractors: exs, CacheDir: *cache, NoCache: *noCache}
	if *progress {
		opts.Progress = os.Stderr
	}
	start := time.Now()
	ctx := context.Background()
	img, err := image.Open(ctx, flag.Arg(0), image.WithCacheDir(*cache))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer img.Close()
	r, err := scan.Image(ctx, img, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	st := r.Scanners[0]
	fmt.Printf("packages=%d layers=%d cached=%d files=%d warnings=%d elapsed=%s\n",
		len(r.Packages), st.Counts["layers"], st.Counts["layers_cached"], st.Counts["files"], len(r.Warnings), time.Since(start).Round(time.Millisecond))
	for i, w := range r.Warnings {
		if i == 5 {
			fmt.Printf("  ... %d more\n", len(r.Warnings)-5)
			break
		}
		fmt.Println("  warning:", w)
	}
}
