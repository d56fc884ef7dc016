package vulndb

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Stats says what an Update or Import did.
type Stats struct {
	// Records is the number of records in the new database.
	Records int `json:"records"`
	// Ecosystems holds per source ecosystem what was done.
	Ecosystems map[string]EcosystemStats `json:"ecosystems"`
	// Withdrawn counts withdrawn records (kept, not matched).
	Withdrawn int `json:"withdrawn"`
	// Skipped counts malformed records; Problems names each (up to
	// MaxProblems): the file, the record and the reason.
	Skipped  int      `json:"skipped"`
	Problems []string `json:"problems,omitempty"`
	// Warnings are things that did not stop the update, such as an
	// ecosystem the source does not have.
	Warnings []string `json:"warnings,omitempty"`
	// Downloaded is the number of bytes fetched over the network.
	Downloaded int64 `json:"downloaded"`
	// Sources holds per non-OSV source (nvd, kev, epss) what was done.
	Sources map[string]SourceStats `json:"sources,omitempty"`
	// Swept names the temporary files of dead processes that this run
	// removed.
	Swept    []string      `json:"swept,omitempty"`
	Duration time.Duration `json:"duration"`
}

// EcosystemStats is one ecosystem's part of Stats.
type EcosystemStats struct {
	// Mode is "full" (all.zip or a folder), "incremental" (changed records
	// fetched one by one), "unchanged", "kept" (carried over from the old
	// database) or "missing" (the source has no such ecosystem).
	Mode    string `json:"mode"`
	Records int    `json:"records"`
	// Fetched is the number of records read from the source this time.
	Fetched int `json:"fetched"`
}

// SourceStats is one non-OSV source's part of Stats.
type SourceStats struct {
	// Mode is "full", "incremental", "kept" or "unchanged".
	Mode    string `json:"mode"`
	Records int    `json:"records"`
	Fetched int    `json:"fetched"`
}

// MaxProblems bounds how many malformed records Stats names one by one.
const MaxProblems = 100

func (s *Stats) problem(format string, args ...any) {
	s.Skipped++
	if len(s.Problems) < MaxProblems {
		s.Problems = append(s.Problems, fmt.Sprintf(format, args...))
	}
}

func (s *Stats) eco(name string) EcosystemStats {
	if s.Ecosystems == nil {
		s.Ecosystems = map[string]EcosystemStats{}
	}
	return s.Ecosystems[name]
}

// builder writes a new database into a temporary file beside the final
// path; commit renames it into place, abort removes it.
type builder struct {
	final   string
	tmp     string
	db      *bolt.DB
	index   map[string][]Entry
	meta    Metadata
	stats   *Stats
	pending map[string][][2][]byte // source -> (id, raw)
	aux     map[string][][2][]byte // nvd, kev, epss bucket -> (CVE, value)
	npend   int
	seen    map[string]map[string]bool // source -> ids
}

const batchRecords = 4000

func newBuilder(final, source string, now time.Time, stats *Stats) (*builder, error) {
	dir := filepath.Dir(final)
	if err := makeFolder(dir); err != nil {
		return nil, err
	}
	stats.Swept = append(stats.Swept, sweepStale(final, now)...)
	f, err := createTemp(final)
	if err != nil {
		return nil, fmt.Errorf("create new database in %s: %w", dir, err)
	}
	tmp := f.Name()
	f.Close()
	db, err := bolt.Open(tmp, FileMode, &bolt.Options{Timeout: time.Second, NoSync: true, NoFreelistSync: true})
	if err != nil {
		removeTemp(tmp)
		return nil, fmt.Errorf("create new database %s: %w", tmp, err)
	}
	return &builder{
		final: final, tmp: tmp, db: db,
		index:   map[string][]Entry{},
		meta:    Metadata{SchemaVersion: SchemaVersion, Built: now.UTC(), Source: source, Ecosystems: map[string]EcosystemMeta{}},
		stats:   stats,
		pending: map[string][][2][]byte{},
		aux:     map[string][][2][]byte{},
		seen:    map[string]map[string]bool{},
	}, nil
}

// has reports whether a record id was already added under source.
func (b *builder) has(source, id string) bool { return b.seen[source][id] }

// add stores one parsed record under its source ecosystem and indexes it.
// A second record with the same id in the same source replaces nothing:
// the first one wins (callers add the newest first).
func (b *builder) add(source string, rec *Record, raw []byte) error {
	if b.seen[source] == nil {
		b.seen[source] = map[string]bool{}
	}
	if b.seen[source][rec.ID] {
		return nil
	}
	b.seen[source][rec.ID] = true
	m := b.meta.Ecosystems[source]
	m.Records++
	if rec.Modified.After(m.Newest) {
		m.Newest = rec.Modified.UTC()
	}
	b.meta.Ecosystems[source] = m
	b.pending[source] = append(b.pending[source], [2][]byte{[]byte(rec.ID), append([]byte(nil), raw...)})
	b.npend++
	if rec.Withdrawn != nil {
		b.stats.Withdrawn++
	} else {
		for _, a := range rec.Affected {
			if a.Package.Ecosystem == "" || a.Package.Name == "" {
				continue
			}
			k := string(indexKey(a.Package.Ecosystem, a.Package.Name))
			b.index[k] = append(b.index[k], Entry{
				ID: rec.ID, Ecosystem: a.Package.Ecosystem, Name: a.Package.Name, PURL: a.Package.PURL,
				Ranges: a.Ranges, Versions: a.Versions, Modified: rec.Modified.UTC(),
			})
		}
	}
	if b.npend >= batchRecords {
		return b.flush()
	}
	return nil
}

// flush writes the pending records in one transaction.
func (b *builder) flush() error {
	if b.npend == 0 {
		return nil
	}
	err := b.db.Update(func(tx *bolt.Tx) error {
		recs, err := tx.CreateBucketIfNotExists(bucketRecords)
		if err != nil {
			return err
		}
		ids, err := tx.CreateBucketIfNotExists(bucketIDs)
		if err != nil {
			return err
		}
		for name, list := range b.aux {
			ab, err := tx.CreateBucketIfNotExists([]byte(name))
			if err != nil {
				return err
			}
			for _, kv := range list {
				if err := ab.Put(kv[0], kv[1]); err != nil {
					return err
				}
			}
		}
		for src, list := range b.pending {
			eb, err := recs.CreateBucketIfNotExists([]byte(src))
			if err != nil {
				return err
			}
			eb.FillPercent = 0.9
			for _, kv := range list {
				if err := eb.Put(kv[0], kv[1]); err != nil {
					return err
				}
				if err := ids.Put(kv[0], []byte(src)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write records to %s: %w", b.tmp, err)
	}
	b.pending = map[string][][2][]byte{}
	b.aux = map[string][][2][]byte{}
	b.npend = 0
	return nil
}

// putAux stores one value of a non-OSV source (nvd, kev, epss) under its
// CVE id; a later put of the same id replaces the earlier one.
func (b *builder) putAux(source, id string, val []byte) error {
	name := string(auxBucket(source))
	b.aux[name] = append(b.aux[name], [2][]byte{[]byte(id), val})
	b.npend++
	if b.npend >= batchRecords {
		return b.flush()
	}
	return nil
}

// setSource records what the database holds of a non-OSV source.
func (b *builder) setSource(source string, m SourceMeta) {
	if b.meta.Sources == nil {
		b.meta.Sources = map[string]SourceMeta{}
	}
	m.Fetched = m.Fetched.UTC()
	m.Newest = m.Newest.UTC()
	b.meta.Sources[source] = m
}

// copyAux carries a non-OSV source over from an old database, except the
// ids in skip, with its metadata.
func (b *builder) copyAux(old *DB, source string, skip map[string]bool) error {
	if old == nil {
		return nil
	}
	m, ok := old.meta.Sources[source]
	if !ok {
		return nil
	}
	err := old.bolt.View(func(tx *bolt.Tx) error {
		ab := tx.Bucket(auxBucket(source))
		if ab == nil {
			return nil
		}
		return ab.ForEach(func(k, v []byte) error {
			if skip[string(k)] {
				return nil
			}
			return b.putAux(source, string(k), append([]byte(nil), v...))
		})
	})
	if err != nil {
		return fmt.Errorf("carry over %s from %s: %w", source, old.path, err)
	}
	b.setSource(source, m)
	return nil
}

// setEcosystemInfo records where an ecosystem came from and when.
func (b *builder) setEcosystemInfo(source, from string, updated time.Time) {
	m := b.meta.Ecosystems[source]
	m.Source = from
	m.Updated = updated.UTC()
	b.meta.Ecosystems[source] = m
}

// commit writes the index and metadata, syncs the file and renames it over
// the final path.
func (b *builder) commit() error {
	if err := b.flush(); err != nil {
		b.abort()
		return err
	}
	keys := make([]string, 0, len(b.index))
	for k := range b.index {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	err := b.db.Update(func(tx *bolt.Tx) error {
		ib, err := tx.CreateBucketIfNotExists(bucketIndex)
		if err != nil {
			return err
		}
		ib.FillPercent = 1.0 // keys arrive sorted
		for _, k := range keys {
			raw := encodeEntries(dedupe(b.index[k]))
			if err := ib.Put([]byte(k), raw); err != nil {
				return err
			}
		}
		for _, name := range [][]byte{bucketRecords, bucketIDs, bucketNVD, bucketKEV, bucketEPSS} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		mb, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		raw, err := json.Marshal(b.meta)
		if err != nil {
			return err
		}
		return mb.Put(keyMeta, raw)
	})
	if err != nil {
		b.abort()
		return fmt.Errorf("write index to %s: %w", b.tmp, err)
	}
	if err := b.db.Sync(); err != nil {
		b.abort()
		return fmt.Errorf("sync %s: %w", b.tmp, err)
	}
	if err := b.db.Close(); err != nil {
		removeTemp(b.tmp)
		return fmt.Errorf("close %s: %w", b.tmp, err)
	}
	if err := os.Chmod(b.tmp, FileMode); err != nil {
		removeTemp(b.tmp)
		return fmt.Errorf("chmod %s: %w", b.tmp, err)
	}
	// Readers that hold the old file keep their snapshot; new readers get
	// the new file. No reader waits.
	if err := os.Rename(b.tmp, b.final); err != nil {
		removeTemp(b.tmp)
		return fmt.Errorf("replace %s: %w", b.final, err)
	}
	forgetTemp(b.tmp)
	if d, err := os.Open(filepath.Dir(b.final)); err == nil {
		d.Sync()
		d.Close()
	}
	total := 0
	for src, m := range b.meta.Ecosystems {
		total += m.Records
		es := b.stats.eco(src)
		es.Records = m.Records
		b.stats.Ecosystems[src] = es
	}
	b.stats.Records = total
	for src, m := range b.meta.Sources {
		if b.stats.Sources == nil {
			b.stats.Sources = map[string]SourceStats{}
		}
		ss := b.stats.Sources[src]
		ss.Records = m.Records
		if ss.Mode == "" {
			ss.Mode = "kept"
		}
		b.stats.Sources[src] = ss
	}
	return nil
}

// abort closes and removes the temporary file.
func (b *builder) abort() {
	b.db.Close()
	removeTemp(b.tmp)
}

// dedupe drops repeated entries (the same record listed under two
// sources, or one affected entry repeated).
func dedupe(es []Entry) []Entry {
	if len(es) < 2 {
		return es
	}
	seen := make(map[string]bool, len(es))
	out := es[:0]
	for _, e := range es {
		k := string(encodeEntries([]Entry{e}))
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, e)
	}
	return out
}

// copyFrom carries the records of the given sources over from an old
// database, except the ids in skip.
func (b *builder) copyFrom(old *DB, sources map[string]bool, skip map[string]bool) error {
	if old == nil {
		return nil
	}
	return old.View(func(t *Tx) error {
		for src := range sources {
			err := t.ForEachIn(src, func(id string, raw []byte) error {
				if skip[id] {
					return nil
				}
				rec, err := ParseRecord(raw)
				if err != nil {
					b.stats.problem("%s: record %s in the old database: %v", old.path, id, err)
					return nil
				}
				return b.add(src, rec, raw)
			})
			if err != nil {
				return err
			}
			if m, ok := old.meta.Ecosystems[src]; ok {
				b.setEcosystemInfo(src, m.Source, m.Updated)
				// Keep the newest time the old database knew (it may come
				// from the export's index rather than the records).
				cur := b.meta.Ecosystems[src]
				if m.Newest.After(cur.Newest) {
					cur.Newest = m.Newest
					b.meta.Ecosystems[src] = cur
				}
			}
		}
		return nil
	})
}
