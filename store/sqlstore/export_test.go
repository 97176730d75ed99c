package sqlstore

import "context"

// RefuseWritesForTest makes a SQLite store's write connection refuse
// writes, as a database opened read-only does.
func RefuseWritesForTest(s *Store) error {
	_, err := s.writeDB.Exec("PRAGMA query_only = 1")
	return err
}

// WaitAnalyses waits for the statistics refreshes maybeAnalyze started.
func WaitAnalyses(s *Store) { s.analyses.Wait() }

// RawQueryRowForTest scans one row of query.
func (s *Store) RawQueryRowForTest(ctx context.Context, query string, dest ...any) error {
	return s.readDB.QueryRowContext(ctx, query).Scan(dest...)
}

// FollowMarkForTest and FollowReadForTest run the dialect's follower reads.
func FollowMarkForTest(ctx context.Context, s *Store) (string, error) { return s.d.followMark(ctx, s) }

// FollowReadForTest is one follower read from mark.
func FollowReadForTest(ctx context.Context, s *Store, mark string) (int, string, error) {
	changes, next, err := s.d.followRead(ctx, s, mark)
	return len(changes), next, err
}

// SetAfterDispatchReadForTest runs fn between DispatchEvents' read of a
// batch and the transaction that takes it off the queue.
func SetAfterDispatchReadForTest(s *Store, fn func()) { s.afterDispatchRead = fn }

// SetAfterCheckpointForTest runs fn after each background checkpoint.
func SetAfterCheckpointForTest(s *Store, fn func()) { s.afterCheckpoint.Store(&fn) }

// DispatchSweepEvery exports dispatchSweepEvery.
const DispatchSweepEvery = dispatchSweepEvery

// RoutesLockKey exports routesLockKey.
const RoutesLockKey = routesLockKey
