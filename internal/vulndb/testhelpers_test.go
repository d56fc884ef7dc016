package vulndb

import "fmt"

// Helpers only the tests use.

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
