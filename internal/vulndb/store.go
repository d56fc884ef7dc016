package vulndb

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrNoDatabase is returned by Open when there is no database yet.
var ErrNoDatabase = errors.New("no vulnerability database: run `bulkhead db update` (or `bulkhead db import DIR` offline)")

// ErrStale is wrapped by CheckStale's error.
var ErrStale = errors.New("vulnerability database is stale")

// SchemaVersion changes whenever the file layout changes; an older file is
// rebuilt by the next update.
const SchemaVersion = 2

var (
	bucketMeta    = []byte("meta")
	bucketRecords = []byte("records") // nested: source ecosystem -> id -> raw JSON
	bucketIDs     = []byte("ids")     // id -> source ecosystem
	bucketIndex   = []byte("index")   // indexKey -> JSON []Entry
	keyMeta       = []byte("metadata")
)

// Metadata describes how and when a database was built.
type Metadata struct {
	SchemaVersion int       `json:"schema_version"`
	Built         time.Time `json:"built"`
	// Source is the base URL, mirror or folder the data came from.
	Source string `json:"source"`
	// Ecosystems holds per source ecosystem (the export folder the records
	// came from) the record count and the newest modified time.
	Ecosystems map[string]EcosystemMeta `json:"ecosystems"`
	// Sources holds, per source other than OSV (nvd, kev, epss), what the
	// database has of it.
	Sources map[string]SourceMeta `json:"sources,omitempty"`
}

// EcosystemMeta is one ecosystem's part of Metadata.
type EcosystemMeta struct {
	Records int       `json:"records"`
	Newest  time.Time `json:"newest_modified"`
	// Source is where this ecosystem's records came from.
	Source string `json:"source,omitempty"`
	// Updated is when this ecosystem was last fetched or imported.
	Updated time.Time `json:"updated"`
}

// Entry is the index's compact view of one affected package of a record:
// everything needed to decide whether a version is affected.
type Entry struct {
	ID string `json:"id"`
	// Ecosystem is the record's full ecosystem, release included ("Debian:12").
	Ecosystem string `json:"eco"`
	// Name is the package name as the record writes it.
	Name     string   `json:"name"`
	PURL     string   `json:"purl,omitempty"`
	Ranges   []Range  `json:"ranges,omitempty"`
	Versions []string `json:"versions,omitempty"`
	// Modified is the record's modified time.
	Modified time.Time `json:"modified"`
}

// DB is an open, read-only database.
type DB struct {
	path string
	bolt *bolt.DB
	meta Metadata
}

// OpenTimeout bounds how long Open waits for bbolt's file lock. Readers
// share the lock and writers never lock the live file, so the wait only
// happens if something else holds the file exclusively.
var OpenTimeout = 2 * time.Second

// DefaultPath is where the database lives by default:
// <user cache dir>/bulkhead/db/osv.db.
func DefaultPath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find the user cache dir: %w", err)
	}
	return filepath.Join(dir, "bulkhead", "db", "osv.db"), nil
}

// Open opens the database at path read-only. It returns an error wrapping
// ErrNoDatabase when there is none.
func Open(path string) (*DB, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open %s: %w", path, ErrNoDatabase)
	}
	if err != nil {
		return nil, fmt.Errorf("open vulnerability database %s: %w", path, err)
	}
	if st.Size() == 0 {
		return nil, fmt.Errorf("open %s: empty file: %w", path, ErrNoDatabase)
	}
	b, err := bolt.Open(path, 0o644, &bolt.Options{ReadOnly: true, Timeout: OpenTimeout})
	if err != nil {
		return nil, fmt.Errorf("open vulnerability database %s: %w", path, err)
	}
	db := &DB{path: path, bolt: b}
	if err := b.View(func(tx *bolt.Tx) error {
		mb := tx.Bucket(bucketMeta)
		if mb == nil {
			return fmt.Errorf("no metadata bucket")
		}
		raw := mb.Get(keyMeta)
		if raw == nil {
			return fmt.Errorf("no metadata")
		}
		return json.Unmarshal(raw, &db.meta)
	}); err != nil {
		b.Close()
		return nil, fmt.Errorf("open vulnerability database %s: not a bulkhead database (%v): %w", path, err, ErrNoDatabase)
	}
	if db.meta.SchemaVersion != SchemaVersion {
		b.Close()
		return nil, fmt.Errorf("open vulnerability database %s: schema version %d, want %d: %w", path, db.meta.SchemaVersion, SchemaVersion, ErrNoDatabase)
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error { return db.bolt.Close() }

// Path returns the file the database was opened from.
func (db *DB) Path() string { return db.path }

// Metadata returns the database's metadata.
func (db *DB) Metadata() Metadata { return db.meta }

// Tx is one read transaction: a consistent view for a whole scan.
type Tx struct {
	tx *bolt.Tx
	// Buckets looked up once per transaction.
	buckets map[string]*bolt.Bucket
}

// bucket returns a top-level bucket, looked up once per transaction.
func (t *Tx) bucket(name []byte) *bolt.Bucket {
	if b, ok := t.buckets[string(name)]; ok {
		return b
	}
	if t.buckets == nil {
		t.buckets = map[string]*bolt.Bucket{}
	}
	b := t.tx.Bucket(name)
	t.buckets[string(name)] = b
	return b
}

// View runs fn in one read transaction.
func (db *DB) View(fn func(*Tx) error) error {
	return db.bolt.View(func(tx *bolt.Tx) error { return fn(&Tx{tx: tx}) })
}

// Lookup returns the index entries of a package: ecosystem may carry a
// release suffix (it is stripped) and name is normalised.
func (t *Tx) Lookup(ecosystem, name string) ([]Entry, error) {
	b := t.tx.Bucket(bucketIndex)
	if b == nil {
		return nil, nil
	}
	raw := b.Get(indexKey(ecosystem, name))
	if raw == nil {
		return nil, nil
	}
	out, err := decodeEntries(raw)
	if err != nil {
		return nil, fmt.Errorf("read index of %s %q: %w", ecosystem, name, err)
	}
	return out, nil
}

// Record returns a record by id, or (nil, nil) when there is none.
func (t *Tx) Record(id string) (*Record, error) {
	raw, err := t.raw(id)
	if raw == nil || err != nil {
		return nil, err
	}
	r, err := ParseRecord(raw)
	if err != nil {
		return nil, fmt.Errorf("read record %q: %w", id, err)
	}
	return r, nil
}

func (t *Tx) raw(id string) ([]byte, error) {
	ids := t.bucket(bucketIDs)
	if ids == nil {
		return nil, nil
	}
	src := ids.Get([]byte(id))
	if src == nil {
		return nil, nil
	}
	recs := t.bucket(bucketRecords)
	if recs == nil {
		return nil, nil
	}
	eb := recs.Bucket(src)
	if eb == nil {
		return nil, fmt.Errorf("record %q: source bucket %q missing", id, src)
	}
	return eb.Get([]byte(id)), nil
}

// ForEach calls fn with every record's source ecosystem, id and raw JSON,
// in source then id order. The slice is only valid during the call.
func (t *Tx) ForEach(fn func(source, id string, raw []byte) error) error {
	recs := t.tx.Bucket(bucketRecords)
	if recs == nil {
		return nil
	}
	return recs.ForEachBucket(func(src []byte) error {
		return recs.Bucket(src).ForEach(func(k, v []byte) error {
			return fn(string(src), string(k), v)
		})
	})
}

// ForEachIn calls fn with every record of one source ecosystem.
func (t *Tx) ForEachIn(source string, fn func(id string, raw []byte) error) error {
	recs := t.tx.Bucket(bucketRecords)
	if recs == nil {
		return nil
	}
	eb := recs.Bucket([]byte(source))
	if eb == nil {
		return nil
	}
	return eb.ForEach(func(k, v []byte) error { return fn(string(k), v) })
}

// Get returns a record by id in its own transaction.
func (db *DB) Get(id string) (*Record, error) {
	var r *Record
	err := db.View(func(t *Tx) error {
		var err error
		r, err = t.Record(id)
		return err
	})
	return r, err
}

// Status describes a database for `db status`.
type Status struct {
	Path    string    `json:"path"`
	Size    int64     `json:"size"`
	Built   time.Time `json:"built"`
	Source  string    `json:"source"`
	Records int       `json:"records"`
	// Newest is the newest modified time of any record.
	Newest time.Time `json:"newest_modified"`
	// Age is the time since Built.
	Age        time.Duration     `json:"age"`
	Ecosystems []EcosystemStatus `json:"ecosystems"`
	// Sources says per source (osv, nvd, kev, epss) when its data was last
	// fetched and how old it is.
	Sources []SourceAge `json:"sources"`
}

// EcosystemStatus is one ecosystem's line of Status.
type EcosystemStatus struct {
	Name    string    `json:"name"`
	Records int       `json:"records"`
	Newest  time.Time `json:"newest_modified"`
	Updated time.Time `json:"updated"`
}

// Status reports the database's path, build time, source, counts per
// ecosystem, newest modified time and age.
func (db *DB) Status() Status {
	return db.statusAt(time.Now())
}

func (db *DB) statusAt(now time.Time) Status {
	s := Status{Path: db.path, Built: db.meta.Built, Source: db.meta.Source, Age: now.Sub(db.meta.Built)}
	if st, err := os.Stat(db.path); err == nil {
		s.Size = st.Size()
	}
	for name, e := range db.meta.Ecosystems {
		s.Ecosystems = append(s.Ecosystems, EcosystemStatus{Name: name, Records: e.Records, Newest: e.Newest, Updated: e.Updated})
		s.Records += e.Records
		if e.Newest.After(s.Newest) {
			s.Newest = e.Newest
		}
	}
	sort.Slice(s.Ecosystems, func(i, j int) bool { return s.Ecosystems[i].Name < s.Ecosystems[j].Name })
	s.Sources = db.DataAge(now)
	return s
}

// SourceAge is how old one source's data is: when it was last fetched
// from upstream (or imported) and the newest modification it holds.
type SourceAge struct {
	Source  string    `json:"source"`
	Records int       `json:"records"`
	Fetched time.Time `json:"fetched"`
	Newest  time.Time `json:"newest_modified"`
	// Age is the time from Newest to the time asked about: the data's
	// age, which an import of old data does not reset.
	Age time.Duration `json:"age"`
	// Version is the KEV catalog or EPSS model version.
	Version string `json:"version,omitempty"`
}

// DataAge returns the age of each source the database holds: "osv" (all
// ecosystems together: the newest record of any), "nvd", "kev", "epss".
func (db *DB) DataAge(now time.Time) []SourceAge {
	var out []SourceAge
	if len(db.meta.Ecosystems) > 0 {
		a := SourceAge{Source: SourceOSV}
		for _, e := range db.meta.Ecosystems {
			a.Records += e.Records
			if e.Newest.After(a.Newest) {
				a.Newest = e.Newest
			}
			if e.Updated.After(a.Fetched) {
				a.Fetched = e.Updated
			}
		}
		out = append(out, a)
	}
	for _, src := range []string{SourceNVD, SourceKEV, SourceEPSS} {
		if m, ok := db.meta.Sources[src]; ok {
			out = append(out, SourceAge{Source: src, Records: m.Records, Fetched: m.Fetched, Newest: m.Newest, Version: m.Version})
		}
	}
	for i := range out {
		if !out[i].Newest.IsZero() {
			out[i].Age = now.Sub(out[i].Newest)
		}
	}
	return out
}

// CheckStale returns an error wrapping ErrStale when the data of a source
// is older than maxAge: its newest record (NVD lastModified, the KEV
// release, the EPSS score date, the newest OSV record) is more than maxAge
// before now. An import of old data is stale however recently it was
// imported. The caller decides whether that is a warning or a failure.
func (db *DB) CheckStale(maxAge time.Duration, now time.Time) error {
	if maxAge <= 0 {
		return nil
	}
	var stale []string
	for _, a := range db.DataAge(now) {
		if a.Newest.IsZero() || a.Age > maxAge {
			newest := "unknown"
			if !a.Newest.IsZero() {
				newest = fmt.Sprintf("%s, %s old", a.Newest.Format("2006-01-02"), roundAge(a.Age))
			}
			stale = append(stale, fmt.Sprintf("%s data newest %s (fetched %s)", a.Source, newest, a.Fetched.Format("2006-01-02")))
		}
	}
	if len(stale) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s; more than %s: run `bulkhead db update`", ErrStale, strings.Join(stale, "; "), roundAge(maxAge))
}

// roundAge prints a duration in days when it is a day or more.
func roundAge(d time.Duration) string {
	if d >= 24*time.Hour {
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	}
	return d.Round(time.Minute).String()
}

// advisory is Record without what the index already holds (affected
// ranges, versions, ecosystem_specific): decoding it skips those parts.
type advisory struct {
	ID               string          `json:"id"`
	Modified         time.Time       `json:"modified"`
	Published        *time.Time      `json:"published,omitempty"`
	Withdrawn        *time.Time      `json:"withdrawn,omitempty"`
	Aliases          []string        `json:"aliases,omitempty"`
	Upstream         []string        `json:"upstream,omitempty"`
	Related          []string        `json:"related,omitempty"`
	Summary          string          `json:"summary,omitempty"`
	Details          string          `json:"details,omitempty"`
	Severity         []Severity      `json:"severity,omitempty"`
	References       []Reference     `json:"references,omitempty"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
	Affected         []struct {
		Package           Package         `json:"package"`
		Severity          []Severity      `json:"severity,omitempty"`
		EcosystemSpecific json.RawMessage `json:"ecosystem_specific,omitempty"`
		DatabaseSpecific  json.RawMessage `json:"database_specific,omitempty"`
	} `json:"affected,omitempty"`
}

// Advisory returns a record by id for reporting: everything but the
// affected entries' ranges and versions, which matching reads from the
// index. It returns (nil, nil) when there is none.
func (t *Tx) Advisory(id string) (*Record, error) {
	raw, err := t.raw(id)
	if raw == nil || err != nil {
		return nil, err
	}
	var a advisory
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, fmt.Errorf("read record %q: %w: %v", id, ErrMalformed, err)
	}
	r := &Record{ID: a.ID, Modified: a.Modified, Published: a.Published, Withdrawn: a.Withdrawn,
		Aliases: a.Aliases, Upstream: a.Upstream, Related: a.Related, Summary: a.Summary, Details: a.Details,
		Severity: a.Severity, References: a.References, DatabaseSpecific: a.DatabaseSpecific}
	for _, af := range a.Affected {
		r.Affected = append(r.Affected, Affected{Package: af.Package, Severity: af.Severity, EcosystemSpecific: af.EcosystemSpecific, DatabaseSpecific: af.DatabaseSpecific})
	}
	return r, nil
}

// NVD returns the NVD record of a CVE, or (nil, nil).
func (t *Tx) NVD(cve string) (*NVDRecord, error) {
	raw := t.aux(bucketNVD, cve)
	if raw == nil {
		return nil, nil
	}
	var r NVDRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("read NVD record %s: %w", cve, err)
	}
	return &r, nil
}

// KEV returns the KEV entry of a CVE, or (nil, nil).
func (t *Tx) KEV(cve string) (*KEVEntry, error) {
	raw := t.aux(bucketKEV, cve)
	if raw == nil {
		return nil, nil
	}
	var e KEVEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, fmt.Errorf("read KEV entry %s: %w", cve, err)
	}
	return &e, nil
}

// EPSS returns the EPSS score of a CVE, or (nil, nil).
func (t *Tx) EPSS(cve string) (*EPSSScore, error) {
	raw := t.aux(bucketEPSS, cve)
	if raw == nil {
		return nil, nil
	}
	var e EPSSScore
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, fmt.Errorf("read EPSS score %s: %w", cve, err)
	}
	return &e, nil
}

func (t *Tx) aux(bucket []byte, key string) []byte {
	b := t.bucket(bucket)
	if b == nil {
		return nil
	}
	return b.Get([]byte(key))
}

// HasSource reports whether the database holds data of a non-OSV source.
func (db *DB) HasSource(source string) bool {
	_, ok := db.meta.Sources[source]
	return ok
}

// HasIDPrefix reports whether any record id starts with prefix.
func (t *Tx) HasIDPrefix(prefix string) bool {
	ids := t.bucket(bucketIDs)
	if ids == nil {
		return false
	}
	k, _ := ids.Cursor().Seek([]byte(prefix))
	return k != nil && strings.HasPrefix(string(k), prefix)
}
