package output

import (
	"sort"
	"sync"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/rules"
)

// RateLimit passes at most Burst alerts of one rule at once and Rate per
// second on average after that (one token bucket per rule), so a flood of
// one rule cannot drown the others. Suppressed alerts are counted per rule.
type RateLimit struct {
	next  Output
	rate  float64
	burst float64
	now   func() time.Time
	// OnSuppress, if set, is called (under the limiter's lock) for every
	// suppressed alert, e.g. to count it in Prometheus.
	onSuppress func(rule string)

	mu         sync.Mutex
	buckets    map[string]*bucket
	suppressed map[string]uint64
}

type bucket struct {
	tokens float64
	last   time.Time
}

// RateLimitOptions configure NewRateLimit.
type RateLimitOptions struct {
	Rate       float64           // alerts per second per rule; must be > 0
	Burst      int               // bucket size; default 1
	Now        func() time.Time  // clock, for tests; default time.Now
	OnSuppress func(rule string) // optional hook per suppressed alert
}

// NewRateLimit wraps next with a per-rule token bucket.
func NewRateLimit(next Output, opts RateLimitOptions) *RateLimit {
	if opts.Burst < 1 {
		opts.Burst = 1
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &RateLimit{next: next, rate: opts.Rate, burst: float64(opts.Burst), now: opts.Now,
		onSuppress: opts.OnSuppress, buckets: map[string]*bucket{}, suppressed: map[string]uint64{}}
}

// Allow takes a token for the rule and reports whether the alert may pass.
func (r *RateLimit) Allow(rule string) bool {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.buckets[rule]
	if !ok {
		b = &bucket{tokens: r.burst, last: now}
		r.buckets[rule] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = min(r.burst, b.tokens+el*r.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	r.suppressed[rule]++
	if r.onSuppress != nil {
		r.onSuppress(rule)
	}
	return false
}

// Send forwards the alert when its rule has a token left.
func (r *RateLimit) Send(a rules.Alert) error {
	if !r.Allow(a.Rule) {
		return nil
	}
	return r.next.Send(a)
}

// Close closes the wrapped output.
func (r *RateLimit) Close() error { return r.next.Close() }

// Suppressed returns how many alerts of each rule were held back.
func (r *RateLimit) Suppressed() map[string]uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]uint64, len(r.suppressed))
	for k, v := range r.suppressed {
		out[k] = v
	}
	return out
}

// SuppressedRules lists the rules with suppressed alerts, sorted.
func (r *RateLimit) SuppressedRules() []string {
	m := r.Suppressed()
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var _ Output = (*RateLimit)(nil)
