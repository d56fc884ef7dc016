// Package store keeps the fleet's data for `bulkhead serve`: hosts, the
// containers they run, images by digest with their SBOM and package index,
// vulnerability findings and what changed in them, CIS audit results, runtime
// alerts, API tokens (hashed), users (argon2id) and the admin audit log.
//
// One schema and one goose migration set serve both databases: SQLite
// (modernc.org/sqlite, pure Go, the default: one file) and PostgreSQL (pgx)
// for fleets. Open picks the driver from the URL and runs the migrations:
//
//	st, err := store.Open(ctx, "sqlite:///var/lib/bulkhead/fleet.db")
//	st, err := store.Open(ctx, "postgres://bulkhead@db/bulkhead")
//
// Every write is idempotent (keys come from the data or from the agent), so an
// agent that resends after a lost answer changes nothing.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialects.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// Store is an open fleet database. It is safe for concurrent use.
type Store struct {
	db      *sql.DB
	dialect string
	url     string
	now     func() time.Time
	// wmu serialises this process's SQLite write transactions: SQLite runs
	// one writer, and waiting here is cheaper than its busy-retry sleeps.
	wmu sync.Mutex
}

// DB returns the underlying database, for the job engine that shares it.
func (s *Store) DB() *sql.DB { return s.db }

// Dialect returns SQLite or Postgres.
func (s *Store) Dialect() string { return s.dialect }

// URL returns the database URL the store was opened with.
func (s *Store) URL() string { return s.url }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// DefaultURL is the SQLite file under the user's data dir
// ($XDG_DATA_HOME/bulkhead/fleet.db, ~/.local/share/bulkhead/fleet.db).
func DefaultURL() (string, error) {
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find the data dir: %w (pass --database)", err)
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return "sqlite://" + filepath.ToSlash(filepath.Join(dir, "bulkhead", "fleet.db")), nil
}

// ParseURL splits a database URL into its dialect and the driver's DSN.
// Accepted: sqlite:///abs/path.db, sqlite://rel/path.db, postgres://...,
// postgresql://...
func ParseURL(raw string) (dialect, dsn string, err error) {
	switch {
	case strings.HasPrefix(raw, "sqlite://"):
		p := strings.TrimPrefix(raw, "sqlite://")
		if i := strings.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
		if p == "" || p == "/" {
			return "", "", fmt.Errorf("database URL %q: no file path (want sqlite:///path/to/fleet.db)", raw)
		}
		return SQLite, p, nil
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		if _, err := url.Parse(raw); err != nil {
			return "", "", fmt.Errorf("database URL: %w", err)
		}
		return Postgres, raw, nil
	}
	return "", "", fmt.Errorf("database URL %q: want sqlite:///path/to/fleet.db or postgres://user@host/db", redactURL(raw))
}

// redactURL hides a password in a URL for messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if strings.Contains(raw, "@") {
			return "(a URL with credentials)"
		}
		return raw
	}
	return u.Redacted()
}

// Open opens the database named by rawURL, creating a SQLite file (mode
// 0600, in a 0700 directory) when it does not exist, and applies the
// migrations.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	dialect, dsn, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	var db *sql.DB
	switch dialect {
	case SQLite:
		if err := os.MkdirAll(filepath.Dir(dsn), 0o700); err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		f, err := os.OpenFile(dsn, os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		f.Close()
		db, err = sql.Open("sqlite", sqliteDSN(dsn))
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
	case Postgres:
		db, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open database %s: %w", redactURL(dsn), err)
		}
		db.SetMaxOpenConns(20)
	}
	s := &Store{db: db, dialect: dialect, url: rawURL, now: time.Now}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(30000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// OpenSQLitePool opens another pool of maxConns connections to the store's
// SQLite file (the job engine wants a pool of one). It fails for PostgreSQL.
func (s *Store) OpenSQLitePool(maxConns int) (*sql.DB, error) {
	if s.dialect != SQLite {
		return nil, errors.New("not a SQLite store")
	}
	_, path, err := ParseURL(s.url)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", sqliteDSN(path))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(maxConns)
	return db, nil
}

func (s *Store) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	d := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if s.dialect == Postgres {
		d = goose.DialectPostgres
		// Several `serve` processes may start at once: one migrates, the
		// others wait on an advisory lock.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(d, s.db, sub, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate database: %w", err)
	}
	return nil
}

// SchemaVersion returns the applied migration version.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.db.QueryRowContext(ctx, `SELECT MAX(version_id) FROM goose_db_version WHERE is_applied`).Scan(&v)
	return v, err
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

func (s *Store) ms() int64 { return s.now().UnixMilli() }

// newID returns 16 random bytes in hex.
func newID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// inTx runs f in a transaction, committed when f returns nil.
func (s *Store) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	if s.dialect == SQLite {
		s.wmu.Lock()
		defer s.wmu.Unlock()
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// maxParams keeps a multi-row statement under PostgreSQL's bound parameter
// limit (65535) for few round trips. SQLite has no round trips to save, and
// its driver looks parameters up linearly, so it gets small statements.
const (
	maxParams       = 30000
	maxParamsSQLite = 300
)

// chunkRows returns how many rows of ncols go in one statement.
func (s *Store) chunkRows(ncols int) int {
	if s.dialect == SQLite {
		return max(1, maxParamsSQLite/ncols)
	}
	return max(1, maxParams/ncols)
}

// insertRows inserts rows in multi-row statements; suffix follows VALUES
// (an ON CONFLICT clause, or empty).
func (s *Store) insertRows(ctx context.Context, tx *sql.Tx, head string, ncols int, rows [][]any, suffix string) error {
	per := s.chunkRows(ncols)
	for len(rows) > 0 {
		n := min(per, len(rows))
		var b strings.Builder
		b.WriteString(head)
		b.WriteString(" VALUES ")
		args := make([]any, 0, n*ncols)
		for i, r := range rows[:n] {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('(')
			for j := range ncols {
				if j > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, "$%d", len(args)+j+1)
			}
			b.WriteByte(')')
			args = append(args, r...)
		}
		b.WriteString(" ")
		b.WriteString(suffix)
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// ErrInvalidText is returned for a string PostgreSQL cannot store (a NUL
// byte or invalid UTF-8); SQLite would take it, and both databases must
// behave alike.
var ErrInvalidText = errors.New("text holds a NUL byte or invalid UTF-8")

// textOK reports whether every string can be stored in both databases.
func textOK(vals ...string) bool {
	for _, v := range vals {
		if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
			return false
		}
	}
	return true
}
