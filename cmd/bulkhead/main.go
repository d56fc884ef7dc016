// Command bulkhead secures Docker containers across their whole life: it
// scans images and source trees, lints Dockerfiles and compose files, audits
// the Docker host and watches running containers. See README.md.
package main

import (
	"os"

	"github.com/bulkhead-sec/bulkhead/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
