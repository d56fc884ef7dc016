package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/bulkhead-sec/bulkhead/internal/store"
	"github.com/bulkhead-sec/bulkhead/internal/vulndb"
)

// MatchArgs is the job that matches one stored image's SBOM.
type MatchArgs struct {
	Digest string `json:"digest"`
}

// Kind names the job for River.
func (MatchArgs) Kind() string { return "bulkhead.match" }

// RematchArgs is the job that queues a match of every image whose findings
// come from an older vulnerability database than the current one (All: of
// every image).
type RematchArgs struct {
	All bool `json:"all,omitempty"`
}

// Kind names the job for River.
func (RematchArgs) Kind() string { return "bulkhead.rematch" }

// UpdateArgs is the job that runs `db update` in the server, then a rematch.
type UpdateArgs struct{}

// Kind names the job for River.
func (UpdateArgs) Kind() string { return "bulkhead.dbupdate" }

// RetentionArgs is the job that deletes old data.
type RetentionArgs struct{}

// Kind names the job for River.
func (RetentionArgs) Kind() string { return "bulkhead.retention" }

// JobsConfig configures the job engine.
type JobsConfig struct {
	// Work runs workers in this process (roles worker and all); without it
	// the client only inserts jobs (role api).
	Work bool
	// ID names this process among the workers (River's client ID).
	ID string
	// Workers is how many jobs this process runs at once (default 4).
	Workers int
	// JobTimeout bounds one job (default 10 min); RescueAfter is when a job
	// left running by a dead worker is retried (default 15 min, at least
	// JobTimeout).
	JobTimeout, RescueAfter time.Duration
	// UpdateEvery runs `db update` in the server that often (0: never;
	// rematches still follow a database changed by `bulkhead db update`).
	UpdateEvery time.Duration
	// Update says where db update fetches from.
	Update vulndb.UpdateOptions
	// RematchEvery checks for a changed vulnerability database (default 5 min).
	RematchEvery time.Duration
	// Retention: alerts, changes and the admin log older than Keep are
	// deleted, hosts silent for KeepHosts, images neither running nor
	// reported for KeepImages (defaults 90, 30, 30 days).
	Keep, KeepHosts, KeepImages time.Duration
	Logger                      *slog.Logger
	Metrics                     *Metrics
}

// Jobs is the River client of the server, on PostgreSQL or SQLite.
type Jobs struct {
	insert func(ctx context.Context, ps []river.InsertManyParams) error
	start  func(ctx context.Context) error
	stop   func(ctx context.Context) error
	close  func()
}

// EnqueueMatch queues a match of digest (a changed SBOM: always queued,
// even when a match of it is running, since that one saw the old SBOM).
func (j *Jobs) EnqueueMatch(ctx context.Context, digest string) error {
	return j.insert(ctx, []river.InsertManyParams{{Args: MatchArgs{Digest: digest}}})
}

// Enqueue queues any of the server's jobs.
func (j *Jobs) Enqueue(ctx context.Context, args river.JobArgs) error {
	return j.insert(ctx, []river.InsertManyParams{{Args: args}})
}

// Start starts the workers (a no-op for an insert-only client).
func (j *Jobs) Start(ctx context.Context) error { return j.start(ctx) }

// Stop waits for running jobs to finish (until ctx ends) and stops.
func (j *Jobs) Stop(ctx context.Context) error {
	err := j.stop(ctx)
	j.close()
	return err
}

// NewJobs opens the River client over the store's database and applies
// River's migrations.
func NewJobs(ctx context.Context, st *store.Store, m *Matcher, cfg JobsConfig) (*Jobs, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = 10 * time.Minute
	}
	if cfg.RescueAfter < cfg.JobTimeout {
		cfg.RescueAfter = max(cfg.JobTimeout, 15*time.Minute)
	}
	if cfg.RematchEvery <= 0 {
		cfg.RematchEvery = 5 * time.Minute
	}
	day := 24 * time.Hour
	if cfg.Keep <= 0 {
		cfg.Keep = 90 * day
	}
	if cfg.KeepHosts <= 0 {
		cfg.KeepHosts = 30 * day
	}
	if cfg.KeepImages <= 0 {
		cfg.KeepImages = 30 * day
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	switch st.Dialect() {
	case store.Postgres:
		pool, err := pgxpool.New(ctx, st.URL())
		if err != nil {
			return nil, fmt.Errorf("job engine: %w", err)
		}
		j, err := newJobs(ctx, riverpgxv5.New(pool), st, m, cfg)
		if err != nil {
			pool.Close()
			return nil, err
		}
		j.close = pool.Close
		return j, nil
	default:
		// River on SQLite wants one connection: SQLite runs one writer.
		db, err := st.OpenSQLitePool(1)
		if err != nil {
			return nil, fmt.Errorf("job engine: %w", err)
		}
		j, err := newJobs(ctx, riversqlite.New(db), st, m, cfg)
		if err != nil {
			db.Close()
			return nil, err
		}
		j.close = func() { db.Close() }
		return j, nil
	}
}

func newJobs[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], st *store.Store, m *Matcher, cfg JobsConfig) (*Jobs, error) {
	mig, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("job engine migrations: %w", err)
	}
	if _, err := mig.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fmt.Errorf("job engine migrations: %w", err)
	}
	var client *river.Client[TTx]
	insert := func(ctx context.Context, ps []river.InsertManyParams) error {
		for len(ps) > 0 {
			n := min(len(ps), 1000)
			if _, err := client.InsertMany(ctx, ps[:n]); err != nil {
				return fmt.Errorf("queue jobs: %w", err)
			}
			ps = ps[n:]
		}
		return nil
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &matchWorker{m: m, metrics: cfg.Metrics})
	river.AddWorker(workers, &rematchWorker{st: st, m: m, insert: insert, metrics: cfg.Metrics})
	river.AddWorker(workers, &updateWorker{m: m, opts: cfg.Update, insert: insert, metrics: cfg.Metrics})
	river.AddWorker(workers, &retentionWorker{st: st, cfg: cfg})
	rc := &river.Config{
		ID:                   cfg.ID,
		Workers:              workers,
		Logger:               cfg.Logger,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		MaxAttempts:          10,
	}
	if cfg.Work {
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}}
		rc.PeriodicJobs = []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(cfg.RematchEvery), func() (river.JobArgs, *river.InsertOpts) {
				return RematchArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: pendingStates}}
			}, &river.PeriodicJobOpts{ID: "rematch", RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour), func() (river.JobArgs, *river.InsertOpts) {
				return RetentionArgs{}, nil
			}, &river.PeriodicJobOpts{ID: "retention", RunOnStart: true}),
		}
		if cfg.UpdateEvery > 0 {
			rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(cfg.UpdateEvery), func() (river.JobArgs, *river.InsertOpts) {
				return UpdateArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: pendingStates}}
			}, &river.PeriodicJobOpts{ID: "dbupdate"}))
		}
	}
	client, err = river.NewClient(driver, rc)
	if err != nil {
		return nil, fmt.Errorf("job engine: %w", err)
	}
	j := &Jobs{insert: insert}
	j.start = func(ctx context.Context) error {
		if !cfg.Work {
			return nil
		}
		return client.Start(ctx)
	}
	j.stop = func(ctx context.Context) error {
		if !cfg.Work {
			return nil
		}
		return client.Stop(ctx)
	}
	return j, nil
}

// pendingStates are the states in which a second identical job is pointless.
var pendingStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateScheduled, rivertype.JobStateRetryable,
}

func observe(m *Metrics, kind string, start time.Time, err error) {
	if m == nil {
		return
	}
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	m.Jobs.WithLabelValues(kind, outcome).Observe(time.Since(start).Seconds())
}

type matchWorker struct {
	river.WorkerDefaults[MatchArgs]
	m       *Matcher
	metrics *Metrics
}

func (w *matchWorker) Work(ctx context.Context, job *river.Job[MatchArgs]) error {
	start := time.Now()
	_, err := w.m.MatchImage(ctx, job.Args.Digest)
	if errors.Is(err, store.ErrNotFound) {
		err = nil // deleted by retention meanwhile
	}
	observe(w.metrics, "match", start, err)
	return err
}

type rematchWorker struct {
	river.WorkerDefaults[RematchArgs]
	st      *store.Store
	m       *Matcher
	insert  func(context.Context, []river.InsertManyParams) error
	metrics *Metrics
}

func (w *rematchWorker) Work(ctx context.Context, job *river.Job[RematchArgs]) error {
	start := time.Now()
	err := w.work(ctx, job.Args.All)
	observe(w.metrics, "rematch", start, err)
	return err
}

func (w *rematchWorker) work(ctx context.Context, all bool) error {
	built, err := w.m.Built()
	if err != nil {
		return river.JobCancel(err) // no database yet: the next period tries again
	}
	if all {
		built = time.Now().Add(time.Hour)
	}
	digests, err := w.st.ImagesMatchedBefore(ctx, built)
	if err != nil {
		return err
	}
	ps := make([]river.InsertManyParams, len(digests))
	for i, d := range digests {
		ps[i] = river.InsertManyParams{Args: MatchArgs{Digest: d},
			InsertOpts: &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: pendingStates}}}
	}
	return w.insert(ctx, ps)
}

type updateWorker struct {
	river.WorkerDefaults[UpdateArgs]
	m       *Matcher
	opts    vulndb.UpdateOptions
	insert  func(context.Context, []river.InsertManyParams) error
	metrics *Metrics
}

func (w *updateWorker) Timeout(*river.Job[UpdateArgs]) time.Duration { return time.Hour }

func (w *updateWorker) Work(ctx context.Context, job *river.Job[UpdateArgs]) error {
	start := time.Now()
	_, err := vulndb.Update(ctx, w.m.DBPath, w.opts)
	observe(w.metrics, "dbupdate", start, err)
	if err != nil {
		return err
	}
	return w.insert(ctx, []river.InsertManyParams{{Args: RematchArgs{}}})
}

type retentionWorker struct {
	river.WorkerDefaults[RetentionArgs]
	st  *store.Store
	cfg JobsConfig
}

func (w *retentionWorker) Work(ctx context.Context, job *river.Job[RetentionArgs]) error {
	now := time.Now()
	n, err := w.st.Retain(ctx, now.Add(-w.cfg.Keep), now.Add(-w.cfg.KeepHosts), now.Add(-w.cfg.KeepImages))
	w.cfg.Logger.Info("retention", "removed", n)
	return err
}
