// Command helper is built into the test images of the CLI tests: it sleeps,
// listens on a TCP address, spawns a child, or reads files, so that a container does what the
// runtime rules look for without needing a shell or coreutils.
package main

import (
	"net"
	"os"
	"os/exec"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		os.Exit(2)
	}
	switch os.Args[1] {
	case "sleep":
		for {
			time.Sleep(time.Hour)
		}
	case "listen":
		ln, err := net.Listen("tcp", os.Args[2])
		if err != nil {
			os.Exit(1)
		}
		defer ln.Close()
		for {
			time.Sleep(time.Hour)
		}
	case "spawn":
		cmd := exec.Command(os.Args[2], os.Args[3:]...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			os.Exit(1)
		}
	case "read":
		for _, p := range os.Args[2:] {
			if _, err := os.ReadFile(p); err != nil {
				os.Exit(1)
			}
		}
	}
}
