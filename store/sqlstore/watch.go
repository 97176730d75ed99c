package sqlstore

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// NotifyChannel is the PostgreSQL channel the numbers table's triggers
// (migration 00010) notify of committed writes of numbers: each payload
// is the table's schema, a space, and up to 300 numbers separated by
// commas, or the schema and "*" when one statement wrote more than
// notifyAllOver numbers (a bulk load): then every listener reads every
// number again rather than the database queueing a million payloads.
const NotifyChannel = "numan_numbers"

// watchers are a Store's registered number watches.
type watchers struct {
	mu   sync.RWMutex
	list []*store.NumberWatch
	any  atomic.Bool // fast path of the write methods: no watch, no copies
}

// WatchNumbers implements store.NumberWatcher. This store's writes are
// reported after their commit on the writer's goroutine. On PostgreSQL a
// goroutine also listens on NotifyChannel for other nodes' writes, on a
// connection of its own; it calls w.Resync once it listens, and again
// after it had to open its connection again. On SQLite Resync is called
// once before WatchNumbers returns, and again whenever another process
// committed to the file (numan reconcile, a second server on the same
// file): a goroutine compares the write connection's PRAGMA data_version,
// which only another connection's commits change, every externalPoll.
func (s *Store) WatchNumbers(ctx context.Context, w store.NumberWatch) error {
	s.watch.mu.Lock()
	s.watch.list = append(s.watch.list, &w)
	s.watch.any.Store(true)
	s.watch.mu.Unlock()
	context.AfterFunc(ctx, func() {
		s.watch.mu.Lock()
		defer s.watch.mu.Unlock()
		for i, p := range s.watch.list {
			if p == &w {
				s.watch.list = append(s.watch.list[:i], s.watch.list[i+1:]...)
				break
			}
		}
		s.watch.any.Store(len(s.watch.list) > 0)
	})
	if s.d.listen == nil {
		if s.d.externalVersion != nil {
			v, err := s.d.externalVersion(ctx, s)
			if err != nil {
				return s.d.internal("watch numbers", "", err)
			}
			go s.pollExternal(ctx, w, v)
		}
		w.Resync()
		return nil
	}
	go s.listenLoop(ctx, w)
	return nil
}

// listenLoop runs the dialect's listener until ctx ends, opening its
// connection again (after a pause that grows to 5 s) whenever it is lost.
func (s *Store) listenLoop(ctx context.Context, w store.NumberWatch) {
	pause := 100 * time.Millisecond
	for ctx.Err() == nil {
		started := false
		err := s.d.listen(ctx, s.dsn, func() { started = true; w.Resync() }, func(schemaNums string) {
			deliverNotification(schemaNums, w)
		})
		if ctx.Err() != nil {
			return
		}
		if w.Lost != nil {
			w.Lost()
		}
		if started {
			pause = 100 * time.Millisecond
		}
		_ = err // the next attempt says whether the database is back
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		pause = min(2*pause, 5*time.Second)
	}
}

// deliverNotification hands one payload of NotifyChannel (already
// filtered to this store's schema: "n1,n2,..." or "*") to w.
func deliverNotification(nums string, w store.NumberWatch) {
	if nums == "*" {
		w.Resync()
		return
	}
	parts := strings.Split(nums, ",")
	changes := make([]store.NumberChange, 0, len(parts))
	for _, p := range parts {
		if p != "" {
			changes = append(changes, store.NumberChange{Number: p})
		}
	}
	if len(changes) > 0 {
		w.Changed(changes)
	}
}

// notify reports committed changes to every watch.
func (s *Store) notify(changes []store.NumberChange) {
	if len(changes) == 0 {
		return
	}
	s.watch.mu.RLock()
	list := s.watch.list
	s.watch.mu.RUnlock()
	for _, w := range list {
		w.Changed(changes)
	}
}

// noteWritten records that n was written (a copy, as the caller may change
// n): reported at once outside a transaction, at its commit inside one.
func (x *executor) noteWritten(ns ...*number.Number) {
	if !x.s.watch.any.Load() {
		return
	}
	changes := make([]store.NumberChange, len(ns))
	for i, n := range ns {
		changes[i] = store.NumberChange{Number: n.Number, Written: n.Clone()}
	}
	x.note(changes)
}

// noteDeleted records that e164 was deleted.
func (x *executor) noteDeleted(e164 string) {
	if !x.s.watch.any.Load() {
		return
	}
	x.note([]store.NumberChange{{Number: e164}})
}

func (x *executor) note(changes []store.NumberChange) {
	if x.changes != nil {
		*x.changes = append(*x.changes, changes...)
		return
	}
	x.s.notify(changes)
}

// externalPoll is how often a SQLite store checks for other processes'
// commits.
const externalPoll = time.Second

// pollExternal calls w.Resync whenever the dialect's external version
// moves from v, until ctx ends; a poll runs every externalPoll, or at once
// when asked on s.pollNow (tests), which is answered when it is done.
func (s *Store) pollExternal(ctx context.Context, w store.NumberWatch, v int64) {
	t := time.NewTicker(externalPoll)
	defer t.Stop()
	for {
		var done chan struct{}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case done = <-s.pollNow:
		}
		if nv, err := s.d.externalVersion(ctx, s); err == nil && nv != v {
			v = nv
			w.Resync()
		}
		if done != nil {
			close(done)
		}
	}
}

// PollExternal makes a SQLite store's watch check at once for other
// processes' commits (as it does every second) and returns once it has,
// having called Resync if there were any: tests use it instead of
// waiting. It returns at once when nothing watches.
func (s *Store) PollExternal(ctx context.Context) {
	if s.d.externalVersion == nil || !s.watch.any.Load() {
		return
	}
	done := make(chan struct{})
	select {
	case s.pollNow <- done:
		select {
		case <-done:
		case <-ctx.Done():
		}
	case <-ctx.Done():
	}
}
