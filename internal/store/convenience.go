package store

import "context"

// The methods below run one Tx method in a transaction of its own, for
// callers that need nothing else atomically with it.

// FetchState reads the fetch state of source in its own transaction.
func (db *DB) FetchState(ctx context.Context, source string) (fs FetchState, ok bool, err error) {
	err = db.View(ctx, func(tx *Tx) error {
		fs, ok, err = tx.FetchState(source)
		return err
	})
	return fs, ok, err
}

// PutFetchState writes fs in its own transaction.
func (db *DB) PutFetchState(ctx context.Context, fs FetchState) error {
	return db.Update(ctx, func(tx *Tx) error { return tx.PutFetchState(fs) })
}

// Sources reads every source's fetch state in its own transaction.
func (db *DB) Sources(ctx context.Context) (out []FetchState, err error) {
	err = db.View(ctx, func(tx *Tx) error {
		out, err = tx.Sources()
		return err
	})
	return out, err
}

// Snapshot reads the latest snapshot of docID in its own transaction.
func (db *DB) Snapshot(ctx context.Context, docID string) (s Snapshot, ok bool, err error) {
	err = db.View(ctx, func(tx *Tx) error {
		s, ok, err = tx.Snapshot(docID)
		return err
	})
	return s, ok, err
}

// Metrics lists metric ids in its own transaction.
func (db *DB) Metrics(ctx context.Context) (out []string, err error) {
	err = db.View(ctx, func(tx *Tx) error {
		out, err = tx.Metrics()
		return err
	})
	return out, err
}

// Observations reads metric's history in its own transaction.
func (db *DB) Observations(ctx context.Context, metric string) (out []Observation, err error) {
	err = db.View(ctx, func(tx *Tx) error {
		out, err = tx.Observations(metric)
		return err
	})
	return out, err
}

// LatestObservation reads metric's newest observation from authority ("" for
// any) in its own transaction.
func (db *DB) LatestObservation(ctx context.Context, metric, authority string) (o Observation, ok bool, err error) {
	err = db.View(ctx, func(tx *Tx) error {
		o, ok, err = tx.LatestObservation(metric, authority)
		return err
	})
	return o, ok, err
}

// Enqueue queues a in its own transaction; see Tx.Enqueue.
func (db *DB) Enqueue(ctx context.Context, a *Alert) error {
	return db.Update(ctx, func(tx *Tx) error { return tx.Enqueue(a) })
}

// Alert reads one alert in its own transaction.
func (db *DB) Alert(ctx context.Context, id uint64) (a Alert, ok bool, err error) {
	err = db.View(ctx, func(tx *Tx) error {
		a, ok, err = tx.Alert(id)
		return err
	})
	return a, ok, err
}

// PutAlert updates an alert in its own transaction; see Tx.PutAlert.
func (db *DB) PutAlert(ctx context.Context, a Alert) error {
	return db.Update(ctx, func(tx *Tx) error { return tx.PutAlert(a) })
}

// PendingAlerts reads up to limit pending alerts in its own transaction.
func (db *DB) PendingAlerts(ctx context.Context, limit int) (out []Alert, err error) {
	err = db.View(ctx, func(tx *Tx) error {
		out, err = tx.PendingAlerts(limit)
		return err
	})
	return out, err
}

// OutboxStats counts alerts by status in its own transaction.
func (db *DB) OutboxStats(ctx context.Context) (pending, sent, failed int, err error) {
	err = db.View(ctx, func(tx *Tx) error {
		pending, sent, failed, err = tx.OutboxStats()
		return err
	})
	return pending, sent, failed, err
}

// Thread reads a Slack thread anchor in its own transaction.
func (db *DB) Thread(ctx context.Context, metric, channel string) (ts string, ok bool, err error) {
	err = db.View(ctx, func(tx *Tx) error {
		ts, ok, err = tx.Thread(metric, channel)
		return err
	})
	return ts, ok, err
}

// PutThread records a Slack thread anchor in its own transaction.
func (db *DB) PutThread(ctx context.Context, metric, channel, ts string) error {
	return db.Update(ctx, func(tx *Tx) error { return tx.PutThread(metric, channel, ts) })
}
