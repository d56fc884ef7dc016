package agent

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Item is one request waiting to be delivered.
type Item struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Body   []byte `json:"body"`
	// Key names what the request replaces on the server ("inventory",
	// "audit", "image/sha256:..."): a newer item with the same key makes
	// an older undelivered one pointless, so Push removes it.
	Key string `json:"key,omitempty"`
}

// Queue is a bounded on-disk queue of requests, oldest first. When the
// items exceed MaxBytes the oldest are dropped and counted; a restart
// finds the undelivered items where they were.
type Queue struct {
	dir      string
	maxBytes int64

	mu      sync.Mutex
	seq     uint64
	dropped uint64
	wake    chan struct{}
}

const itemExt = ".item"

// OpenQueue opens (creating) the queue in dir.
func OpenQueue(dir string, maxBytes int64) (*Queue, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("agent queue: %w", err)
	}
	q := &Queue{dir: dir, maxBytes: maxBytes, wake: make(chan struct{}, 1)}
	names, err := q.names()
	if err != nil {
		return nil, err
	}
	if len(names) > 0 {
		q.seq = seqOf(names[len(names)-1])
	}
	if b, err := os.ReadFile(filepath.Join(dir, "dropped")); err == nil {
		q.dropped, _ = strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	}
	// Leftovers of a write cut short.
	tmps, _ := filepath.Glob(filepath.Join(dir, "*.tmp"))
	for _, t := range tmps {
		os.Remove(t)
	}
	return q, nil
}

func seqOf(name string) uint64 {
	n, _ := strconv.ParseUint(strings.SplitN(name, "-", 2)[0], 10, 64)
	return n
}

func keyTag(key string) string {
	if key == "" {
		return "none"
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:8])
}

// names returns the item files, oldest first.
func (q *Queue) names() ([]string, error) {
	ents, err := os.ReadDir(q.dir)
	if err != nil {
		return nil, fmt.Errorf("agent queue: %w", err)
	}
	var out []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), itemExt) {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out) // zero-padded sequence numbers sort in order
	return out, nil
}

// Push appends it, replacing an undelivered item with the same key, and
// drops the oldest items beyond the size bound.
func (q *Queue) Push(it Item) error {
	data, err := json.Marshal(it)
	if err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if int64(len(data)) > q.maxBytes {
		q.addDropped(1)
		return fmt.Errorf("agent queue: a %d-byte item exceeds the queue bound of %d bytes; dropped", len(data), q.maxBytes)
	}
	tag := keyTag(it.Key)
	names, err := q.names()
	if err != nil {
		return err
	}
	if it.Key != "" {
		for _, n := range names {
			if strings.HasSuffix(n, "-"+tag+itemExt) {
				os.Remove(filepath.Join(q.dir, n))
			}
		}
	}
	q.seq++
	name := fmt.Sprintf("%020d-%s%s", q.seq, tag, itemExt)
	tmp := filepath.Join(q.dir, name+".tmp")
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("agent queue: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(q.dir, name)); err != nil {
		return fmt.Errorf("agent queue: %w", err)
	}
	q.enforce()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return nil
}

// enforce drops the oldest items until the queue fits its bound.
func (q *Queue) enforce() {
	names, err := q.names()
	if err != nil {
		return
	}
	var total int64
	sizes := make([]int64, len(names))
	for i, n := range names {
		if fi, err := os.Stat(filepath.Join(q.dir, n)); err == nil {
			sizes[i] = fi.Size()
			total += fi.Size()
		}
	}
	dropped := 0
	for i := 0; total > q.maxBytes && i < len(names)-1; i++ {
		os.Remove(filepath.Join(q.dir, names[i]))
		total -= sizes[i]
		dropped++
	}
	if dropped > 0 {
		q.addDropped(dropped)
	}
}

func (q *Queue) addDropped(n int) {
	q.dropped += uint64(n)
	os.WriteFile(filepath.Join(q.dir, "dropped"), []byte(strconv.FormatUint(q.dropped, 10)+"\n"), 0o600)
}

// Dropped returns how many items were dropped to keep the bound, ever.
func (q *Queue) Dropped() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped
}

// Len returns the number of undelivered items.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	names, _ := q.names()
	return len(names)
}

// errEmpty is returned by Peek on an empty queue.
var errEmpty = errors.New("queue empty")

// Peek returns the oldest item and its name, for Remove.
func (q *Queue) Peek() (Item, string, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		names, err := q.names()
		if err != nil {
			return Item{}, "", err
		}
		if len(names) == 0 {
			return Item{}, "", errEmpty
		}
		data, err := os.ReadFile(filepath.Join(q.dir, names[0]))
		var it Item
		if err == nil {
			err = json.Unmarshal(data, &it)
		}
		if err != nil {
			// A damaged item (a disk error, someone's edit): drop and count it.
			os.Remove(filepath.Join(q.dir, names[0]))
			q.addDropped(1)
			continue
		}
		return it, names[0], nil
	}
}

// Remove deletes a delivered item.
func (q *Queue) Remove(name string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	os.Remove(filepath.Join(q.dir, filepath.Base(name)))
}

// Pending reports whether an item with key waits.
func (q *Queue) Pending(key string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	names, _ := q.names()
	tag := "-" + keyTag(key) + itemExt
	for _, n := range names {
		if strings.HasSuffix(n, tag) {
			return true
		}
	}
	return false
}
