package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/bulkhead-sec/bulkhead/internal/cli"
)

func TestMain(m *testing.M) {
	// No test fetches a vulnerability database from the internet on a
	// first run (TestFirstRunFetchesDatabase fetches from a local mirror).
	os.Setenv("BULKHEAD_OFFLINE", "1")
	testscript.Main(m, map[string]func(){
		"bulkhead": func() { os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScript runs the txtar scripts in testdata/script: the CLI end to end,
// as a user types it.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			// Every script gets its own cache and database.
			env.Setenv("XDG_CACHE_HOME", filepath.Join(env.WorkDir, ".cache"))
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("NO_COLOR", "1")
			// A first run never fetches the vulnerability database in tests.
			env.Setenv("BULKHEAD_OFFLINE", "1")
			repo, err := filepath.Abs("../..")
			if err != nil {
				return err
			}
			env.Setenv("REPO", repo)
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "docker":
				ok := exec.Command("docker", "info").Run() == nil
				if !ok && os.Getenv("BULKHEAD_REQUIRE_DOCKER") == "1" {
					return false, fmt.Errorf("BULKHEAD_REQUIRE_DOCKER=1 but no Docker daemon answers")
				}
				return ok, nil
			case "root":
				return os.Geteuid() == 0, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": cmdExitCode,
		},
	})
}

// cmdExitCode runs `exitcode N prog args...` and fails unless prog exits
// with status N; its output is kept for the stdout and stderr commands.
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N prog [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: %v", err)
	}
	cmd := exec.Command(args[1], args[2:]...)
	cmd.Dir = ts.Getenv("WORK")
	for _, k := range []string{"PATH", "HOME", "XDG_CACHE_HOME", "NO_COLOR", "WORK", "TMPDIR", "DOCKER_CONFIG", "BULKHEAD_DB", "BULKHEAD_FORMAT", "BULKHEAD_FAIL_ON", "BULKHEAD_CONFIG", "BULKHEAD_OFFLINE"} {
		if v := ts.Getenv(k); v != "" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.Stdout = ts.Stdout()
	cmd.Stderr = ts.Stderr()
	err = cmd.Run()
	got := 0
	if ee, ok := err.(*exec.ExitError); ok {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("exitcode: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}
