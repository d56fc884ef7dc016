package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
)

// Token scopes.
const (
	ScopeAgent = "agent" // writes its own host's data only
	ScopeRead  = "read"  // reads everything
	ScopeAdmin = "admin" // reads everything and manages tokens
)

// ValidScope reports whether s is a known scope.
func ValidScope(s string) bool { return s == ScopeAgent || s == ScopeRead || s == ScopeAdmin }

// tokenPrefix starts every token so that secret scanners recognise one.
const tokenPrefix = "bhk_"

// Token is an API token as stored: never the token itself.
type Token struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Scope     string    `json:"scope"`
	HostID    string    `json:"host_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	LastUsed  time.Time `json:"last_used,omitzero"`
	Revoked   bool      `json:"revoked,omitempty"`
}

// ErrBadToken is returned for an unknown, malformed or revoked token.
var ErrBadToken = errors.New("invalid or revoked token")

// ErrHostBound is returned when an agent token bound to one host is used
// for another.
var ErrHostBound = errors.New("token is bound to another host")

func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// CreateToken makes a new token of scope and returns it in clear (the only
// time it exists in clear) with its stored record.
func (s *Store) CreateToken(ctx context.Context, scope, name string) (string, Token, error) {
	if !textOK(name) {
		return "", Token{}, ErrInvalidText
	}
	if !ValidScope(scope) {
		return "", Token{}, fmt.Errorf("scope %q: want agent, read or admin", scope)
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", Token{}, err
	}
	tok := tokenPrefix + base64.RawURLEncoding.EncodeToString(secret)
	t := Token{ID: newID()[:16], Name: name, Scope: scope, CreatedAt: fromMS(s.ms())}
	_, err := s.db.ExecContext(ctx, `INSERT INTO tokens (id, name, scope, hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
		t.ID, name, scope, hashToken(tok), t.CreatedAt.UnixMilli())
	if err != nil {
		return "", Token{}, fmt.Errorf("create token: %w", err)
	}
	return tok, t, nil
}

// Authenticate returns the live token whose clear text is tok.
func (s *Store) Authenticate(ctx context.Context, tok string) (Token, error) {
	if !strings.HasPrefix(tok, tokenPrefix) || len(tok) > 128 || !textOK(tok) {
		return Token{}, ErrBadToken
	}
	var t Token
	var created, used, revoked int64
	err := s.db.QueryRowContext(ctx, `SELECT id, name, scope, host_id, created_at, last_used, revoked_at FROM tokens WHERE hash = $1`,
		hashToken(tok)).Scan(&t.ID, &t.Name, &t.Scope, &t.HostID, &created, &used, &revoked)
	if errors.Is(err, sql.ErrNoRows) || revoked != 0 {
		return Token{}, ErrBadToken
	}
	if err != nil {
		return Token{}, err
	}
	t.CreatedAt, t.LastUsed = fromMS(created), fromMS(used)
	// last_used is advisory: coarse (a minute) to spare writes.
	if now := s.ms(); now-used > 60_000 {
		_, _ = s.db.ExecContext(ctx, `UPDATE tokens SET last_used = $2 WHERE id = $1`, t.ID, now)
	}
	return t, nil
}

// BindHost binds an agent token to hostID at its first use and fails with
// ErrHostBound when it is bound to another host. Concurrent first uses with
// different hosts: exactly one wins.
func (s *Store) BindHost(ctx context.Context, tokenID, hostID string) error {
	if hostID == "" || !textOK(hostID) {
		return errors.New("empty or invalid host id")
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE tokens SET host_id = $2 WHERE id = $1 AND host_id = ''`, tokenID, hostID); err != nil {
		return err
	}
	var bound string
	if err := s.db.QueryRowContext(ctx, `SELECT host_id FROM tokens WHERE id = $1`, tokenID).Scan(&bound); err != nil {
		return err
	}
	if bound != hostID {
		return ErrHostBound
	}
	return nil
}

// Tokens lists every token (never the secret).
func (s *Store) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, scope, host_id, created_at, last_used, revoked_at FROM tokens ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Token{}
	for rows.Next() {
		var t Token
		var created, used, revoked int64
		if err := rows.Scan(&t.ID, &t.Name, &t.Scope, &t.HostID, &created, &used, &revoked); err != nil {
			return nil, err
		}
		t.CreatedAt, t.LastUsed, t.Revoked = fromMS(created), fromMS(used), revoked != 0
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes a token by id.
func (s *Store) RevokeToken(ctx context.Context, id string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at = 0`, id, s.ms())
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("token %q: %w", id, ErrNotFound)
	}
	return nil
}

// argon2id parameters: RFC 9106's second recommended option (64 MiB, 3
// passes), one lane per core of a small server.
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
)

// HashPassword returns the argon2id hash of password in the PHC string form
// ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches a HashPassword hash.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var v int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	// Bound the work a stored hash can ask for.
	if m == 0 || m > 1<<20 || t == 0 || t > 10 || p == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// CreateUser adds a dashboard user with an argon2id password hash.
func (s *Store) CreateUser(ctx context.Context, name, password string) error {
	if !textOK(name) {
		return ErrInvalidText
	}
	if name == "" || len(password) < 12 {
		return errors.New("a user needs a name and a password of at least 12 characters")
	}
	h, err := HashPassword(password)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO users (name, password_hash, created_at) VALUES ($1, $2, $3)`, name, h, s.ms())
	if err != nil {
		return fmt.Errorf("create user %q: %w", name, err)
	}
	return nil
}

// Login reports whether name and password match a user.
func (s *Store) Login(ctx context.Context, name, password string) (bool, error) {
	if !textOK(name) {
		return false, nil
	}
	var h string
	err := s.db.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE name = $1`, name).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		// Spend the same time as for a known user.
		CheckPassword(dummyHash(), password)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return CheckPassword(h, password), nil
}

// dummyHash is computed at the first failed login, not at start.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("bulkhead-dummy-password")
	return h
})

// AdminEntry is one line of the admin audit log.
type AdminEntry struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Target string    `json:"target,omitempty"`
	Detail string    `json:"detail,omitempty"`
}

// LogAdmin appends an admin action to the audit log.
func (s *Store) LogAdmin(ctx context.Context, e AdminEntry) error {
	e.Target = strings.ToValidUTF8(strings.ReplaceAll(e.Target, "\x00", ""), "?")
	e.Detail = strings.ToValidUTF8(strings.ReplaceAll(e.Detail, "\x00", ""), "?")
	_, err := s.db.ExecContext(ctx, `INSERT INTO admin_audit (id, at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
		newID(), s.ms(), e.Actor, e.Action, e.Target, e.Detail)
	return err
}

// AdminLog returns the admin audit log, newest first, at most limit lines.
func (s *Store) AdminLog(ctx context.Context, limit int) ([]AdminEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT at, actor, action, target, detail FROM admin_audit ORDER BY at DESC, id LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []AdminEntry{}
	for rows.Next() {
		var e AdminEntry
		var at int64
		if err := rows.Scan(&at, &e.Actor, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
