// Package db is the sandbox's shared database layer: it opens the SQLite
// database, creates the tables each module contributes, and runs every
// write through one connection, serialized in Go and group-committed
// (concurrent writes share a transaction, each in its own savepoint);
// reads use a pool. The SQL of a table lives with the module that owns it;
// this package knows no table but its own helpers' types.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrClosed is returned by writes on a closed database.
var ErrClosed = errors.New("sandbox is closed")

// DB is the sandbox's SQLite database. Writes go through a pool of one
// connection, so that they are serialized in Go instead of contending for
// SQLite's write lock; reads go through R. For an in-memory database both
// are the same single connection (an in-memory database lives in one
// connection), so code must never query R while it holds a transaction or
// an open *sql.Rows.
type DB struct {
	// R is the pool reads use.
	R *sql.DB
	w *sql.DB

	stmts map[string]*sql.Stmt // read-only after Prepare

	jobs          chan *writeJob
	quit, stopped chan struct{}
}

// Open opens the database at path ("" for in memory) and creates the
// tables of the schemas (each module's CREATE ... IF NOT EXISTS
// statements), in order.
func Open(path string, schemas ...string) (*DB, error) {
	schema := strings.Join(schemas, "\n")
	pragmas := "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)"
	if path == "" || path == ":memory:" {
		db, err := sql.Open("sqlite", "file::memory:?"+pragmas)
		if err != nil {
			return nil, err
		}
		// An in-memory database lives in its connection: keep exactly one,
		// forever.
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
		if _, err := db.Exec(schema); err != nil {
			db.Close()
			return nil, fmt.Errorf("create schema: %w", err)
		}
		return start(db, db), nil
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + pragmas +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	w, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if _, err := w.Exec(schema); err != nil {
		w.Close()
		return nil, fmt.Errorf("create schema: %w", err)
	}
	r, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	return start(w, r), nil
}

// start starts the writer goroutine of a database.
func start(w, r *sql.DB) *DB {
	d := &DB{R: r, w: w, stmts: map[string]*sql.Stmt{}, jobs: make(chan *writeJob), quit: make(chan struct{}), stopped: make(chan struct{})}
	go d.writer()
	return d
}

// Close stops the writer and closes the database; in WAL mode the last
// close checkpoints it.
func (d *DB) Close() error {
	close(d.quit)
	<-d.stopped
	var errR error
	if d.R != d.w {
		errR = d.R.Close()
	}
	return errors.Join(d.w.Close(), errR)
}

// Prepare prepares hot write statements on the writer. It must run while
// no write is in progress and before the DB is used concurrently:
// preparing on the writer while a transaction holds its one connection
// would wait forever.
func (d *DB) Prepare(ctx context.Context, queries ...string) error {
	for _, q := range queries {
		st, err := d.w.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare statement: %w", err)
		}
		d.stmts[q] = st
	}
	return nil
}

// TxStmt returns query as a statement of tx, reusing the writer's prepared
// statement, or preparing it on tx when it was not prepared up front.
func (d *DB) TxStmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if st, ok := d.stmts[query]; ok {
		return tx.StmtContext(ctx, st), nil
	}
	return tx.PrepareContext(ctx, query)
}

// writeJob is one write waiting for the writer goroutine.
type writeJob struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	done chan error // buffered: the writer never blocks on it
}

// maxBatch bounds how many writes share one transaction.
const maxBatch = 64

// Write runs fn in a write transaction and returns once the transaction
// is committed, or fn's error after fn's changes are rolled back.
//
// Writes are group-committed: one goroutine takes the writes waiting at
// the moment, runs each inside its own savepoint of one transaction (a
// failing write is rolled back to its savepoint and leaves the others
// alone) and commits them together. The commit, where SQLite's time goes,
// is shared by concurrent writers.
func (d *DB) Write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	j := &writeJob{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case d.jobs <- j:
	case <-d.quit:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-j.done:
		return err
	case <-d.stopped:
		select {
		case err := <-j.done:
			return err
		default:
			return ErrClosed
		}
	}
}

// writer runs the write jobs until quit is closed.
func (d *DB) writer() {
	defer close(d.stopped)
	for {
		var batch []*writeJob
		select {
		case <-d.quit:
			return
		case j := <-d.jobs:
			batch = append(batch, j)
		}
	more:
		for len(batch) < maxBatch {
			select {
			case j := <-d.jobs:
				batch = append(batch, j)
			default:
				break more
			}
		}
		d.runBatch(batch)
	}
}

// runBatch runs jobs in one transaction, each in its own savepoint.
func (d *DB) runBatch(batch []*writeJob) {
	ctx := context.Background()
	errs := make([]error, len(batch))
	tx, err := d.w.BeginTx(ctx, nil)
	if err != nil {
		for _, j := range batch {
			j.done <- err
		}
		return
	}
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if _, err := tx.ExecContext(ctx, "SAVEPOINT job"); err != nil {
			errs[i] = err
			continue
		}
		errs[i] = j.fn(tx)
		if errs[i] != nil {
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO job"); err != nil {
				errs[i] = errors.Join(errs[i], err)
			}
		}
		if _, err := tx.ExecContext(ctx, "RELEASE job"); err != nil && errs[i] == nil {
			errs[i] = err
		}
	}
	if err := tx.Commit(); err != nil {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	}
	for i, j := range batch {
		j.done <- errs[i]
	}
}

// Queryer is what reads need: the reader pool or a transaction.
type Queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// IsUniqueViolation reports whether err is SQLite's UNIQUE constraint error.
func IsUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// NullString maps "" to NULL.
func NullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// NullInt maps 0 to NULL.
func NullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// CloseRows closes rows and returns the error of the iteration, if any.
func CloseRows(rows *sql.Rows) error {
	err := rows.Err()
	return errors.Join(err, rows.Close())
}

// Placeholders returns n comma-separated "?".
func Placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// TimeLayout is Magento's date-time format, in UTC, as its tables store it.
const TimeLayout = "2006-01-02 15:04:05"

// FormatTime formats t in TimeLayout, in UTC.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }
