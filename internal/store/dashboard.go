package store

// The queries of the web dashboard (internal/dashboard): user roles, alert
// acknowledgements and mutes, the alert timeline with its filters, and the
// aggregates of the overview page.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Dashboard user roles.
const (
	RoleRead  = "read"  // sees everything
	RoleAdmin = "admin" // also acknowledges and mutes alerts
)

// UserRole returns a user's role, ErrNotFound for an unknown user.
func (s *Store) UserRole(ctx context.Context, name string) (string, error) {
	if !textOK(name) {
		return "", fmt.Errorf("user %q: %w", name, ErrNotFound)
	}
	var role string
	err := s.db.QueryRowContext(ctx, `SELECT role FROM users WHERE name = $1`, name).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("user %q: %w", name, ErrNotFound)
	}
	return role, err
}

// SetUserRole sets a user's role (RoleRead or RoleAdmin).
func (s *Store) SetUserRole(ctx context.Context, name, role string) error {
	if role != RoleRead && role != RoleAdmin {
		return fmt.Errorf("role %q: want read or admin", role)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE users SET role = $2 WHERE name = $1`, name, role)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("user %q: %w", name, ErrNotFound)
	}
	return nil
}

// AckAlert records that actor acknowledged an alert. Acknowledging twice
// keeps the first record.
func (s *Store) AckAlert(ctx context.Context, hostID, alertID, actor string) error {
	if !textOK(hostID, alertID, actor) {
		return fmt.Errorf("alert %q: %w", alertID, ErrNotFound)
	}
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM alerts WHERE host_id = $1 AND id = $2`, hostID, alertID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("alert %q on host %q: %w", alertID, hostID, ErrNotFound)
	}
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO alert_acks (host_id, alert_id, actor, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
		hostID, alertID, actor, s.ms())
	return err
}

// Mute hides a rule's alerts, on one host or container or everywhere, until
// an expiry.
type Mute struct {
	ID          string    `json:"id"`
	Rule        string    `json:"rule"`
	HostID      string    `json:"host_id,omitempty"`
	ContainerID string    `json:"container_id,omitempty"`
	Until       time.Time `json:"until"`
	Actor       string    `json:"actor"`
	CreatedAt   time.Time `json:"created_at"`
}

// AddMute stores a mute and returns it with its id. The expiry must be in
// the future.
func (s *Store) AddMute(ctx context.Context, m Mute) (Mute, error) {
	if !textOK(m.Rule, m.HostID, m.ContainerID, m.Actor) {
		return Mute{}, ErrInvalidText
	}
	if m.Rule == "" {
		return Mute{}, errors.New("a mute needs a rule")
	}
	now := s.ms()
	if m.Until.UnixMilli() <= now {
		return Mute{}, errors.New("a mute's expiry must be in the future")
	}
	m.ID, m.CreatedAt = newID()[:16], fromMS(now)
	_, err := s.db.ExecContext(ctx, `INSERT INTO alert_mutes (id, rule, host_id, container_id, until_at, actor, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		m.ID, m.Rule, m.HostID, m.ContainerID, m.Until.UnixMilli(), m.Actor, now)
	return m, err
}

// Mutes returns the mutes still in force, soonest expiry first.
func (s *Store) Mutes(ctx context.Context) ([]Mute, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, rule, host_id, container_id, until_at, actor, created_at FROM alert_mutes WHERE until_at > $1 ORDER BY until_at, id`, s.ms())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Mute{}
	for rows.Next() {
		var m Mute
		var until, created int64
		if err := rows.Scan(&m.ID, &m.Rule, &m.HostID, &m.ContainerID, &until, &m.Actor, &created); err != nil {
			return nil, err
		}
		m.Until, m.CreatedAt = fromMS(until), fromMS(created)
		out = append(out, m)
	}
	return out, rows.Err()
}

// Alert states for AlertQuery.State.
const (
	AlertsOpen  = "open"  // neither acknowledged nor muted
	AlertsAcked = "acked" // acknowledged
	AlertsMuted = "muted" // covered by a mute in force
	AlertsAll   = "all"
)

// AlertQuery selects alerts for the dashboard's timeline.
type AlertQuery struct {
	HostID      string
	ContainerID string // an id, or a container name
	Rule        string
	MinPriority string
	Since       time.Time
	Until       time.Time
	State       string // AlertsOpen (default), AlertsAcked, AlertsMuted, AlertsAll
	Limit       int    // at most 1000; default 100
	// Before pages back: only alerts older than this time.
	Before time.Time
}

// AlertRow is an alert with its acknowledgement, whether a mute hides it,
// and the name of its host and container.
type AlertRow struct {
	Alert
	HostName      string    `json:"host_name,omitempty"`
	ContainerName string    `json:"container_name,omitempty"`
	AckedBy       string    `json:"acked_by,omitempty"`
	AckedAt       time.Time `json:"acked_at,omitzero"`
	Muted         bool      `json:"muted,omitempty"`
}

const muteCovers = `EXISTS (SELECT 1 FROM alert_mutes m WHERE m.rule = a.rule AND m.until_at > %s
	AND (m.host_id = '' OR m.host_id = a.host_id) AND (m.container_id = '' OR m.container_id = a.container_id))`

const acked = `EXISTS (SELECT 1 FROM alert_acks k WHERE k.host_id = a.host_id AND k.alert_id = a.id)`

func (q *AlertQuery) where(now int64) (string, []any) {
	where := []string{"1 = 1"}
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if q.HostID != "" {
		where = append(where, "a.host_id = "+arg(q.HostID))
	}
	if q.ContainerID != "" {
		p := arg(q.ContainerID)
		where = append(where, "a.container_id IN (SELECT CAST("+p+" AS TEXT) UNION SELECT c.id FROM containers c WHERE c.name = "+p+" OR c.name = '/' || "+p+")")
	}
	if q.Rule != "" {
		where = append(where, "a.rule = "+arg(q.Rule))
	}
	if q.MinPriority != "" {
		where = append(where, "a.priority_num >= "+arg(PriorityRank(q.MinPriority)))
	}
	if !q.Since.IsZero() {
		where = append(where, "a.at >= "+arg(q.Since.UnixMilli()))
	}
	if !q.Until.IsZero() {
		where = append(where, "a.at < "+arg(q.Until.UnixMilli()))
	}
	if !q.Before.IsZero() {
		where = append(where, "a.at < "+arg(q.Before.UnixMilli()))
	}
	// Every parameter must be used: PostgreSQL cannot type an unused one.
	switch q.State {
	case AlertsAll:
	case AlertsAcked:
		where = append(where, acked)
	case AlertsMuted:
		where = append(where, fmt.Sprintf(muteCovers, arg(now)))
	default:
		where = append(where, "NOT "+acked+" AND NOT "+fmt.Sprintf(muteCovers, arg(now)))
	}
	return strings.Join(where, " AND "), args
}

// validQuery reports whether every string of q can be stored at all (a
// string that cannot be stored matches nothing).
func (q *AlertQuery) valid() bool { return textOK(q.HostID, q.ContainerID, q.Rule, q.MinPriority) }

// QueryAlerts returns the alerts q selects, newest first.
func (s *Store) QueryAlerts(ctx context.Context, q AlertQuery) ([]AlertRow, error) {
	if !q.valid() {
		return []AlertRow{}, nil
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	now := s.ms()
	where, args := q.where(now)
	args = append(args, now, limit)
	nowArg, limArg := fmt.Sprintf("$%d", len(args)-1), fmt.Sprintf("$%d", len(args))
	// Newest first along an index ((at, host_id, id), or the host's or
	// rule's), stopping at the limit; the acknowledgement, the container's
	// name and the mute are looked up for the rows kept only.
	query := `SELECT a.host_id, a.id, a.at, a.rule, a.priority, a.container_id, a.output, a.fields,
		COALESCE((SELECT c.name FROM containers c WHERE c.host_id = a.host_id AND c.id = a.container_id), ''),
		COALESCE((SELECT k.actor FROM alert_acks k WHERE k.host_id = a.host_id AND k.alert_id = a.id), ''),
		COALESCE((SELECT k.at FROM alert_acks k WHERE k.host_id = a.host_id AND k.alert_id = a.id), 0),
		` + fmt.Sprintf(muteCovers, nowArg) + `
		FROM alerts a
		WHERE ` + where + ` ORDER BY a.at DESC, a.host_id DESC, a.id DESC LIMIT ` + limArg
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []AlertRow{}
	for rows.Next() {
		var r AlertRow
		var at, ackAt int64
		var fields string
		var muted bool
		if err := rows.Scan(&r.HostID, &r.ID, &at, &r.Rule, &r.Priority, &r.ContainerID, &r.Output, &fields,
			&r.ContainerName, &r.AckedBy, &ackAt, &muted); err != nil {
			return nil, err
		}
		r.At, r.AckedAt, r.Muted = fromMS(at), fromMS(ackAt), muted
		_ = json.Unmarshal([]byte(fields), &r.Fields)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if len(out) > 0 {
		names, err := s.hostNames(ctx)
		if err != nil {
			return nil, err
		}
		for i := range out {
			out[i].HostName = names[out[i].HostID]
		}
	}
	return out, nil
}

func (s *Store) hostNames(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name FROM hosts`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		m[id] = name
	}
	return m, rows.Err()
}

// OpenAlertCounts counts the open alerts (neither acknowledged nor muted)
// at or after since, by priority.
func (s *Store) OpenAlertCounts(ctx context.Context, since time.Time) (map[string]int, error) {
	q := AlertQuery{Since: since, State: AlertsOpen}
	where, args := q.where(s.ms())
	rows, err := s.db.QueryContext(ctx, `SELECT a.priority, COUNT(*) FROM alerts a WHERE `+where+` GROUP BY a.priority`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var p string
		var n int
		if err := rows.Scan(&p, &n); err != nil {
			return nil, err
		}
		out[p] = n
	}
	return out, rows.Err()
}

// AlertRules returns the rule names alerts carry, sorted, at most limit.
func (s *Store) AlertRules(ctx context.Context, limit int) ([]string, error) {
	// A skip scan of the rule index: one lookup per distinct rule, not one
	// row per alert.
	return s.queryStrings(ctx, `WITH RECURSIVE r(rule) AS (
			SELECT MIN(rule) FROM alerts
			UNION ALL
			SELECT (SELECT MIN(a.rule) FROM alerts a WHERE a.rule > r.rule) FROM r WHERE r.rule IS NOT NULL)
		SELECT rule FROM r WHERE rule IS NOT NULL LIMIT $1`, limit)
}

// FindingCount counts an image's findings of one severity, with or
// without a fix.
type FindingCount struct {
	ImageDigest string
	Severity    string
	Fixable     bool
	N           int
}

// FindingCounts counts every image's findings by severity and fix.
func (s *Store) FindingCounts(ctx context.Context) ([]FindingCount, error) {
	// One pass along findings_image_sev, no sort.
	rows, err := s.db.QueryContext(ctx, `SELECT image_digest, severity, COUNT(*), SUM(CASE WHEN fixed_version <> '' THEN 1 ELSE 0 END)
		FROM findings GROUP BY image_digest, severity`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []FindingCount{}
	for rows.Next() {
		var c FindingCount
		var fixable int
		if err := rows.Scan(&c.ImageDigest, &c.Severity, &c.N, &fixable); err != nil {
			return nil, err
		}
		if fixable > 0 {
			out = append(out, FindingCount{ImageDigest: c.ImageDigest, Severity: c.Severity, Fixable: true, N: fixable})
		}
		if c.N -= fixable; c.N > 0 {
			out = append(out, c)
		}
	}
	return out, rows.Err()
}

// FindingsVersion returns a value that changes whenever any image's
// findings may have: the last match time and the number of images (findings
// change only by a match, and leave with their image), and that last match
// time alone.
func (s *Store) FindingsVersion(ctx context.Context) (string, time.Time, error) {
	var last, n int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(matched_at), 0), COUNT(*) FROM images`).Scan(&last, &n); err != nil {
		return "", time.Time{}, err
	}
	return fmt.Sprintf("%d/%d", last, n), fromMS(last), nil
}

// ImageRefs returns every image's refs by digest.
func (s *Store) ImageRefs(ctx context.Context) (map[string][]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT digest, refs FROM images`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var d, refs string
		if err := rows.Scan(&d, &refs); err != nil {
			return nil, err
		}
		var rs []string
		_ = json.Unmarshal([]byte(refs), &rs)
		out[d] = rs
	}
	return out, rows.Err()
}

// CountByVulns counts, per image, the findings of any of ids, each id an
// advisory id or an alias of one (a CVE id of a GHSA or distro advisory).
func (s *Store) CountByVulns(ctx context.Context, ids []string) (map[string]int, error) {
	out := map[string]int{}
	const chunk = 400
	for len(ids) > 0 {
		n := min(chunk, len(ids))
		part := ids[:n]
		ids = ids[n:]
		ph := make([]string, len(part))
		args := make([]any, len(part))
		for i, id := range part {
			ph[i] = fmt.Sprintf("$%d", i+1)
			args[i] = id
		}
		in := strings.Join(ph, ",")
		// A finding counts once per chunk of ids that names it.
		rows, err := s.db.QueryContext(ctx, `SELECT f.image_digest, COUNT(*) FROM findings f
			WHERE f.vuln_id IN (`+in+`) OR f.vuln_id IN (SELECT a.vuln_id FROM vuln_aliases a WHERE a.alias IN (`+in+`))
			GROUP BY f.image_digest`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var d string
			var c int
			if err := rows.Scan(&d, &c); err != nil {
				rows.Close()
				return nil, err
			}
			out[d] += c
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return nil, err
		}
		rows.Close()
	}
	return out, nil
}

// TrendDay is one day of the findings trend.
type TrendDay struct {
	Day   time.Time `json:"day"`   // midnight UTC
	New   int       `json:"new"`   // findings first seen that day and still open
	Fixed int       `json:"fixed"` // findings that a rematch or new SBOM removed that day
}

// FindingTrend returns one TrendDay per UTC day from the day of since to the
// day of until, oldest first.
func (s *Store) FindingTrend(ctx context.Context, since, until time.Time) ([]TrendDay, error) {
	const day = int64(24 * time.Hour / time.Millisecond)
	from := since.UTC().Truncate(24 * time.Hour).UnixMilli()
	to := until.UTC().Truncate(24*time.Hour).UnixMilli() + day
	if to <= from || (to-from)/day > 3660 {
		return nil, errors.New("trend: want a range of 1 to 3660 days")
	}
	out := make([]TrendDay, (to-from)/day)
	for i := range out {
		out[i].Day = fromMS(from + int64(i)*day)
	}
	count := func(q string, add func(i, n int)) error {
		rows, err := s.db.QueryContext(ctx, q, from, to, day)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d int64
			var n int
			if err := rows.Scan(&d, &n); err != nil {
				return err
			}
			if d >= 0 && int(d) < len(out) {
				add(int(d), n)
			}
		}
		return rows.Err()
	}
	if err := count(`SELECT (first_seen - $1) / $3, COUNT(*) FROM findings WHERE first_seen >= $1 AND first_seen < $2 GROUP BY (first_seen - $1) / $3`,
		func(i, n int) { out[i].New = n }); err != nil {
		return nil, err
	}
	if err := count(`SELECT (at - $1) / $3, COUNT(*) FROM finding_changes WHERE change = 'fixed' AND at >= $1 AND at < $2 GROUP BY (at - $1) / $3`,
		func(i, n int) { out[i].Fixed = n }); err != nil {
		return nil, err
	}
	return out, nil
}

// ImageByDigest returns one image with its finding counts.
func (s *Store) ImageByDigest(ctx context.Context, digest string) (Image, error) {
	if !textOK(digest) {
		return Image{}, fmt.Errorf("image %q: %w", digest, ErrNotFound)
	}
	img, err := scanImage(s.db.QueryRowContext(ctx, `SELECT `+imageColumns+` FROM images WHERE digest = $1`, digest))
	if errors.Is(err, sql.ErrNoRows) {
		return Image{}, fmt.Errorf("image %q: %w", digest, ErrNotFound)
	}
	if err != nil {
		return Image{}, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT severity, COUNT(*) FROM findings WHERE image_digest = $1 GROUP BY severity`, digest)
	if err != nil {
		return Image{}, err
	}
	defer rows.Close()
	img.Findings = map[string]int{}
	for rows.Next() {
		var sev string
		var n int
		if err := rows.Scan(&sev, &n); err != nil {
			return Image{}, err
		}
		img.Findings[sev] = n
	}
	return img, rows.Err()
}

// ContainersOfImage returns the containers, on every host, running digest.
func (s *Store) ContainersOfImage(ctx context.Context, digest string) ([]Container, error) {
	return s.containersWhere(ctx, `image_digest = $1`, digest)
}

func (s *Store) containersWhere(ctx context.Context, where string, args ...any) ([]Container, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT host_id, id, name, image_ref, image_digest, state, ports, networks, updated_at
		FROM containers WHERE `+where+` ORDER BY host_id, name, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Container{}
	for rows.Next() {
		var c Container
		var ports, nets string
		var at int64
		if err := rows.Scan(&c.HostID, &c.ID, &c.Name, &c.ImageRef, &c.ImageDigest, &c.State, &ports, &nets, &at); err != nil {
			return nil, err
		}
		_ = json.Unmarshal([]byte(ports), &c.Ports)
		_ = json.Unmarshal([]byte(nets), &c.Networks)
		c.UpdatedAt = fromMS(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// likeEscape escapes LIKE's metacharacters for ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ImagesByRef returns the images whose digest starts with q or one of whose
// refs contains q (case-sensitive), at most limit, by digest.
func (s *Store) ImagesByRef(ctx context.Context, q string, limit int) ([]Image, error) {
	if q == "" || !textOK(q) {
		return []Image{}, nil
	}
	// refs is a JSON array of strings: a ref containing q appears in it
	// as a substring (quotes and backslashes are escaped by JSON, so match
	// on the JSON form of q without its quotes).
	jq := jsonText(q)
	jq = jq[1 : len(jq)-1]
	rows, err := s.db.QueryContext(ctx, `SELECT `+imageColumns+` FROM images
		WHERE digest LIKE $1 ESCAPE '\' OR refs LIKE $2 ESCAPE '\' ORDER BY digest LIMIT $3`,
		likeEscape(q)+"%", "%"+likeEscape(jq)+"%", limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Image{}
	for rows.Next() {
		img, err := scanImage(rows)
		if err != nil {
			return nil, err
		}
		// A match inside the JSON punctuation (q = `","`) is no match.
		ok := strings.HasPrefix(img.Digest, q)
		for _, r := range img.Refs {
			ok = ok || strings.Contains(r, q)
		}
		if ok {
			out = append(out, img)
		}
	}
	return out, rows.Err()
}

// HostByID returns one host with its counts.
func (s *Store) HostByID(ctx context.Context, id string) (Host, error) {
	if !textOK(id) {
		return Host{}, fmt.Errorf("host %q: %w", id, ErrNotFound)
	}
	var h Host
	var first, last int64
	err := s.db.QueryRowContext(ctx, `SELECT h.id, h.name, h.agent_version, h.first_seen, h.last_seen,
		(SELECT COUNT(*) FROM containers c WHERE c.host_id = h.id),
		(SELECT COUNT(*) FROM audit_results r WHERE r.host_id = h.id AND r.status = 'fail'),
		(SELECT COUNT(*) FROM audit_results r WHERE r.host_id = h.id AND r.status = 'pass')
		FROM hosts h WHERE h.id = $1`, id).Scan(&h.ID, &h.Name, &h.AgentVersion, &first, &last, &h.Containers, &h.AuditFailed, &h.AuditPassed)
	if errors.Is(err, sql.ErrNoRows) {
		return Host{}, fmt.Errorf("host %q: %w", id, ErrNotFound)
	}
	h.FirstSeen, h.LastSeen = fromMS(first), fromMS(last)
	return h, err
}
