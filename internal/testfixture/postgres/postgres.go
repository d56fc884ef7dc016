// Package postgres starts a throwaway PostgreSQL server for tests: Debian's
// `postgresql` package (initdb and pg_ctl from /usr/lib/postgresql/*/bin) in
// a temporary directory, listening on a free loopback port, run as the
// `postgres` user when the test runs as root (the server refuses root), and
// stopped when the test ends.
//
// Start skips the test with the reason when PostgreSQL is not installed, and
// fails instead under BULKHEAD_REQUIRE_POSTGRES=1 or BULKHEAD_REQUIRE_DOCKER=1
// (CI sets both).
package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// Cluster is one running server.
type Cluster struct {
	Port int
	dir  string
	n    atomic.Int64
}

func required() bool {
	return os.Getenv("BULKHEAD_REQUIRE_POSTGRES") == "1" || os.Getenv("BULKHEAD_REQUIRE_DOCKER") == "1"
}

func skipOrFail(t testing.TB, reason string) {
	t.Helper()
	if required() {
		t.Fatalf("PostgreSQL required (BULKHEAD_REQUIRE_POSTGRES/BULKHEAD_REQUIRE_DOCKER=1): %s", reason)
	}
	t.Skip(reason)
}

// binDir returns the newest /usr/lib/postgresql/N/bin holding initdb.
func binDir() string {
	if d := os.Getenv("BULKHEAD_PG_BIN"); d != "" {
		return d
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(dirs[i]))))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(dirs[j]))))
		return vi < vj
	})
	if len(dirs) == 0 {
		return ""
	}
	return filepath.Dir(dirs[len(dirs)-1])
}

// Start runs a new server for t and stops it when t ends.
func Start(t testing.TB) *Cluster {
	t.Helper()
	bin := binDir()
	if bin == "" {
		skipOrFail(t, "PostgreSQL is not installed (apt-get install postgresql; .ci/run installs it)")
	}
	dir, err := os.MkdirTemp("", "bulkhead-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var asUser []string
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			skipOrFail(t, "running as root and there is no postgres user to run the server as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	run := func(name string, args ...string) {
		t.Helper()
		argv := append(append(append([]string{}, asUser...), filepath.Join(bin, name)), args...)
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			t.Fatalf("%s: %v\n%s\n%s", strings.Join(argv, " "), err, out, log)
		}
	}
	data := filepath.Join(dir, "data")
	run("initdb", "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "-D", data)
	c := &Cluster{Port: freePort(t), dir: dir}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", c.Port, dir)
	run("pg_ctl", "-D", data, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "-o", opts, "start")
	t.Cleanup(func() {
		argv := append(append(append([]string{}, asUser...), filepath.Join(bin, "pg_ctl")), "-D", data, "-m", "immediate", "-w", "stop")
		exec.Command(argv[0], argv[1:]...).Run()
	})
	return c
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// URL returns the URL of database name on the server.
func (c *Cluster) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, name)
}

// NewDatabase creates an empty database and returns its URL.
func (c *Cluster) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("test%d", c.n.Add(1))
	db, err := sql.Open("pgx", c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	return c.URL(name)
}
