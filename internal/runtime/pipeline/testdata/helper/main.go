// Command helper performs one action inside the integration test's
// container: idle, spawn a child, setuid to root, mount, connect to a unix
// socket, start a shell whose stdin and stdout are a TCP connection (a
// reverse shell to itself), or a loop of execs or opens for the benchmarks.
package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: helper idle|spawn CMD...|setuid|mount|connect PATH|revshell SHELL|execs N CMD|opens N PATH")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "idle":
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGTERM, syscall.SIGINT)
		<-c
	case "spawn":
		cmd := exec.Command(os.Args[2], os.Args[3:]...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	case "setuid":
		fmt.Println("uid", os.Getuid(), "euid", os.Geteuid())
		if err := syscall.Setuid(0); err != nil {
			fmt.Fprintln(os.Stderr, "setuid:", err)
			os.Exit(1)
		}
		fmt.Println("uid", os.Getuid(), "euid", os.Geteuid())
	case "mount":
		err := syscall.Mount("none", "/mnt", "tmpfs", 0, "")
		fmt.Println("mount:", err)
	case "connect":
		c, err := net.Dial("unix", os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		c.Close()
	case "revshell":
		if err := revshell(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "revshell:", err)
			os.Exit(1)
		}
	case "execs":
		n, _ := strconv.Atoi(os.Args[2])
		for i := 0; i < n; i++ {
			if err := exec.Command(os.Args[3], os.Args[4:]...).Run(); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
	case "opens":
		n, _ := strconv.Atoi(os.Args[2])
		for i := 0; i < n; i++ {
			fd, err := syscall.Open(os.Args[3], syscall.O_RDONLY, 0)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			syscall.Close(fd)
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown action", os.Args[1])
		os.Exit(2)
	}
}

// revshell connects to a listener of its own on 127.0.0.1, queues "exit"
// on the far end, and runs shell with the connection as stdin and stdout.
func revshell(shell string) error {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		return err
	}
	defer c.Close()
	peer, err := ln.Accept()
	if err != nil {
		return err
	}
	defer peer.Close()
	if _, err := peer.Write([]byte("exit\n")); err != nil {
		return err
	}
	f, err := c.(*net.TCPConn).File()
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.Command(shell)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = f, f, os.Stderr
	return cmd.Run()
}
