package agent

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func pop(t *testing.T, q *Queue) Item {
	t.Helper()
	it, name, err := q.Peek()
	if err != nil {
		t.Fatal(err)
	}
	q.Remove(name)
	return it
}

func TestQueueOrderAndPersistence(t *testing.T) {
	dir := t.TempDir()
	q, err := OpenQueue(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 12 { // past 9 -> 10: names must sort numerically
		if err := q.Push(Item{Method: "POST", Path: fmt.Sprintf("/p%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := pop(t, q).Path; got != "/p0" {
		t.Errorf("first = %s; want /p0", got)
	}
	// A restart finds the rest, in order, and keeps numbering after them.
	q2, err := OpenQueue(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	q2.Push(Item{Path: "/last"})
	var paths []string
	for q2.Len() > 0 {
		paths = append(paths, pop(t, q2).Path)
	}
	if strings.Join(paths, " ") != "/p1 /p2 /p3 /p4 /p5 /p6 /p7 /p8 /p9 /p10 /p11 /last" {
		t.Errorf("order after reopen = %v", paths)
	}
}

func TestQueueBoundDropsOldest(t *testing.T) {
	q, err := OpenQueue(t.TempDir(), 2000)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(strings.Repeat("x", 300))
	for i := range 10 {
		q.Push(Item{Path: fmt.Sprintf("/p%d", i), Body: body})
	}
	if q.Dropped() == 0 || q.Len() >= 10 {
		t.Fatalf("len %d, dropped %d; want the oldest dropped", q.Len(), q.Dropped())
	}
	if q.Dropped()+uint64(q.Len()) != 10 {
		t.Errorf("dropped %d + kept %d != 10", q.Dropped(), q.Len())
	}
	if got := pop(t, q).Path; got == "/p0" {
		t.Error("the oldest item survived")
	}
	// An item larger than the bound is refused and counted.
	before := q.Dropped()
	if err := q.Push(Item{Body: make([]byte, 5000)}); err == nil || q.Dropped() != before+1 {
		t.Errorf("oversized push: %v, dropped %d", err, q.Dropped())
	}
	// The counter survives a restart.
	q2, _ := OpenQueue(q.dir, 2000)
	if q2.Dropped() != q.Dropped() {
		t.Errorf("dropped after reopen = %d; want %d", q2.Dropped(), q.Dropped())
	}
}

func TestQueueKeyReplaces(t *testing.T) {
	q, _ := OpenQueue(t.TempDir(), 1<<20)
	q.Push(Item{Path: "/inv", Body: []byte("old"), Key: "inventory"})
	q.Push(Item{Path: "/alerts", Body: []byte("a")})
	q.Push(Item{Path: "/inv", Body: []byte("new"), Key: "inventory"})
	if q.Len() != 2 || !q.Pending("inventory") || q.Pending("audit") {
		t.Fatalf("len %d", q.Len())
	}
	if it := pop(t, q); it.Path != "/alerts" {
		t.Errorf("first = %+v; want the alerts (the old inventory was replaced)", it)
	}
	if it := pop(t, q); string(it.Body) != "new" {
		t.Errorf("inventory body = %q; want the new one", it.Body)
	}
}

func TestQueueDamagedItem(t *testing.T) {
	q, _ := OpenQueue(t.TempDir(), 1<<20)
	q.Push(Item{Path: "/a"})
	q.Push(Item{Path: "/b"})
	names, _ := q.names()
	os.WriteFile(filepath.Join(q.dir, names[0]), []byte("{not json"), 0o600)
	if it := pop(t, q); it.Path != "/b" || q.Dropped() != 1 {
		t.Errorf("got %+v, dropped %d; want /b and the damaged item counted", it, q.Dropped())
	}
	if _, _, err := q.Peek(); err != errEmpty {
		t.Errorf("Peek on empty = %v", err)
	}
}

func TestBackoff(t *testing.T) {
	for n := range 12 {
		d := backoff(n)
		if d <= 0 || d > 60e9 {
			t.Errorf("backoff(%d) = %v", n, d)
		}
	}
	if backoff(10) < backoff(1) {
		t.Error("backoff does not grow")
	}
}
