// Package store owns watcher's bbolt file: its schema version, bucket
// layout, key encodings and record format, the latest snapshot of every
// document with a bounded revision history, the observation history of every
// metric, per-source fetch state, the alert outbox, Slack thread anchors,
// retention and hot backup.
//
// It is the only package that knows bucket names and key encodings; the other
// stages read and write through Tx so that one document's snapshot,
// observations and alerts are committed in a single transaction.
//
// Records are JSON objects carrying a record version ("v":1), so the file can
// be read by `watcher export` and by bbolt's own tooling; except fetch
// states (a compact binary form, fetchstate_codec.go), the outbox counts
// (big-endian integers), and large alert payloads, deflated inside their
// JSON record (alert_codec.go).
package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the layout version this package reads and writes. Open
// refuses a file written with a newer one rather than misread it, and
// migrates an older one (after backing it up).
//
// Versions: 1, the first; 2 gives observations a period and an as-of date,
// indexes official values by period and keeps a summary per metric; 3
// stores alert payloads deflated (payload_z), which a watcher of schema 2
// would read as empty, keeps the outbox's counts and an index of failed
// alerts, writes a snapshot's figures after its other fields and gives
// fetch states the hash of the last body read whole. Records of schema 2
// read as they are; the migration only counts the outbox. 4 stores fetch
// states in a compact binary form instead of JSON (a third of the pages a
// warm cycle reads), which a watcher of schema 3 cannot read; the
// migration rewrites them.
const SchemaVersion = 4

// Defaults for Options.
const (
	DefaultTimeout       = 2 * time.Second
	DefaultRevisionLimit = 20
	// DefaultInitialMmapSize is large enough that a read transaction held
	// while the file grows does not block writers on a remap for the first
	// 64 MiB of data; it costs address space, not memory.
	DefaultInitialMmapSize = 64 << 20
)

// ErrLocked is returned (wrapped, with the path) when the file lock cannot be
// had within Options.Timeout: another watcher, or another command, has the
// database open.
var ErrLocked = errors.New("database is in use by another watcher")

// ErrUnknownSchema is returned (wrapped) by Open when the file was written by
// a newer watcher whose schema this one does not know.
var ErrUnknownSchema = errors.New("unknown database schema version")

// ErrNotWatcherDB is returned (wrapped) by Open when the file is not a bbolt
// database, or is a bbolt database that watcher did not create.
var ErrNotWatcherDB = errors.New("not a watcher database")

// ErrNotFound is returned (wrapped) when an update names a record that does
// not exist, such as PutAlert with an unknown ID.
var ErrNotFound = errors.New("not found")

// Options tunes Open. The zero value is ready to use.
type Options struct {
	// Timeout bounds the wait for the file lock; DefaultTimeout when zero or
	// negative. bbolt itself would wait forever.
	Timeout time.Duration
	// ReadOnly opens the file with a shared lock for inspection. It still
	// conflicts with a read-write opener (the daemon).
	ReadOnly bool
	// Logger receives the store's and bbolt's diagnostics; discarded when nil.
	Logger *slog.Logger
	// RevisionLimit is how many previous versions of each document are kept;
	// DefaultRevisionLimit when zero, none when negative.
	RevisionLimit int
	// InitialMmapSize overrides DefaultInitialMmapSize when positive.
	InitialMmapSize int
	// Now is the clock used for timestamps the caller left zero; time.Now
	// when nil.
	Now func() time.Time
	// NoFreelistSync stops bbolt writing its list of free pages at every
	// commit, as etcd runs it. A long-running writer wants it: under
	// retention a quarter of the file or more is free, each commit then
	// needs one contiguous run of pages for that list, and failing to find
	// one in a fragmented file grows the file by 16 MiB. The price is paid
	// at open, where the list is rebuilt by reading every page (about
	// 0.1 s and the whole file in memory for 160 MB), so a short run
	// (`watcher once`) should leave it off.
	NoFreelistSync bool
}

// DB is an open watcher database. It is safe for concurrent use; bbolt
// serialises writers and lets readers run alongside them.
type DB struct {
	bolt          *bolt.DB
	path          string
	log           *slog.Logger
	revisionLimit int
	now           func() time.Time
	group         groupCommit // see Batch
	codec         alertCodec  // alert payloads, in alert_codec.go
	obs           obsCache    // decoded index records, in obscache.go
}

// Bucket names. Nested buckets live under revisions (one per document) and
// metrics (one per metric).
var (
	bucketMeta      = []byte("meta")
	bucketSources   = []byte("sources")
	bucketDocs      = []byte("docs")
	bucketRevisions = []byte("revisions")
	bucketMetrics   = []byte("metrics")
	bucketOutbox    = []byte("outbox")
	// bucketPending indexes the IDs of pending alerts so that the delivery
	// loop's frequent PendingAlerts does not decode every retained alert.
	bucketPending = []byte("outbox_pending")
	bucketThreads = []byte("threads")
	// bucketItems holds the feed items whose links are followed, by
	// source and item key.
	bucketItems = []byte("items")
	// bucketClaims indexes claim_mismatch alerts by metric and value.
	bucketClaims = []byte("claims")
	// bucketLatest indexes the newest observation of each metric by
	// authority, and bucketValues the first official observation of each
	// distinct official value, so the diff of a poll reads neither by
	// scanning a metric's whole history.
	bucketLatest = []byte("metrics_latest")
	bucketValues = []byte("metrics_values")
	// bucketPeriods holds the official value of each metric for each
	// period, by metric, period kind and time (schema 2), and
	// bucketSummary one MetricSummary per metric.
	bucketPeriods = []byte("metrics_periods")
	bucketSummary = []byte("metrics_summary")

	allBuckets = [][]byte{bucketMeta, bucketSources, bucketDocs, bucketRevisions, bucketMetrics, bucketOutbox, bucketPending, bucketThreads, bucketItems, bucketClaims, bucketLatest, bucketValues, bucketPeriods, bucketSummary}

	keySchemaVersion = []byte("schema_version")
	keyCreated       = []byte("created")
	keyRetentionRan  = []byte("retention_ran")
)

// boltMagic is the magic number at the start of every bbolt meta page.
const boltMagic = 0xED0CDAED

// Open opens the database at path, creating it (and its parent directory,
// 0o750) with mode 0o600 when it does not exist. It writes the schema version
// into a new file, refuses a file of a newer schema, and creates any missing
// bucket. A file locked by another process yields an error wrapping ErrLocked
// after opts.Timeout.
func Open(path string, opts Options) (*DB, error) {
	if path == "" {
		return nil, errors.New("open database: empty path")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.RevisionLimit == 0 {
		opts.RevisionLimit = DefaultRevisionLimit
	}
	if opts.InitialMmapSize <= 0 {
		opts.InitialMmapSize = DefaultInitialMmapSize
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}

	if !opts.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("open database %s: create directory: %w", path, err)
		}
	}
	if err := checkFile(path, opts.ReadOnly); err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}

	bdb, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:         opts.Timeout,
		ReadOnly:        opts.ReadOnly,
		InitialMmapSize: opts.InitialMmapSize,
		// The hashmap freelist stays fast as the file fragments; the array
		// one degrades with many free pages.
		FreelistType:   bolt.FreelistMapType,
		NoFreelistSync: opts.NoFreelistSync,
		Logger:         boltLogger{opts.Logger.With("component", "bbolt")},
	})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("open database %s: %w (lock not acquired within %s)", path, ErrLocked, opts.Timeout)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrChecksum):
		return nil, fmt.Errorf("open database %s: %w: not a valid bbolt file: %w", path, ErrNotWatcherDB, err)
	case err != nil:
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}

	db := &DB{
		bolt:          bdb,
		path:          path,
		log:           opts.Logger,
		revisionLimit: opts.RevisionLimit,
		now:           opts.Now,
	}
	if opts.ReadOnly {
		err = bdb.View(func(tx *bolt.Tx) error {
			_, err := db.checkSchema(tx)
			return err
		})
	} else {
		err = db.backupOld()
		if err == nil {
			err = bdb.Update(db.initSchema)
		}
	}
	if err != nil {
		_ = bdb.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db.log.Debug("database opened", "path", path, "read_only", opts.ReadOnly, "schema", SchemaVersion)
	return db, nil
}

// checkFile refuses, before bbolt opens it, a file that cannot be a bbolt
// database, so that the error says so: bbolt reports such files variously
// ("file size too small", "invalid database") and would take a lock and map
// a file the user most likely named by mistake.
func checkFile(path string, readOnly bool) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) && !readOnly {
		return nil // bbolt creates it
	}
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if info.IsDir() {
		return errors.New("is a directory")
	}
	if info.Size() == 0 {
		if readOnly {
			return fmt.Errorf("%w: empty file", ErrNotWatcherDB)
		}
		return nil // bbolt initialises an empty file
	}
	// The first meta page: a 16-byte page header, then magic, version and
	// page size, in the machine's byte order as bbolt writes them.
	var hdr [28]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil {
		return fmt.Errorf("%w: file too short for a bbolt header", ErrNotWatcherDB)
	}
	if binary.NativeEndian.Uint32(hdr[16:20]) != boltMagic {
		return fmt.Errorf("%w: no bbolt header", ErrNotWatcherDB)
	}
	if pageSize := int64(binary.NativeEndian.Uint32(hdr[24:28])); pageSize < 512 || info.Size() < 2*pageSize {
		return fmt.Errorf("%w: truncated bbolt file (%d bytes)", ErrNotWatcherDB, info.Size())
	}
	return nil
}

// initSchema writes the schema version into a new file, validates it in an
// existing one, and creates missing buckets.
func (db *DB) initSchema(tx *bolt.Tx) error {
	var (
		v   int
		err error
	)
	if tx.Bucket(bucketMeta) == nil {
		// A bbolt file with buckets but no meta belongs to another program;
		// adding ours to it would only hide the mistake.
		var foreign []byte
		_ = tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			foreign = name
			return errStop
		})
		if foreign != nil {
			return fmt.Errorf("%w: bucket %q but no %q bucket", ErrNotWatcherDB, foreign, bucketMeta)
		}
		meta, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return fmt.Errorf("create bucket %s: %w", bucketMeta, err)
		}
		if err := meta.Put(keySchemaVersion, []byte(strconv.Itoa(SchemaVersion))); err != nil {
			return fmt.Errorf("write schema version: %w", err)
		}
		if err := meta.Put(keyCreated, []byte(db.now().UTC().Format(time.RFC3339))); err != nil {
			return fmt.Errorf("write creation time: %w", err)
		}
		v = SchemaVersion
	} else if v, err = db.checkSchema(tx); err != nil {
		return err
	}
	for _, name := range slices.Concat(allBuckets, appBuckets) {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	if v < SchemaVersion {
		if err := db.migrate(tx, v); err != nil {
			return err
		}
	}
	return db.initOutboxCounts(tx)
}

// checkSchema refuses a file without a schema version or with one this
// package does not know, and returns the file's version.
func (db *DB) checkSchema(tx *bolt.Tx) (int, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return 0, fmt.Errorf("%w: no %q bucket", ErrNotWatcherDB, bucketMeta)
	}
	raw := meta.Get(keySchemaVersion)
	if raw == nil {
		return 0, fmt.Errorf("%w: no schema version", ErrNotWatcherDB)
	}
	v, err := strconv.Atoi(string(raw))
	if err != nil || v < 1 {
		return 0, fmt.Errorf("%w: schema version %q", ErrUnknownSchema, raw)
	}
	if v > SchemaVersion {
		return 0, fmt.Errorf("%w: file has schema %d, this watcher knows up to %d; upgrade watcher", ErrUnknownSchema, v, SchemaVersion)
	}
	return v, nil
}

// errStop ends a bbolt ForEach early.
var errStop = errors.New("stop")

// Close releases the file and its lock. It waits for open transactions.
func (db *DB) Close() error {
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("close database %s: %w", db.path, err)
	}
	return nil
}

// Path is the file the database was opened from.
func (db *DB) Path() string { return db.path }

// RevisionLimit is how many previous versions of a document PutSnapshot
// keeps (0: none).
func (db *DB) RevisionLimit() int { return max(db.revisionLimit, 0) }

// Update runs fn in a read-write transaction and commits it when fn returns
// nil; any error (or panic) rolls everything fn wrote back. It returns
// ctx.Err() without running fn when ctx is done, also after waiting for the
// writer lock. Keep fn short and free of network I/O: it holds the only
// writer slot.
func (db *DB) Update(ctx context.Context, fn func(*Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.bolt.Update(func(btx *bolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return fn(&Tx{tx: btx, db: db})
	})
}

// ReadTransactions is how many read transactions the database has begun
// since it was opened: the work a read path costs, which tests count
// where a timing would be noise.
func (db *DB) ReadTransactions() int { return db.bolt.Stats().TxN }

// View runs fn in a read-only transaction over a consistent snapshot. It
// returns ctx.Err() without running fn when ctx is done. A long View keeps
// old pages alive and stalls a growing writer: read, return, then work.
func (db *DB) View(ctx context.Context, fn func(*Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.bolt.View(func(btx *bolt.Tx) error {
		return fn(&Tx{tx: btx, db: db})
	})
}

// Size is the size in bytes of the data in the file (the file itself may be
// larger: bbolt never shrinks it).
func (db *DB) Size(ctx context.Context) (int64, error) {
	var n int64
	err := db.View(ctx, func(tx *Tx) error {
		n = tx.tx.Size()
		return nil
	})
	return n, err
}

// Backup writes a consistent copy of the database to w while it stays in
// use, and returns the number of bytes written. The copy is a complete bbolt
// file that Open accepts. Cancelling ctx aborts the copy.
func (db *DB) Backup(ctx context.Context, w io.Writer) (int64, error) {
	var n int64
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		n, err = tx.tx.WriteTo(ctxWriter{ctx: ctx, w: w})
		return err
	})
	if err != nil {
		return n, fmt.Errorf("back up database %s: %w", db.path, err)
	}
	return n, nil
}

// BackupFile writes a consistent copy of the database to path (mode 0o600)
// through a temporary file in the same directory, so that path holds either
// its old content or a complete backup, never a partial one.
func (db *DB) BackupFile(ctx context.Context, path string) (int64, error) {
	if abs, err := filepath.Abs(path); err == nil {
		if self, err := filepath.Abs(db.path); err == nil && abs == self {
			return 0, fmt.Errorf("back up database %s: refusing to overwrite the database itself", db.path)
		}
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return 0, fmt.Errorf("back up database to %s: %w", path, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return 0, fmt.Errorf("back up database to %s: %w", path, err)
	}
	n, err := db.Backup(ctx, f)
	if err != nil {
		return n, err
	}
	if err := f.Sync(); err != nil {
		return n, fmt.Errorf("back up database to %s: sync: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return n, fmt.Errorf("back up database to %s: close: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return n, fmt.Errorf("back up database to %s: %w", path, err)
	}
	ok = true
	return n, nil
}

// ctxWriter fails writes once ctx is done, so a backup to a slow writer can
// be abandoned.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// pruneBatch bounds how many records one retention transaction deletes, so
// that pruning a large backlog does not hold the writer for long.
const pruneBatch = 1000

// PruneSent deletes sent and failed alerts whose last activity (SentAt, or
// Created when never sent) is before olderThan, and returns how many it
// deleted. Pending alerts are never pruned. It works in short transactions
// and stops with ctx.Err() when ctx is done.
func (db *DB) PruneSent(ctx context.Context, olderThan time.Time) (int, error) {
	total, err := db.pruneBucket(ctx, bucketOutbox, func(k, v []byte) (bool, error) {
		var a Alert
		if err := decode(v, &a); err != nil {
			return false, fmt.Errorf("read alert %d: %w", btoi(k), err)
		}
		last := a.Created
		if a.SentAt.After(last) {
			last = a.SentAt
		}
		return (a.Status == StatusSent || a.Status == StatusFailed) && last.Before(olderThan), nil
	}, func(tx *Tx, k []byte) error { return tx.unindexAlert(k) })
	if err != nil {
		return total, fmt.Errorf("prune outbox: %w", err)
	}
	if total > 0 {
		db.log.Info("pruned outbox", "alerts", total, "before", olderThan)
	}
	return total, nil
}

// PruneOfficialValues drops the distinct-official-values index entries
// first stated before olderThan: past that horizon a claim repeating such
// a value is no longer recognised as "since revised".
func (db *DB) PruneOfficialValues(ctx context.Context, olderThan time.Time) (int, error) {
	n, err := db.pruneBucket(ctx, bucketValues, func(k, v []byte) (bool, error) {
		var o Observation
		if err := decode(v, &o); err != nil {
			return false, fmt.Errorf("read official value %q: %w", k, err)
		}
		return o.Observed.Before(olderThan), nil
	}, func(*Tx, []byte) error { return nil })
	if err != nil {
		return n, fmt.Errorf("prune official values: %w", err)
	}
	return n, nil
}

// pruneBucket deletes the records of the top-level bucket name for which
// drop is true. It looks for them in read transactions, so a pass that
// finds nothing old costs no write (and no fsync), and deletes them in
// transactions of at most pruneBatch deletions so a large clean-up never
// holds the writer for long. A record is checked again inside the
// deleting transaction: a poll may have refreshed it since it was read.
// onDelete keeps other buckets in step, in the same transaction as each
// deletion.
func (db *DB) pruneBucket(ctx context.Context, name []byte, drop func(k, v []byte) (bool, error), onDelete func(tx *Tx, k []byte) error) (int, error) {
	total := 0
	var after []byte
	for {
		var done bool
		var cands [][]byte
		err := db.View(ctx, func(tx *Tx) error {
			b := tx.tx.Bucket(name)
			if b == nil {
				done = true
				return nil
			}
			c := b.Cursor()
			k, v := c.First()
			if after != nil {
				k, v = c.Seek(after)
				if bytes.Equal(k, after) {
					k, v = c.Next()
				}
			}
			var last []byte
			for ; k != nil && len(cands) < pruneBatch; k, v = c.Next() {
				ok, err := drop(k, v)
				if err != nil {
					return err
				}
				if ok {
					cands = append(cands, bytes.Clone(k))
				}
				last = k
			}
			if last != nil {
				after = bytes.Clone(last)
			}
			done = k == nil
			return nil
		})
		if err != nil {
			return total, err
		}
		n, err := db.deleteKeys(ctx, name, cands, drop, onDelete)
		total += n
		if err != nil {
			return total, err
		}
		if done {
			return total, nil
		}
	}
}

// deleteKeys deletes, in one transaction, those of keys in the top-level
// bucket name that still exist and for which drop is still true, calling
// onDelete for each. It returns how many it deleted.
func (db *DB) deleteKeys(ctx context.Context, name []byte, keys [][]byte, drop func(k, v []byte) (bool, error), onDelete func(tx *Tx, k []byte) error) (int, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	var n int
	err := db.Update(ctx, func(tx *Tx) error {
		n = 0
		b := tx.tx.Bucket(name)
		if b == nil {
			return nil
		}
		for _, k := range keys {
			v := b.Get(k)
			if v == nil {
				continue
			}
			ok, err := drop(k, v)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if err := b.Delete(k); err != nil {
				return fmt.Errorf("delete %s %q: %w", name, k, err)
			}
			if err := onDelete(tx, k); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// PruneItems deletes the followed feed items not seen since olderThan
// that keep does not spare, and the claim records first alerted before it.
func (db *DB) PruneItems(ctx context.Context, olderThan time.Time, keep func(Item) bool) (int, error) {
	n, err := db.pruneBucket(ctx, bucketItems, func(k, v []byte) (bool, error) {
		var it Item
		if err := decode(v, &it); err != nil {
			return false, fmt.Errorf("read item %q: %w", k, err)
		}
		return it.Seen.Before(olderThan) && (keep == nil || !keep(it)), nil
	}, func(*Tx, []byte) error { return nil })
	if err != nil {
		return n, fmt.Errorf("prune items: %w", err)
	}
	m, err := db.pruneBucket(ctx, bucketClaims, func(k, v []byte) (bool, error) {
		var c Claim
		if err := decode(v, &c); err != nil {
			return false, fmt.Errorf("read claim %q: %w", k, err)
		}
		return c.First.Before(olderThan), nil
	}, func(*Tx, []byte) error { return nil })
	if err != nil {
		return n + m, fmt.Errorf("prune claims: %w", err)
	}
	return n + m, nil
}

// DropDocuments deletes the snapshots (and revision histories) of the
// documents docIDs that are still last seen before olderThan and not
// spared by keep, in transactions of at most pruneBatch deletions, and
// returns how many it deleted. The caller finds the candidates (retention
// reads snapshots and items to spare what feeds still list or link to);
// the test is made again here because a poll may have seen a document
// since. Pick a horizon well beyond how long a feed lists an item: a
// dropped document that shows up again is new to watcher.
func (db *DB) DropDocuments(ctx context.Context, docIDs []string, olderThan time.Time, keep func(Snapshot) bool) (int, error) {
	drop := oldSnapshot(olderThan, keep)
	total := 0
	for batch := range slices.Chunk(docIDs, pruneBatch) {
		keys := make([][]byte, len(batch))
		for i, id := range batch {
			keys[i] = []byte(id)
		}
		n, err := db.deleteKeys(ctx, bucketDocs, keys, drop, deleteRevisions)
		total += n
		if err != nil {
			return total, fmt.Errorf("drop documents: %w", err)
		}
	}
	if total > 0 {
		db.log.Info("pruned documents", "docs", total, "before", olderThan)
	}
	return total, nil
}

// oldSnapshot is the test DropDocuments deletes by.
func oldSnapshot(olderThan time.Time, keep func(Snapshot) bool) func(k, v []byte) (bool, error) {
	return func(k, v []byte) (bool, error) {
		var s Snapshot
		if err := decode(v, &s); err != nil {
			return false, fmt.Errorf("read snapshot %s: %w", k, err)
		}
		return s.LastSeen.Before(olderThan) && (keep == nil || !keep(s)), nil
	}
}

// deleteRevisions drops a deleted document's revision history.
func deleteRevisions(tx *Tx, k []byte) error {
	revs := tx.tx.Bucket(bucketRevisions)
	if revs == nil {
		return nil
	}
	if err := revs.DeleteBucket(k); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
		return fmt.Errorf("delete revisions of %s: %w", k, err)
	}
	return nil
}

// PruneObservations deletes observations made before olderThan, except the
// newest one of each metric from each authority, which diff compares new
// figures against. It returns how many it deleted.
func (db *DB) PruneObservations(ctx context.Context, olderThan time.Time) (int, error) {
	var metrics []string
	if err := db.View(ctx, func(tx *Tx) error {
		var err error
		metrics, err = tx.Metrics()
		return err
	}); err != nil {
		return 0, fmt.Errorf("prune observations: %w", err)
	}
	total := 0
	for _, metric := range metrics {
		var n int
		err := db.Update(ctx, func(tx *Tx) error {
			b := tx.metricBucket(metric)
			if b == nil {
				return nil
			}
			kept := map[string]bool{}
			var del [][]byte
			official := 0
			c := b.Cursor()
			for k, v := c.Last(); k != nil; k, v = c.Prev() {
				var o Observation
				if err := decode(v, &o); err != nil {
					return fmt.Errorf("read observation %s/%x: %w", metric, k, err)
				}
				if !kept[o.Authority] {
					kept[o.Authority] = true
					continue
				}
				if o.Observed.Before(olderThan) {
					del = append(del, bytes.Clone(k))
					if o.Authority == "official" {
						official++
					}
				}
			}
			for _, k := range del {
				if err := b.Delete(k); err != nil {
					return fmt.Errorf("delete observation %s/%x: %w", metric, k, err)
				}
			}
			n = len(del)
			if n == 0 {
				return nil
			}
			if _, err := b.NextSequence(); err != nil { // see HistoryVersion
				return err
			}
			// The summary counts what is retained; the current value and
			// the period index are kept (the period index holds one record
			// per period, the values a series is compared with).
			sum, ok, err := tx.MetricSummary(metric)
			if err != nil || !ok {
				return err
			}
			sum.Observations = max(sum.Observations-n, 0)
			sum.Official = max(sum.Official-official, 0)
			tx.forgetIndexes()
			return tx.put(bucketSummary, []byte(metric), sum)
		})
		if err != nil {
			return total, fmt.Errorf("prune observations of %s: %w", metric, err)
		}
		total += n
	}
	if total > 0 {
		db.log.Info("pruned observations", "observations", total, "before", olderThan)
	}
	return total, nil
}
